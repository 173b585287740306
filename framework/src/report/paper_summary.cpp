#include "report/paper_summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "report/select.hpp"
#include "report/table.hpp"

namespace pulab::report {

namespace {

using Runs = std::vector<const RunResult*>;

Summary test_accuracy(const Setting& s, SelectBy by) {
  std::vector<double> v;
  for (const RunResult* r : s.runs) v.push_back(picked_reading(*r, by).test.accuracy);
  return summarize(v);
}

bool all_have(const Runs& runs, const std::string& key) {
  return std::all_of(runs.begin(), runs.end(), [&](const RunResult* r) {
    const auto v = r->value(key);
    return v && !v->empty();
  });
}

// The keys the experiment's own report would label its runs by (report.cpp's defaults), unless
// the paper table names its row key (Table 3's rows are values of weighting.beta_max).
std::pair<std::string, std::string> label_keys(const Runs& runs, const PaperTable* table) {
  const bool any_compose = std::any_of(runs.begin(), runs.end(), [](const RunResult* r) { return r->sweep.count("compose"); });
  const std::string row = table && !table->row_key.empty() ? table->row_key
                          : all_have(runs, "report.row")  ? "report.row"
                          : any_compose                   ? "compose"
                                                          : "experiment";
  const std::string col = all_have(runs, "report.column") ? "report.column" : "experiment";
  return {row, col};
}

// The runs of the table's methods (a run that records no composed method passes).
Runs of_methods(const Runs& runs, const std::vector<std::string>& methods) {
  if (methods.empty()) return runs;
  Runs out;
  for (const RunResult* r : runs) {
    const auto it = r->sweep.find("compose");
    if (it == r->sweep.end() || std::find(methods.begin(), methods.end(), it->second) != methods.end()) out.push_back(r);
  }
  return out;
}

// "table3_mnist_1k" is named after the paper table "table3".
bool named_after(const std::string& experiment, const std::string& table_id) {
  return experiment.rfind(table_id + "_", 0) == 0 || experiment == table_id;
}

std::string name_in_paper(const std::map<std::string, std::string>& names, const std::string& label) {
  const auto it = names.find(label);
  return it == names.end() ? label : it->second;
}

// a's validation score strictly better than b's; a score the runs do not record (NaN) comes last,
// so the order stays a strict weak one.
bool validated_before(double a, double b, SelectBy by) {
  if (std::isnan(a) || std::isnan(b)) return !std::isnan(a) && std::isnan(b);
  return better(a, b, by);
}

std::string signed_points(double v, int digits) { return fmt::format("{:+.{}f}", v, digits); }

}  // namespace

double PaperComparison::difference() const { return 100.0 * compared().mean - paper->mean; }

bool PaperComparison::within_stds() const {
  const double allowed = std::max(0.0, paper->std) + 100.0 * compared().std;
  // Half a unit of the paper's last printed digit: 96.4 ± 0.4 against our 96.85 ± 0.0 is within.
  return std::fabs(difference()) <= allowed + 0.05 + 1e-9;
}

std::vector<PaperComparison> compare_with_paper(const Runs& runs, const PaperNumbers& paper, SelectBy by) {
  // The experiments in path order, each with its runs.
  std::vector<std::string> order;
  std::map<std::string, Runs> by_experiment;
  for (const RunResult* r : runs) {
    if (!by_experiment.count(r->experiment)) order.push_back(r->experiment);
    by_experiment[r->experiment].push_back(r);
  }
  // One grid per (paper table, experiment): the labels depend on the table's row key.
  std::map<std::pair<std::string, std::string>, Grid> grids;
  for (const auto& table : paper.tables) {
    for (const auto& name : order) {
      const Runs mine = of_methods(by_experiment[name], table.methods);
      if (mine.empty()) continue;
      const auto [row_key, col_key] = label_keys(mine, &table);
      grids.emplace(std::make_pair(table.id, name), build_grid(mine, row_key, col_key, by));
    }
  }

  std::vector<PaperComparison> out;
  for (const auto& cell : paper.cells) {
    PaperComparison c;
    c.paper = &cell;
    std::vector<std::pair<std::string, const Cell*>> covering;
    for (const auto& name : order) {
      const auto it = grids.find({cell.table, name});
      if (it == grids.end()) continue;
      if (const Cell* ours = it->second.find(cell.row, cell.col)) covering.emplace_back(name, ours);
    }
    if (!covering.empty()) {
      // An experiment named after the table first, then the most seeds, then the best validation
      // score (a tuned rerun beside the untuned rows: the choice the paper's tuning makes); stable,
      // so the first in path order wins a tie.
      std::stable_sort(covering.begin(), covering.end(), [&](const auto& a, const auto& b) {
        const bool na = named_after(a.first, cell.table), nb = named_after(b.first, cell.table);
        if (na != nb) return na;
        const Setting &sa = a.second->best(), &sb = b.second->best();
        if (sa.runs.size() != sb.runs.size()) return sa.runs.size() > sb.runs.size();
        return validated_before(sa.val.mean, sb.val.mean, by);
      });
      const Setting& chosen = covering.front().second->best();
      c.experiment = covering.front().first;
      c.setting = chosen.name;
      c.last = test_accuracy(chosen, SelectBy::Last);
      c.selected = test_accuracy(chosen, second_reading(by));
      for (std::size_t i = 1; i < covering.size(); ++i) {
        c.alternatives.push_back(fmt::format("{} ({} seed{})", covering[i].first, covering[i].second->best().runs.size(),
                                             covering[i].second->best().runs.size() == 1 ? "" : "s"));
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string paper_summary_section(const std::vector<PaperComparison>& rows, const PaperNumbers& paper, SelectBy by,
                                  int digits) {
  const std::string selected_label = second_reading_label(by);
  std::vector<std::vector<std::string>> lines;
  struct Count {
    int cells = 0, measured = 0, within = 0;
    double abs_difference = 0;
  };
  std::map<std::string, Count> per_table;
  Count all;
  std::vector<std::string> notes;
  struct Missing {
    std::string table, col;
    int cells;
    std::vector<std::string> rows;
  };
  std::vector<Missing> missing;  // in the file's order
  for (const auto& c : rows) {
    const PaperTable* t = paper.table(c.paper->table);
    const std::string table_label = t ? t->label : c.paper->table;
    const std::string row = t ? name_in_paper(t->row_names, c.paper->row) : c.paper->row;
    const std::string col = t ? name_in_paper(t->col_names, c.paper->col) : c.paper->col;
    const std::string reading = c.paper->reading == "last" ? "last" : selected_label;
    Count& count = per_table[table_label];
    ++count.cells;
    ++all.cells;
    if (!c.measured()) {  // listed per table and data column below the measured cells
      auto it = std::find_if(missing.begin(), missing.end(),
                             [&](const Missing& m) { return m.table == table_label && m.col == col; });
      if (it == missing.end()) it = missing.insert(missing.end(), Missing{table_label, col, 0, {}});
      ++it->cells;
      if (std::find(it->rows.begin(), it->rows.end(), row) == it->rows.end()) it->rows.push_back(row);
      continue;
    }
    const double d = c.difference();
    const bool within = c.within_stds();
    ++count.measured;
    ++all.measured;
    count.within += within ? 1 : 0;
    all.within += within ? 1 : 0;
    count.abs_difference += std::fabs(d);
    all.abs_difference += std::fabs(d);
    std::string source = "`" + c.experiment + "`";
    if (!c.setting.empty()) source += " (" + c.setting + ")";
    lines.push_back({markdown_escape(table_label), markdown_escape(row), markdown_escape(col), reading,
                     format_paper({c.paper}), format_summary(c.selected, digits), format_summary(c.last, digits),
                     signed_points(d, digits), within ? "yes" : "no", markdown_escape(source)});
    if (!c.alternatives.empty()) {
      std::string others;
      for (const auto& a : c.alternatives) others += (others.empty() ? "" : ", ") + a;
      notes.push_back(fmt::format("{} {} / {}: also covered by {}; not pooled", table_label, row, col, others));
    }
  }

  std::string md = "\n## Beside the paper: every published cell\n\n";
  md += fmt::format(
      "Each cell of the `--paper` file, our test accuracy [%] beside the published one (mean ± sample std, n "
      "seeds). *reading*: which of ours is compared — the last epoch where the paper gives its last epoch, "
      "else the {} reading. *diff*: ours − paper in points; *within*: |diff| ≤ the paper's std + ours (+ 0.05 "
      "for the paper's rounding). *source*: the experiment the cell comes from (hyper-parameters chosen by "
      "validation; of several covering it, one named after the table, then the most seeds, then the best "
      "validation score).\n\n",
      selected_label);
  md += markdown({"table", "method", "data", "reading", "paper", "ours " + selected_label, "ours last", "diff",
                  "within", "source"},
                 lines);
  md += "\n";
  if (!missing.empty()) {
    std::vector<std::vector<std::string>> grouped;
    for (const auto& m : missing) {
      std::string names;
      for (const auto& r : m.rows) names += (names.empty() ? "" : ", ") + r;
      grouped.push_back({markdown_escape(m.table), markdown_escape(m.col), std::to_string(m.cells), markdown_escape(names)});
    }
    md += "Cells not measured yet:\n\n" + markdown({"table", "data", "cells", "rows"}, grouped) + "\n";
  }
  auto count_line = [&](const std::string& what, const Count& c) {
    return fmt::format("- {}: {} of {} cells measured, {} of them within the stds{}\n", what, c.measured, c.cells,
                       c.within,
                       c.measured ? fmt::format(", mean |diff| {:.{}f} points", c.abs_difference / c.measured, digits)
                                  : std::string());
  };
  for (const auto& t : paper.tables)
    if (per_table.count(t.label)) md += count_line(t.label, per_table[t.label]);
  md += count_line("All", all);
  if (!notes.empty()) {
    md += "\nNotes:\n\n";
    for (const auto& n : notes) md += "- " + n + "\n";
  }
  return md;
}

}  // namespace pulab::report
