#pragma once
// `pulab report`, part 2: runs grouped into a grid of (row, column) cells, seeds pooled, and
// per cell the hyper-parameter setting chosen by VALIDATION accuracy or a PU-only criterion on
// validation (report/criteria.hpp), never by test accuracy.
//
// A run's setting is the values of its sweep keys other than the row key, the column key and
// train.seed (e.g. "train.lr=0.0001"). Runs of one cell with the same setting are seeds of it.
// Sweep keys under dataset., split. and labeling. describe the data, not a hyper-parameter: they
// are never tuned over; when one varies and is neither the row nor the column key, its label is
// appended to the column label ("mnist_np n_labeled-2000"), so each data setting keeps a column.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "report/criteria.hpp"
#include "report/results_index.hpp"
#include "report/stats.hpp"

namespace pulab::report {

// What a run is ranked by: the validation accuracy of the best-validation or the last epoch, or a
// PU-only criterion's value at the epoch it picks (NaN when the run does not record it).
double selection_score(const RunResult& run, SelectBy by);

struct Setting {
  std::string name;                    // "train.lr=0.0001, risk.loss=sigmoid"; "" when nothing else varies
  std::vector<const RunResult*> runs;  // its seeds
  Summary val;                         // the selection score over the seeds (its criterion's value)
};

struct Cell {
  std::string row, col;
  std::vector<Setting> settings;  // in natural order of their names
  std::size_t chosen = 0;         // the setting with the best mean selection score (first of ties)
  const Setting& best() const { return settings[chosen]; }
};

struct Grid {
  std::string row_key, col_key;
  std::vector<std::string> rows, cols;  // natural order unless reordered
  std::map<std::pair<std::string, std::string>, Cell> cells;

  const Cell* find(const std::string& row, const std::string& col) const;
};

Grid build_grid(const std::vector<const RunResult*>& runs, const std::string& row_key, const std::string& col_key,
                SelectBy by);

// The setting of a run given the grid's keys (exposed for tests).
std::string setting_of(const RunResult& run, const std::string& row_key, const std::string& col_key);
// The run's column label: its label for col_key plus those of its swept data keys (see above),
// except `ignored` (a plot whose x axis is a data key, e.g. split.label_frequency, draws the
// columns that differ only in it as one).
std::string column_of(const RunResult& run, const std::string& row_key, const std::string& col_key,
                      const std::string& ignored = "");

// Puts the labels listed in `preferred` first, in that order, the others after them.
void reorder(std::vector<std::string>& labels, const std::vector<std::string>& preferred);

}  // namespace pulab::report
