#pragma once
// `pulab report`: result folders in, a Markdown report (tables + plots) out. This file only
// strings the parts together: results_index (load), criteria + select (grid + tuning), table
// (Markdown), pu_selection (--selection), leaderboard (--leaderboard, --plot c), paper (published
// numbers), paper_summary (--paper-summary), plots (gnuplot).
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "report/leaderboard.hpp"
#include "report/select.hpp"

namespace pulab::report {

// The plots `--plot` can ask for. accuracy and error are drawn unless --no-plots.
//   accuracy  test accuracy per epoch, one line per row, one plot per column
//   error     P-class and N-class test error per epoch (solid: P, dashed: N), per column (Fig. 2)
//   alpha     test accuracy per epoch, one line per regularizer.gradient_penalty.alpha (Fig. 4)
//   np        last-epoch test accuracy vs split.n_labeled with error bars, per data set (Fig. 5)
//   c         test accuracy (selected reading) vs split.label_frequency, error bars, per column
const std::vector<std::string>& plot_kinds();

struct ReportOptions {
  std::vector<std::filesystem::path> dirs;
  std::filesystem::path out;  // "" = <first dir>/report
  std::string rows, cols;     // "" = defaults: rows "compose" if the runs have it, else "experiment"; cols "experiment"
  std::filesystem::path paper;
  std::string paper_table;
  SelectBy select_by = SelectBy::BestVal;
  bool selection = false;  // --selection: test accuracy at the epoch each criterion picks vs the oracle's
  bool leaderboard = false;  // --leaderboard: per data set accuracy/F1/AUC/wall time, mean rank over data sets
  RankMetric rank_by = RankMetric::Accuracy;  // --rank-by: the test metric of the leaderboard's ranks
  bool paper_summary = false;  // --paper-summary: every cell of the --paper file beside ours (needs --paper)
  std::string title;
  std::set<std::string> plots{"accuracy", "error"};
  int digits = 1;
  std::string alpha_key = "regularizer.gradient_penalty.alpha";
};

struct ReportOutcome {
  std::filesystem::path markdown_file;  // OUT/report.md
  std::string markdown;                 // its text
  std::vector<std::filesystem::path> images;
  std::vector<std::string> warnings;    // gnuplot missing or failing, empty plots, unreadable files
  std::size_t finished = 0, failed = 0;
};

// Throws pulab::Error when no finished run is found.
ReportOutcome make_report(const ReportOptions& options);

}  // namespace pulab::report
