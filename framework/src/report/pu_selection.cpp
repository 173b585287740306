#include "report/pu_selection.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/table.hpp"

namespace pulab::report {

namespace {

bool cell_has(const Cell& cell, SelectBy by) {
  for (const auto& s : cell.settings)
    for (const RunResult* r : s.runs)
      if (!has_criterion(*r, by)) return false;
  return true;
}

SelectionCell selection_cell(const Cell& cell, SelectBy by) {
  std::vector<double> test;
  for (const RunResult* r : cell.best().runs) test.push_back(picked_reading(*r, by).test.accuracy);
  return {summarize(test), cell.best().name};
}

// Points with `digits` decimals; a value that rounds to zero prints without a sign ("0.0", not "-0.0").
std::string points(double v, int digits) {
  const double rounded = std::round(v * std::pow(10.0, digits));
  return fmt::format("{:.{}f}", rounded == 0 ? 0.0 : v, digits);
}

std::string cell_text(const SelectionComparison& c, const std::string& row, const std::string& col, SelectBy by,
                      int digits) {
  const SelectionCell* cell = c.find(row, col, by);
  if (!cell) return "–";
  std::string text = format_summary(cell->test, digits);
  if (const auto loss = c.loss(row, col, by); loss && by != SelectBy::BestVal) text += ", loss " + points(*loss, digits);
  return text;
}

std::string column_table(const SelectionComparison& c, const std::string& col, int digits) {
  std::vector<std::string> header{c.row_key};
  for (SelectBy by : all_criteria()) header.push_back(by == SelectBy::BestVal ? "oracle" : short_label(by));
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : c.rows) {
    if (!c.find(row, col, SelectBy::BestVal)) continue;
    std::vector<std::string> line{row};
    for (SelectBy by : all_criteria()) line.push_back(cell_text(c, row, col, by, digits));
    rows.push_back(std::move(line));
  }
  return markdown(header, rows);
}

// The PU-only criterion with the lowest mean loss (first of ties), or null when none has a cell.
const CriterionLoss* least_loss(const std::vector<CriterionLoss>& all) {
  const CriterionLoss* least = nullptr;
  for (const auto& l : all)
    if (is_pu_criterion(l.by) && l.cells > 0 && (!least || l.mean < least->mean)) least = &l;
  return least;
}

std::string loss_summary(const SelectionComparison& c, int digits) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& l : losses(c)) {
    rows.push_back({short_label(l.by), std::to_string(l.cells), l.cells ? points(l.mean, digits) : "–",
                    l.cells ? points(l.max, digits) : "–"});
  }
  std::string md = markdown({"criterion", "cells", "mean loss [points]", "max loss [points]"}, rows);
  // Compared where every PU-only criterion has a number, so that none wins by missing hard cells.
  const auto common = losses(c, true);
  const CriterionLoss* least = least_loss(common);
  if (!least) return md + "\nNo cell has every PU-only criterion recorded: no winner is named.\n";
  const auto recorded = std::count_if(common.begin(), common.end(),
                                      [](const CriterionLoss& l) { return is_pu_criterion(l.by) && l.cells > 0; });
  if (recorded == 1) {
    return md + fmt::format("\nThe only PU-only criterion these runs record is **{}**: a mean loss of {} points over {} "
                            "cell{} (files written before PA, Lee & Liu and the PU risk were recorded have PU-AUC "
                            "only).\n",
                            short_label(least->by), points(least->mean, digits), least->cells,
                            least->cells == 1 ? "" : "s");
  }
  return md + fmt::format("\nLeast loss on average among the PU-only criteria, over the {} cell{} where each of "
                          "them is recorded: **{}**, a mean loss of {} points.\n",
                          least->cells, least->cells == 1 ? "" : "s", short_label(least->by),
                          points(least->mean, digits));
}

std::string setting_notes(const SelectionComparison& c) {
  std::string md;
  for (const auto& row : c.rows) {
    for (const auto& col : c.cols) {
      const auto n = c.setting_counts.find({row, col});
      if (n == c.setting_counts.end() || n->second < 2) continue;
      std::string line;
      for (SelectBy by : all_criteria()) {
        const SelectionCell* cell = c.find(row, col, by);
        if (!cell) continue;
        line += fmt::format("{}{} `{}`", line.empty() ? "" : "; ", by == SelectBy::BestVal ? "oracle" : short_label(by),
                            cell->setting);
      }
      md += fmt::format("- {} / {}: {}\n", row, col, line);
    }
  }
  return md.empty() ? md : "\nSettings chosen by each criterion:\n\n" + md;
}

}  // namespace

