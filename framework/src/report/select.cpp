#include "report/select.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pulab/error.hpp"

namespace pulab::report {

double selection_score(const RunResult& run, SelectBy by) {
  if (by == SelectBy::BestVal) return run.best_val.val.accuracy;
  if (by == SelectBy::Last) return run.last.val.accuracy;
  const auto i = picked_epoch(run, by);
  return i ? *criterion_value(run.epochs[*i], by) : std::numeric_limits<double>::quiet_NaN();
}

namespace {

bool is_data_key(const std::string& key) {
  return key.rfind("dataset.", 0) == 0 || key.rfind("split.", 0) == 0 || key.rfind("labeling.", 0) == 0;
}

// True for the sweep keys the row or the column key stand for (any of their alternatives, "A|B").
bool is_grid_key(const std::string& key, const std::string& row_key, const std::string& col_key) {
  for (const std::string& grid_key : {row_key, col_key}) {
    if (key == grid_key) return true;
    for (const auto& alternative : key_alternatives(grid_key)) {
      const std::string path = config_path_of(alternative);
      if (key == alternative || (!path.empty() && key == path)) return true;
    }
  }
  return false;
}

}  // namespace

std::string setting_of(const RunResult& run, const std::string& row_key, const std::string& col_key) {
  std::string name;
  for (const auto& [key, value] : run.sweep) {
    if (key == "train.seed" || is_data_key(key) || is_grid_key(key, row_key, col_key)) continue;
    name += (name.empty() ? "" : ", ") + key + "=" + normalize_number(value);
  }
  return name;
}

std::string column_of(const RunResult& run, const std::string& row_key, const std::string& col_key,
                      const std::string& ignored) {
  std::string label = run.label(col_key);
  for (const auto& [key, value] : run.sweep) {
    const bool is_ignored = !ignored.empty() && is_grid_key(key, ignored, ignored);
    if (is_data_key(key) && !is_grid_key(key, row_key, col_key) && !is_ignored) label += " " + run.label(key);
  }
  return label;
}

const Cell* Grid::find(const std::string& row, const std::string& col) const {
  auto it = cells.find({row, col});
  return it == cells.end() ? nullptr : &it->second;
}

Grid build_grid(const std::vector<const RunResult*>& runs, const std::string& row_key, const std::string& col_key,
                SelectBy by) {
  Grid grid;
  grid.row_key = row_key;
  grid.col_key = col_key;
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::vector<const RunResult*>>> groups;
  for (const RunResult* run : runs) {
    const std::string row = run->label(row_key), col = column_of(*run, row_key, col_key);
    groups[{row, col}][setting_of(*run, row_key, col_key)].push_back(run);
    if (std::find(grid.rows.begin(), grid.rows.end(), row) == grid.rows.end()) grid.rows.push_back(row);
    if (std::find(grid.cols.begin(), grid.cols.end(), col) == grid.cols.end()) grid.cols.push_back(col);
  }
  std::sort(grid.rows.begin(), grid.rows.end(), natural_less);
  std::sort(grid.cols.begin(), grid.cols.end(), natural_less);

  for (auto& [where, settings] : groups) {
    Cell cell;
    cell.row = where.first;
    cell.col = where.second;
    for (auto& [name, members] : settings) {
      Setting s;
      s.name = name;
      s.runs = members;
      std::vector<double> scores;
      for (const RunResult* r : members) scores.push_back(selection_score(*r, by));
      s.val = summarize(scores);
      cell.settings.push_back(std::move(s));
    }
    std::sort(cell.settings.begin(), cell.settings.end(),
              [](const Setting& a, const Setting& b) { return natural_less(a.name, b.name); });
    for (std::size_t i = 1; i < cell.settings.size(); ++i) {
      const double score = cell.settings[i].val.mean, chosen = cell.settings[cell.chosen].val.mean;
      // A setting without the criterion (NaN) is never preferred to one with it.
      if (better(score, chosen, by) || (std::isnan(chosen) && !std::isnan(score))) cell.chosen = i;
    }
    grid.cells.emplace(where, std::move(cell));
  }
  return grid;
}

void reorder(std::vector<std::string>& labels, const std::vector<std::string>& preferred) {
  std::stable_sort(labels.begin(), labels.end(), [&](const std::string& a, const std::string& b) {
    auto ia = std::find(preferred.begin(), preferred.end(), a);
    auto ib = std::find(preferred.begin(), preferred.end(), b);
    return ia < ib;  // not listed = end(): after every listed label, order kept
  });
}

}  // namespace pulab::report
