#include "report/leaderboard.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <optional>

#include <fmt/format.h>

#include "pulab/error.hpp"
#include "report/stats.hpp"
#include "report/table.hpp"

namespace pulab::report {

namespace {

using Runs = std::vector<const RunResult*>;

// Means closer than this are a tie: equal seeds' accuracies summed in another order differ in the
// last bits, and a rank must not depend on that.
constexpr double kTie = 1e-9;

Summary over_seeds(const Runs& runs, const std::function<double(const RunResult&)>& metric) {
  std::vector<double> values;
  for (const RunResult* r : runs) values.push_back(metric(*r));
  return summarize(values);
}

// The test scores of a run at the accuracy table's second reading (best-val, or a PU criterion's epoch).
Scores selected_test(const RunResult& run, SelectBy by) { return picked_reading(run, second_reading(by)).test; }

double metric_of(const Scores& test, RankMetric metric) {
  switch (metric) {
    case RankMetric::F1: return test.f1;
    case RankMetric::Auc: return test.auc;
    case RankMetric::Accuracy: break;
  }
  return test.accuracy;
}

Summary selected_metric(const Cell& cell, SelectBy by, RankMetric metric) {
  return over_seeds(cell.best().runs, [by, metric](const RunResult& r) { return metric_of(selected_test(r, by), metric); });
}

std::string rank_text(double rank) {
  return rank == std::floor(rank) ? fmt::format("{:.0f}", rank) : fmt::format("{:.1f}", rank);
}

// How the setting of a cell is chosen and at which epoch the second reading is, for the text.
std::string chosen_by(SelectBy by) {
  if (by == SelectBy::BestVal) return "the highest mean validation accuracy at the best-validation epoch";
  if (by == SelectBy::Last) return "the highest mean validation accuracy at the last epoch";
  return fmt::format("the {} mean {}", lower_is_better(by) ? "lowest" : "highest", to_string(by));
}

std::string reading_epoch(SelectBy by) {
  if (!is_pu_criterion(by)) return "the epoch of highest validation accuracy";
  return fmt::format("the epoch of {} {}", lower_is_better(by) ? "lowest" : "highest", to_string(by));
}

// ---- the per-data-set tables ----

// (row, column) -> failed runs there, by the grid's labels.
using FailedCount = std::map<std::pair<std::string, std::string>, std::size_t>;

FailedCount count_failed(const Runs& failed, const Grid& grid) {
  FailedCount n;
  for (const RunResult* r : failed) ++n[{r->label(grid.row_key), column_of(*r, grid.row_key, grid.col_key)}];
  return n;
}

std::size_t failed_at(const FailedCount& failed, const std::string& row, const std::string& col) {
  const auto it = failed.find({row, col});
  return it == failed.end() ? 0 : it->second;
}

std::string runs_text(const Cell* cell, std::size_t failed) {
  std::size_t chosen = 0, all = 0;
  if (cell) {
    chosen = cell->best().runs.size();
    for (const auto& s : cell->settings) all += s.runs.size();
  }
  std::string text = std::to_string(chosen);
  if (all > chosen) text += fmt::format(" of {} in the sweep", all);
  if (failed > 0) text += fmt::format(", {} failed", failed);
  return text;
}

std::string minutes_text(const Runs& runs) {
  return fmt::format("{:.2f}", over_seeds(runs, [](const RunResult& r) { return r.wall_seconds / 60.0; }).mean);
}

std::vector<std::string> dataset_line(const std::string& method, const Cell* cell, std::size_t failed, SelectBy by,
                                      int digits) {
  if (!cell) return {markdown_escape(method), "–", "–", "–", "–", "–", runs_text(nullptr, failed)};
  const Runs& runs = cell->best().runs;
  auto percent = [&](const std::function<double(const RunResult&)>& metric) {
    return format_summary(over_seeds(runs, metric), digits);
  };
  return {markdown_escape(method),
          percent([](const RunResult& r) { return picked_reading(r, SelectBy::Last).test.accuracy; }),
          percent([by](const RunResult& r) { return selected_test(r, by).accuracy; }),
          percent([by](const RunResult& r) { return selected_test(r, by).f1; }),
          percent([by](const RunResult& r) { return selected_test(r, by).auc; }),
          minutes_text(runs),
          runs_text(cell, failed)};
}

// The methods of a column, best rank first (ties in the order of `ranks`, the mean ranks), then
// those with failed runs only there.
std::vector<std::string> column_methods(const std::vector<MethodRank>& ranks, const FailedCount& failed,
                                        const std::string& col) {
  std::vector<std::pair<double, std::string>> ranked;
  for (const auto& m : ranks)
    if (const auto it = m.rank.find(col); it != m.rank.end()) ranked.emplace_back(it->second, m.method);
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> methods;
  for (const auto& [rank, method] : ranked) methods.push_back(method);
  for (const auto& [where, n] : failed) {
    if (where.second == col && std::find(methods.begin(), methods.end(), where.first) == methods.end())
      methods.push_back(where.first);
  }
  return methods;
}

// Which single class a run's selected reading predicts for every test row, if it does: its accuracy is
// then just that class's share (calling every row negative scores 1 − π), which a reader of the
// accuracy column must know.
std::optional<const char*> one_class(const Scores& test) {
  constexpr double kAll = 1 - 1e-12, kNone = 1e-12;
  if (test.error_p >= kAll && test.error_n <= kNone) return "negative";
  if (test.error_p <= kNone && test.error_n >= kAll) return "positive";
  return std::nullopt;
}

// "*One class at the best-val reading* (...): every test row negative: nnpu (3 of 3 seeds), upu (1 of 3)."
// Methods in the table's order.
std::string one_class_note(const Grid& grid, const std::vector<std::string>& methods, const std::string& col,
                           SelectBy by) {
  std::map<std::string, std::string> by_class;  // "negative" / "positive" -> "nnpu (3 of 3 seeds), ..."
  for (const auto& method : methods) {
    const Cell* cell = grid.find(method, col);
    if (!cell) continue;
    std::map<std::string, std::size_t> seeds;  // class -> runs that call every row that class
    for (const RunResult* r : cell->best().runs)
      if (const auto c = one_class(selected_test(*r, by))) ++seeds[*c];
    for (const auto& [which, n] : seeds) {
      std::string& list = by_class[which];
      list += fmt::format("{}{} ({} of {}{})", list.empty() ? "" : ", ", markdown_escape(method), n,
                          cell->best().runs.size(), list.empty() ? " seeds" : "");
    }
  }
  if (by_class.empty()) return "";
  std::string parts;
  for (const auto& [which, list] : by_class) parts += fmt::format("{}every test row {}: {}", parts.empty() ? "" : "; ", which, list);
  return fmt::format("\n*One class at the {} reading* (its accuracy is that class's share of the test set): {}.\n",
                     second_reading_label(by), parts);
}

std::string dataset_table(const Grid& grid, const std::vector<MethodRank>& ranks, const FailedCount& failed,
                          const std::string& col, SelectBy by, int digits) {
  const std::string at = second_reading_label(by);
  const std::vector<std::string> methods = column_methods(ranks, failed, col);
  std::vector<std::vector<std::string>> lines;
  for (const auto& method : methods)
    lines.push_back(dataset_line(method, grid.find(method, col), failed_at(failed, method, col), by, digits));
  return markdown({grid.row_key, "accuracy last", "accuracy " + at, "F1 " + at, "AUC " + at, "wall time [min]", "runs"},
                  lines) +
         one_class_note(grid, methods, col, by);
}

// ---- the overall table ----

std::string overall_cell(const Grid& grid, const MethodRank& m, const std::string& col, SelectBy by, int digits,
                         RankMetric metric) {
  const Cell* cell = grid.find(m.method, col);
  if (!cell) return "–";
  return format_summary(selected_metric(*cell, by, metric), digits) + ", rank " + rank_text(m.rank.at(col));
}

std::string missing_note(const MethodRank& m, std::size_t datasets) {
  std::string where;
  for (const auto& col : m.missing) where += (where.empty() ? "`" : "`, `") + col;
  const std::size_t has = datasets - m.missing.size();
  return fmt::format("- † {}: no finished run on {}`; its mean rank is over the {} data set{} it has, not all {}.\n",
                     m.method, where, has, has == 1 ? "" : "s", datasets);
}

std::string overall_table(const Grid& grid, const std::vector<MethodRank>& ranks, SelectBy by, int digits,
                          RankMetric metric) {
  std::vector<std::string> header{grid.row_key};
  for (const auto& col : grid.cols) header.push_back(markdown_escape(col));
  header.insert(header.end(), {"mean rank", "data sets"});
  std::vector<std::vector<std::string>> lines;
  std::string notes;
  for (const auto& m : ranks) {
    std::vector<std::string> line{markdown_escape(m.method)};
    for (const auto& col : grid.cols) line.push_back(overall_cell(grid, m, col, by, digits, metric));
    line.push_back(fmt::format("{:.2f}", m.mean_rank));
    line.push_back(fmt::format("{} of {}{}", m.rank.size(), grid.cols.size(), m.missing.empty() ? "" : " †"));
    lines.push_back(std::move(line));
    if (!m.missing.empty()) notes += missing_note(m, grid.cols.size());
  }
  return markdown(header, lines) + (notes.empty() ? "" : "\n" + notes);
}

std::string section_intro(const Grid& grid, SelectBy by, RankMetric metric) {
  const std::string at = second_reading_label(by);
  return fmt::format(
      "Rows: `{}`; one table per data set, the columns of `{}`. Test metrics in %, mean ± sample std over seeds (n). "
      "Where a cell has several hyper-parameter settings, the numbers are of the one with {} (the notes under the "
      "accuracy table name it) — never chosen by test accuracy. *accuracy last*: at the last epoch; *accuracy {}*, "
      "*F1 {}*, *AUC {}*: at {}. *wall time*: mean minutes per run of that setting. *runs*: its runs (seeds), of "
      "all the runs of the cell's tuning sweep where it has several settings; failed runs are counted here, never "
      "averaged (listed under *Failed runs*). Rows sorted by *{} {}*, best first (ties in the order of the "
      "mean ranks below).\n",
      grid.row_key, grid.col_key, chosen_by(by), at, at, at, reading_epoch(by), metric_label(metric), at);
}

std::string ranks_intro(SelectBy by, RankMetric metric) {
  std::string label = metric_label(metric);
  label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
  return fmt::format(
      "\n### Mean rank over data sets\n\n"
      "Test {} [%] at {} (*{}*) per data set and its rank there: the methods of a data set are ranked by "
      "that mean {}, 1 = best, equal means share the average of the ranks they span (`--rank-by`: accuracy, f1 or "
      "auc). *mean rank*: the average of a method's ranks over the data sets it has (*data sets*: how many). Sorted "
      "by mean rank.\n\n",
      metric_label(metric), reading_epoch(by), second_reading_label(by), metric_label(metric));
}

// ---- --plot c ----

std::optional<double> label_frequency(const RunResult& run) {
  const auto value = run.value(kLabelFrequencyKey);
  if (!value) return std::nullopt;
  char* end = nullptr;
  const double c = std::strtod(value->c_str(), &end);
  if (end == value->c_str() || !(c > 0)) return std::nullopt;  // unset is written as absent (or 0 by old files)
  return c;
}

// The runs of each plot's column, by label frequency.
using RunsByC = std::map<double, Runs>;

std::map<std::string, RunsByC> runs_by_column_and_c(const Runs& runs, const Grid& grid) {
  std::map<std::string, RunsByC> out;
  for (const RunResult* r : runs) {
    if (const auto c = label_frequency(*r))
      out[column_of(*r, grid.row_key, grid.col_key, kLabelFrequencyKey)][*c].push_back(r);
  }
  return out;
}

// One line per row: at each c the setting the grid of that c's runs chooses (as the tables do).
std::vector<Series> c_lines(const RunsByC& by_c, const Grid& grid, SelectBy by, std::size_t& seeds) {
  std::vector<Series> lines(grid.rows.size());
  for (std::size_t i = 0; i < grid.rows.size(); ++i) {
    lines[i].title = grid.rows[i];
    lines[i].color = static_cast<int>(i);
  }
  for (const auto& [c, members] : by_c) {
    const Grid at_c = build_grid(members, grid.row_key, grid.col_key, by);
    for (const auto& [where, cell] : at_c.cells) {
      const auto row = std::find(grid.rows.begin(), grid.rows.end(), where.first);
      if (row == grid.rows.end()) continue;
      const Summary acc = selected_metric(cell, by, RankMetric::Accuracy);
      Series& s = lines[static_cast<std::size_t>(row - grid.rows.begin())];
      s.x.push_back(c);
      s.y.push_back(100.0 * acc.mean);
      s.err.push_back(100.0 * acc.std);
      seeds = std::max(seeds, acc.n);
    }
  }
  lines.erase(std::remove_if(lines.begin(), lines.end(), [](const Series& s) { return s.x.empty(); }), lines.end());
  return lines;
}

Plot c_plot(const std::string& col, const RunsByC& by_c, const Grid& grid, SelectBy by, const std::string& title) {
  Plot p;
  p.name = "c_" + file_part(col);
  p.xlabel = "label frequency c (share of the training positives labeled, log scale)";
  p.ylabel = "test accuracy [%]";
  p.y_min = 0;
  p.y_max = 100;
  p.error_bars = true;
  p.log2_x = true;  // a log axis with tics at the data's c values: the base does not show
  std::size_t seeds = 0;
  p.series = c_lines(by_c, grid, by, seeds);
  p.title = fmt::format("{} — test accuracy ({}) vs label frequency c", col, second_reading_label(by));
  const std::string seeds_text = seeds > 1 ? fmt::format("mean of {} seeds, error bars ±1 std", seeds) : "1 seed";
  p.subtitle = title.empty() ? seeds_text : title + " · " + seeds_text;
  return p;
}

}  // namespace

std::vector<double> average_ranks(const std::vector<double>& scores) {
  std::vector<double> ranks;
  for (double s : scores) {
    std::size_t above = 0, tied = 0;  // tied counts s itself
    for (double other : scores) {
      if (other > s + kTie) ++above;
      else if (std::abs(other - s) <= kTie) ++tied;
    }
    ranks.push_back(static_cast<double>(above) + (static_cast<double>(tied) + 1.0) / 2.0);
  }
  return ranks;
}

RankMetric parse_rank_metric(const std::string& text) {
  if (text == "accuracy") return RankMetric::Accuracy;
  if (text == "f1" || text == "F1") return RankMetric::F1;
  if (text == "auc" || text == "AUC") return RankMetric::Auc;
  throw Error("--rank-by must be 'accuracy', 'f1' or 'auc' (the test metric the leaderboard ranks by), not '" + text +
              "'");
}

const char* metric_label(RankMetric metric) {
  switch (metric) {
    case RankMetric::F1: return "F1";
    case RankMetric::Auc: return "AUC";
    case RankMetric::Accuracy: break;
  }
  return "accuracy";
}

std::vector<MethodRank> rank_methods(const Grid& grid, SelectBy by, RankMetric metric) {
  std::vector<MethodRank> out;
  for (const auto& row : grid.rows) out.push_back(MethodRank{row, {}, {}, 0});
  for (const auto& col : grid.cols) {
    std::vector<std::size_t> present;
    std::vector<double> means;
    for (std::size_t i = 0; i < grid.rows.size(); ++i) {
      const Cell* cell = grid.find(grid.rows[i], col);
      if (!cell) {
        out[i].missing.push_back(col);
        continue;
      }
      present.push_back(i);
      means.push_back(selected_metric(*cell, by, metric).mean);
    }
    const std::vector<double> ranks = average_ranks(means);
    for (std::size_t k = 0; k < present.size(); ++k) out[present[k]].rank[col] = ranks[k];
  }
  for (auto& m : out) {
    double sum = 0;
    for (const auto& [col, rank] : m.rank) sum += rank;
    m.mean_rank = m.rank.empty() ? 0 : sum / static_cast<double>(m.rank.size());
  }
  std::stable_sort(out.begin(), out.end(), [](const MethodRank& a, const MethodRank& b) { return a.mean_rank < b.mean_rank; });
  return out;
}

std::string leaderboard_section(const Grid& grid, const std::vector<const RunResult*>& failed, SelectBy by,
                                int digits, RankMetric metric) {
  const std::vector<MethodRank> ranks = rank_methods(grid, by, metric);
  const FailedCount failed_count = count_failed(failed, grid);
  std::string md = "\n## Leaderboard\n\n" + section_intro(grid, by, metric);
  for (const auto& col : grid.cols)
    md += fmt::format("\n### {}\n\n", col) + dataset_table(grid, ranks, failed_count, col, by, digits);
  return md + ranks_intro(by, metric) + overall_table(grid, ranks, by, digits, metric);
}

std::vector<Plot> label_frequency_plots(const std::vector<const RunResult*>& runs, const Grid& grid, SelectBy by,
                                        const std::string& title, std::vector<std::string>& warnings) {
  const auto columns = runs_by_column_and_c(runs, grid);
  if (columns.empty()) {
    warnings.push_back(std::string("--plot c: no run has ") + kLabelFrequencyKey + "; no label-frequency plot");
    return {};
  }
  std::vector<std::string> order;
  for (const auto& [col, by_c] : columns) order.push_back(col);
  std::sort(order.begin(), order.end(), natural_less);
  std::vector<Plot> plots;
  for (const auto& col : order) {
    const RunsByC& by_c = columns.at(col);
    if (by_c.size() < 2) warnings.push_back("--plot c: " + col + " has runs for one label frequency only");
    plots.push_back(c_plot(col, by_c, grid, by, title));
  }
  return plots;
}

}  // namespace pulab::report