const SelectionCell* SelectionComparison::find(const std::string& row, const std::string& col, SelectBy by) const {
  const auto it = cells.find({row, col, by});
  return it == cells.end() ? nullptr : &it->second;
}

std::optional<double> SelectionComparison::loss(const std::string& row, const std::string& col, SelectBy by) const {
  const SelectionCell* oracle = find(row, col, SelectBy::BestVal);
  const SelectionCell* other = find(row, col, by);
  if (!oracle || !other) return std::nullopt;
  return 100.0 * (oracle->test.mean - other->test.mean);
}

SelectionComparison compare_selection(const std::vector<const RunResult*>& runs, const Grid& layout) {
  SelectionComparison c;
  c.row_key = layout.row_key;
  c.col_key = layout.col_key;
  c.rows = layout.rows;
  c.cols = layout.cols;
  for (SelectBy by : all_criteria()) {
    const Grid g = build_grid(runs, layout.row_key, layout.col_key, by);
    for (const auto& [where, cell] : g.cells) {
      c.setting_counts[where] = cell.settings.size();
      if (cell_has(cell, by)) c.cells[{where.first, where.second, by}] = selection_cell(cell, by);
    }
  }
  return c;
}

std::vector<CriterionLoss> losses(const SelectionComparison& c, bool common_cells) {
  // The PU-only criteria some cell has, and whether a cell has them all.
  std::vector<SelectBy> recorded;
  for (SelectBy by : all_criteria()) {
    if (!is_pu_criterion(by)) continue;
    for (const auto& [key, cell] : c.cells)
      if (std::get<2>(key) == by) {
        recorded.push_back(by);
        break;
      }
  }
  auto has_all = [&](const std::string& row, const std::string& col) {
    return std::all_of(recorded.begin(), recorded.end(), [&](SelectBy by) { return c.find(row, col, by) != nullptr; });
  };
  std::vector<CriterionLoss> out;
  for (SelectBy by : all_criteria()) {
    if (by == SelectBy::BestVal) continue;
    CriterionLoss l{by};
    double sum = 0;
    for (const auto& row : c.rows) {
      for (const auto& col : c.cols) {
        const auto loss = c.loss(row, col, by);
        if (!loss || (common_cells && !has_all(row, col))) continue;
        l.max = l.cells == 0 ? *loss : std::max(l.max, *loss);
        sum += *loss;
        ++l.cells;
      }
    }
    l.mean = l.cells ? sum / double(l.cells) : 0;
    out.push_back(l);
  }
  return out;
}

std::string selection_markdown(const SelectionComparison& c, int digits) {
  std::string md = "\n## Model selection without negatives\n\n";
  md += "Test accuracy [%] at the epoch each criterion picks, mean ± sample std over seeds (n), and its *loss*: the "
        "oracle's mean minus the criterion's, in points (positive: the criterion's epochs test worse). *oracle*: the "
        "epoch of highest validation accuracy (it reads the true labels of validation U); *last*: the last epoch; "
        "*PU-AUC*, *PA* (proxy accuracy), *Lee & Liu* (r²/P(ŷ=1)): the epoch of their highest value, *PU risk*: of "
        "the lowest value of the run's own risk — the four read only the validation set's PU view (labeled "
        "positives vs unlabeled) and the prior (docs/reporting.md). Where a cell has several hyper-parameter "
        "settings, each criterion also chooses the setting (oracle and last by validation accuracy). –: a run of the "
        "cell does not record the criterion.\n";
  for (const auto& col : c.cols) md += fmt::format("\n### {}\n\n", col) + column_table(c, col, digits);
  md += "\n### Loss against the oracle, over the cells\n\n" + loss_summary(c, digits);
  return md + setting_notes(c);
}

std::string selection_section(const std::vector<const RunResult*>& runs, const Grid& layout, int digits) {
  return selection_markdown(compare_selection(runs, layout), digits);
}

}  // namespace pulab::report
