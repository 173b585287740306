#pragma once
// `pulab report --leaderboard`: many experiments as one leaderboard. Per data set (column of the
// grid) a table of each method's (row's) test accuracy, F1 and AUC, wall time and runs; then each
// method's accuracy on every data set and its mean rank over them. And `--plot c`: test accuracy
// against the label frequency c (split.label_frequency), one line per method, one plot per data set.
// Every number is of the setting the grid chose (report/select.hpp), never chosen by test accuracy.
#include <map>
#include <string>
#include <vector>

#include "report/criteria.hpp"
#include "report/plots.hpp"
#include "report/select.hpp"

namespace pulab::report {

// The config path of the label frequency c (the share of the training positives that is labeled).
inline const char* const kLabelFrequencyKey = "config.split.label_frequency";

// What the methods are ranked by, per data set (`--rank-by`): the mean test accuracy (the default),
// F1 or AUC at the selected reading. On a data set with few positives (ticdata: π = 0.06) calling
// every row negative already scores 94% accuracy and F1 0: there F1 or AUC rank what accuracy cannot.
enum class RankMetric { Accuracy, F1, Auc };
// "accuracy", "f1", "auc"; throws pulab::Error naming the option and its values otherwise.
RankMetric parse_rank_metric(const std::string& text);
// "accuracy", "F1", "AUC": as the tables' headers name it.
const char* metric_label(RankMetric metric);

// Ranks of the scores, 1 = the highest; scores equal to 1e-9 share the average of the ranks they
// span (two tied for first both get 1.5).
std::vector<double> average_ranks(const std::vector<double>& scores);

struct MethodRank {
  std::string method;
  std::map<std::string, double> rank;  // data set (column) -> the method's rank there
  std::vector<std::string> missing;    // the data sets without a finished run of the method
  double mean_rank = 0;                // over the data sets it has
};

// Every row of the grid ranked per column by its mean test `metric` at the selected reading (the
// accuracy table's second reading), sorted by mean rank (ties: in the grid's row order).
std::vector<MethodRank> rank_methods(const Grid& grid, SelectBy by, RankMetric metric = RankMetric::Accuracy);

// The report's "Leaderboard" section: one table per column, then the ranks. `failed`: the failed
// runs, counted in the tables' runs column (never averaged).
std::string leaderboard_section(const Grid& grid, const std::vector<const RunResult*>& failed, SelectBy by,
                                int digits, RankMetric metric = RankMetric::Accuracy);

// `--plot c`: per column (its label without the label frequency), test accuracy at the selected
// reading against c, mean ± std over seeds, one line per row. Runs without a label frequency are
// left out; a warning when none has one or when a column has one c only.
std::vector<Plot> label_frequency_plots(const std::vector<const RunResult*>& runs, const Grid& grid, SelectBy by,
                                        const std::string& title, std::vector<std::string>& warnings);

}  // namespace pulab::report
