#pragma once
// `pulab report --selection`: model selection without negatives. Per row (method) and column (data
// set), the test accuracy at the epoch each criterion picks (report/criteria.hpp) — the oracle's
// best validation accuracy, the last epoch, and the four PU-only criteria — with the hyper-parameter
// setting each criterion chooses, the loss of each against the oracle, and which loses least.
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "report/criteria.hpp"
#include "report/select.hpp"
#include "report/stats.hpp"

namespace pulab::report {

struct SelectionCell {
  Summary test;         // test accuracy (fraction) over the chosen setting's seeds at the picked epochs
  std::string setting;  // the setting the criterion chose ("" when the cell has one)
};

struct SelectionComparison {
  std::string row_key, col_key;
  std::vector<std::string> rows, cols;
  // (row, col, criterion) -> cell; absent when the cell has no runs or a run of it does not record
  // the criterion (older files, a risk that cannot be evaluated on validation).
  std::map<std::tuple<std::string, std::string, SelectBy>, SelectionCell> cells;
  std::map<std::pair<std::string, std::string>, std::size_t> setting_counts;  // (row, col) -> its settings

  const SelectionCell* find(const std::string& row, const std::string& col, SelectBy by) const;
  // Oracle minus criterion, in percentage points (positive: the criterion's epochs test worse).
  std::optional<double> loss(const std::string& row, const std::string& col, SelectBy by) const;
};

// The comparison over `runs`, with the rows, columns and keys (and their order) of `layout`.
SelectionComparison compare_selection(const std::vector<const RunResult*>& runs, const Grid& layout);

// Per criterion other than the oracle: over the cells that have it (`common_cells`: only the cells
// that have every PU-only criterion recorded anywhere), the mean and the largest loss.
struct CriterionLoss {
  SelectBy by = SelectBy::Last;
  std::size_t cells = 0;
  double mean = 0, max = 0;  // points
};
std::vector<CriterionLoss> losses(const SelectionComparison& c, bool common_cells = false);

// The report's section: one table per column, the loss summary, the criterion that loses least,
// and which setting each criterion chose where a cell has several.
std::string selection_markdown(const SelectionComparison& c, int digits);

// compare_selection + selection_markdown.
std::string selection_section(const std::vector<const RunResult*>& runs, const Grid& layout, int digits);

}  // namespace pulab::report
