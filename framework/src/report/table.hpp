#pragma once
// `pulab report`, part 5: the Markdown table of test accuracy, one row per method and one
// column group per setting (the paper's layout): "last" and "best-val" (mean ± std (n) over
// seeds, of the setting chosen by validation accuracy; with a PU-only --select-by, "by PA" etc.:
// at the epoch the criterion picks, of the setting it chooses) and "paper" where the paper gives a number.
#include <string>
#include <vector>

#include "report/paper.hpp"
#include "report/select.hpp"

namespace pulab::report {

struct TableOptions {
  int digits = 1;                      // decimals of the percentages
  const PaperNumbers* paper = nullptr;  // null: no paper column
  std::string paper_table;             // "" = per cell, the table covering most of ours
  SelectBy select_by = SelectBy::BestVal;
};

struct TableText {
  std::string markdown;            // the table, columns padded so it reads as plain text too
  std::vector<std::string> notes;  // bullet lines: the chosen settings, the paper tables used
};

TableText accuracy_table(const Grid& grid, const TableOptions& options);

// The table's second reading: the best-validation epoch under val and last (settings ranked by
// validation accuracy), the epoch a PU criterion picks under that criterion.
SelectBy second_reading(SelectBy by);
// Its header label: "best-val", or "by PA", "by PU-AUC", ...
std::string second_reading_label(SelectBy by);

// A Markdown table with padded columns (exposed for tests).
std::string markdown(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
// A label as a table cell: '|' escaped.
std::string markdown_escape(const std::string& s);

}  // namespace pulab::report
