#pragma once
// `pulab report --paper-summary`: every cell a paper publishes (the --paper file), our number for
// it beside the published one, the difference, and whether the two agree within the paper's std
// plus ours. Cells we have not measured are listed as such, so the table shows what is missing.
//
// Matching: each experiment's runs get the labels its own report would give them (rows: the paper
// table's row_key if it names one, else report.row, else the composed method; columns:
// report.column, else the experiment's name), hyper-parameters chosen by validation as in the main
// table. Several experiments may cover one cell (Table 1's GradPU runs also fit Table 2's "GP" row,
// a rerun of seed 0 fits Table 1 again): one named after the paper table ("table3_mnist_1k" for
// "table3") is used first, then the one with the most seeds, then the one with the best validation
// score (a rerun at the tuned learning rate beside the untuned rows: the paper's choice by
// validation), first in path order on a tie; the others are named, and seeds of different experiments are never pooled. A table's `methods` keeps
// other composed methods out of its cells (Table 3's rows are GradPU's beta_max, not any method's).
//
// Readings: a paper cell that says `reading = "last"` is compared with our last epoch; every other
// cell with the reading --select-by picks (the best-validation epoch by default). Both of our
// readings are shown.
#include <string>
#include <vector>

#include "report/criteria.hpp"
#include "report/paper.hpp"
#include "report/results_index.hpp"
#include "report/stats.hpp"

namespace pulab::report {

struct PaperComparison {
  const PaperCell* paper = nullptr;
  std::string experiment;                 // "" = not measured
  std::string setting;                    // the hyper-parameters chosen by validation ("" = one setting)
  Summary last, selected;                 // test accuracy (fractions) at the last / the selected epoch
  std::vector<std::string> alternatives;  // other experiments that cover the cell ("name (n seeds)")

  bool measured() const { return !experiment.empty(); }
  // Our reading that the paper's number is compared with.
  const Summary& compared() const { return paper && paper->reading == "last" ? last : selected; }
  // ours - paper, in percentage points.
  double difference() const;
  // |difference| <= paper std (0 when not given) + our std.
  bool within_stds() const;
};

// One comparison per paper cell, in the file's order.
std::vector<PaperComparison> compare_with_paper(const std::vector<const RunResult*>& runs, const PaperNumbers& paper,
                                                SelectBy by);

// The Markdown section: the table, then per paper table and overall how many cells are measured
// and how many agree, and the mean absolute difference.
std::string paper_summary_section(const std::vector<PaperComparison>& rows, const PaperNumbers& paper, SelectBy by,
                                  int digits);

}  // namespace pulab::report
