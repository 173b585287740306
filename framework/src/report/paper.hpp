#pragma once
// `pulab report`, part 3: published numbers to print beside ours, read from a TOML file
// (experiments/paper/paper_numbers.toml documents the format):
//
//   [[table]]
//   id = "table1"                      # what --paper-table names
//   label = "Table 1"
//   caption = "..."
//   rows = { naive = "Naive" }         # our row label -> the paper's wording (optional)
//   cols = { mnist_1k = "MNIST 1k" }   # our column label -> the paper's wording (optional)
//   row_key = "weighting.beta_max"     # what labels our rows for this table (optional; default:
//                                      # report.row, else the composed method); --paper-summary uses it
//   methods = ["gradpu"]               # optional, with row_key: only runs of these composed methods
//                                      # (or runs that record none) fill this table's cells
//   cells = [ { row = "naive", col = "mnist_1k", mean = 92.9, std = 0.5 },
//             { row = "gradpu", col = "mnist_1k", reading = "last", mean = 95.9, std = 0.5 } ]
//
// or, one number at a time, top-level [[cell]] tables with row, col, mean, std, source, reading.
// Numbers are percentages as printed in the paper.
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pulab::report {

struct PaperCell {
  std::string table;    // the table id
  std::string row, col;
  std::string reading;  // "" = the table's one number; "best" or "last" where the paper gives both
  double mean = 0;
  double std = -1;      // < 0: not given
};

struct PaperTable {
  std::string id, label, caption;
  std::map<std::string, std::string> row_names, col_names;
  std::string row_key;               // "" = the report's default row labels
  std::vector<std::string> methods;  // empty = any; else the composed methods whose runs fill its cells
};

struct PaperNumbers {
  std::vector<PaperTable> tables;
  std::vector<PaperCell> cells;  // in file order

  const PaperTable* table(const std::string& id) const;
  // The cells of (row, col), from table `table_id` ("" = any table).
  std::vector<const PaperCell*> lookup(const std::string& row, const std::string& col,
                                       const std::string& table_id = "") const;
  // Row and column labels in the order the file first names them (the paper's layout).
  std::vector<std::string> row_order() const;
  std::vector<std::string> col_order() const;
  // The tables ordered by how many of the given (row, col) cells they cover, most first.
  std::vector<std::string> rank_tables(const std::vector<std::pair<std::string, std::string>>& present) const;
};

// Throws pulab::Error naming the file (and line) on a malformed file.
PaperNumbers load_paper_numbers(const std::filesystem::path& file);
PaperNumbers parse_paper_numbers(const std::string& text, const std::string& source_name);

// "96.4 ± 0.4"; several readings: "best 96.4 ± 0.2 / last 95.9 ± 0.5".
std::string format_paper(const std::vector<const PaperCell*>& cells);

}  // namespace pulab::report
