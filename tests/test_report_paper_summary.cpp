// `pulab report --paper-summary`: every published cell beside ours, on runs built in memory —
// the difference and the within-stds verdict on hand-computed numbers, the reading a cell is
// compared with, unmeasured cells, which experiment fills a cell that several cover (never pooled;
// equally seeded ones by validation),
// a table's row_key and methods, and the paper file's errors.
#include <gtest/gtest.h>

#include <deque>

#include "pulab/error.hpp"
#include "report/paper_summary.hpp"

namespace {
using namespace pulab::report;

// One finished run: test accuracy `best` at the best-validation epoch, `last` at the last one.
struct Runs {
  std::deque<RunResult> store;  // stable addresses
  std::vector<const RunResult*> list;

  void add(const std::string& experiment, const std::string& compose, std::int64_t seed, double best, double last,
           const std::string& column, std::map<std::string, std::string> sweep = {}) {
    RunResult r;
    r.experiment = experiment;
    r.run_id = compose + "_seed-" + std::to_string(seed);
    r.status = "finished";
    r.seed = seed;
    r.sweep = std::move(sweep);
    if (!compose.empty()) r.sweep["compose"] = compose;
    r.sweep["train.seed"] = std::to_string(seed);
    r.config["config.report.column"] = column;
    r.best_val.epoch = 2;
    r.best_val.val.accuracy = 0.9;
    r.best_val.test.accuracy = best;
    r.last.epoch = 4;
    r.last.val.accuracy = 0.85;
    r.last.test.accuracy = last;
    store.push_back(std::move(r));
    list.push_back(&store.back());
  }
};

const char* kPaper = R"(
[[table]]
id = "table1"
label = "Table 1"
rows = { nnpu = "nnPU" }
cells = [
  { row = "nnpu", col = "mnist_1k", mean = 96.4, std = 0.4 },
  { row = "upu",  col = "mnist_1k", mean = 92.0, std = 0.1 },
  { row = "nnpu", col = "mnist_3k", mean = 97.0, std = 0.2 },
]

[[table]]
id = "table2"
cells = [
  { row = "nnpu", col = "mnist_1k", reading = "last", mean = 95.0, std = 0.5 },
]

[[table]]
id = "table3"
row_key = "weighting.beta_max"
methods = ["gradpu"]
cells = [ { row = "beta_max-3", col = "mnist_1k", mean = 96.0, std = 0.4 } ]
)";

const PaperComparison& find(const std::vector<PaperComparison>& rows, const std::string& table, const std::string& row,
                            const std::string& col) {
  for (const auto& r : rows)
    if (r.paper->table == table && r.paper->row == row && r.paper->col == col) return r;
  throw std::runtime_error("no comparison for " + table + " " + row + " " + col);
}

TEST(ReportPaperSummary, DifferenceAndVerdictOnHandComputedNumbers) {
  const PaperNumbers paper = parse_paper_numbers(kPaper, "paper.toml");
  Runs runs;
  // nnPU best-val 96.0, 96.2, 95.8: mean 96.0, sample std 0.2 -> diff -0.4, allowed 0.4 + 0.2.
  runs.add("table1_mnist_1k", "nnpu", 0, 0.960, 0.950, "mnist_1k");
  runs.add("table1_mnist_1k", "nnpu", 1, 0.962, 0.940, "mnist_1k");
  runs.add("table1_mnist_1k", "nnpu", 2, 0.958, 0.930, "mnist_1k");
  // uPU 91.0 twice: diff -1.0, allowed 0.1 + 0 -> not within.
  runs.add("table1_mnist_1k", "upu", 0, 0.910, 0.900, "mnist_1k");
  runs.add("table1_mnist_1k", "upu", 1, 0.910, 0.900, "mnist_1k");
  const auto rows = compare_with_paper(runs.list, paper, SelectBy::BestVal);
  ASSERT_EQ(rows.size(), paper.cells.size());

  const auto& nnpu = find(rows, "table1", "nnpu", "mnist_1k");
  ASSERT_TRUE(nnpu.measured());
  EXPECT_EQ(nnpu.experiment, "table1_mnist_1k");
  EXPECT_EQ(nnpu.selected.n, 3u);
  EXPECT_NEAR(nnpu.difference(), -0.4, 1e-9);
  EXPECT_NEAR(100 * nnpu.selected.std, 0.2, 1e-9);
  EXPECT_TRUE(nnpu.within_stds());
  EXPECT_NEAR(100 * nnpu.last.mean, 94.0, 1e-9);

  const auto& upu = find(rows, "table1", "upu", "mnist_1k");
  EXPECT_NEAR(upu.difference(), -1.0, 1e-9);
  EXPECT_FALSE(upu.within_stds());

  // Nothing at 3k: listed, not measured.
  EXPECT_FALSE(find(rows, "table1", "nnpu", "mnist_3k").measured());

  // Table 2 gives the last epoch: ours 94.0 -> diff -1.0, allowed 0.5 + 1.0.
  const auto& last = find(rows, "table2", "nnpu", "mnist_1k");
  EXPECT_NEAR(last.difference(), -1.0, 1e-9);
  EXPECT_TRUE(last.within_stds());

  const std::string md = paper_summary_section(rows, paper, SelectBy::BestVal, 1);
  EXPECT_NE(md.find("| Table 1 | nnPU"), std::string::npos) << md;  // the paper's wording
  const auto missing = md.find("Cells not measured yet");  // grouped per table and data column
  ASSERT_NE(missing, std::string::npos) << md;
  EXPECT_NE(md.find("mnist_3k", missing), std::string::npos) << md;
  EXPECT_NE(md.find("beta_max-3", missing), std::string::npos) << md;
  EXPECT_EQ(md.find("| Table 1 | nnPU | mnist_3k"), std::string::npos) << md;  // not a line of the measured table
  EXPECT_NE(md.find("-0.4"), std::string::npos) << md;
  EXPECT_NE(md.find("Table 1: 2 of 3 cells measured, 1 of them within the stds, mean |diff| 0.7 points"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("All: 3 of 5 cells measured, 2 of them within the stds"), std::string::npos) << md;
}

TEST(ReportPaperSummary, ThePapersRoundingIsHalfALastDigit) {
  const PaperNumbers paper = parse_paper_numbers(
      "[[table]]\nid = \"t\"\ncells = [ { row = \"a\", col = \"c\", mean = 96.4, std = 0.4 } ]\n", "p.toml");
  Runs runs;
  runs.add("t_x", "a", 0, 0.9685, 0.9, "c");  // +0.45: within 0.4 + 0 + 0.05
  auto rows = compare_with_paper(runs.list, paper, SelectBy::BestVal);
  EXPECT_TRUE(rows[0].within_stds());
  Runs far;
  far.add("t_x", "a", 0, 0.9690, 0.9, "c");  // +0.50: not within
  rows = compare_with_paper(far.list, paper, SelectBy::BestVal);
  EXPECT_FALSE(rows[0].within_stds());
}

TEST(ReportPaperSummary, ACellSeveralExperimentsCoverIsFilledByOneNeverPooled) {
  const PaperNumbers paper = parse_paper_numbers(kPaper, "paper.toml");
  Runs runs;
  // A rerun of seed 0 (1 seed) and a 2-seed experiment, neither named after table1 ...
  runs.add("a_rerun", "nnpu", 0, 0.950, 0.950, "mnist_1k");
  runs.add("b_more_seeds", "nnpu", 0, 0.960, 0.960, "mnist_1k");
  runs.add("b_more_seeds", "nnpu", 1, 0.960, 0.960, "mnist_1k");
  auto rows = compare_with_paper(runs.list, paper, SelectBy::BestVal);
  const auto& by_seeds = find(rows, "table1", "nnpu", "mnist_1k");
  EXPECT_EQ(by_seeds.experiment, "b_more_seeds");
  EXPECT_EQ(by_seeds.selected.n, 2u);  // not pooled with the rerun
  ASSERT_EQ(by_seeds.alternatives.size(), 1u);
  EXPECT_EQ(by_seeds.alternatives[0], "a_rerun (1 seed)");

  // ... and one named after the table wins even with fewer seeds.
  runs.add("table1_mnist_1k", "nnpu", 0, 0.970, 0.970, "mnist_1k");
  rows = compare_with_paper(runs.list, paper, SelectBy::BestVal);
  const auto& named = find(rows, "table1", "nnpu", "mnist_1k");
  EXPECT_EQ(named.experiment, "table1_mnist_1k");
  EXPECT_NEAR(named.difference(), 0.6, 1e-9);
  EXPECT_EQ(named.alternatives.size(), 2u);
}

TEST(ReportPaperSummary, AmongEquallySeededExperimentsTheBetterValidatedOneFillsTheCell) {
  const PaperNumbers paper = parse_paper_numbers(kPaper, "paper.toml");
  Runs runs;
  // Table 1's untuned rows (first in path order) and a rerun at the tuned rate, 2 seeds each: the
  // tuned one validates better (0.93 against 0.90) and tests worse — the choice is by validation.
  runs.add("table1_mnist_1k", "upu", 0, 0.920, 0.700, "mnist_1k");
  runs.add("table1_mnist_1k", "upu", 1, 0.920, 0.700, "mnist_1k");
  runs.add("table1_mnist_1k_tuned", "upu", 0, 0.910, 0.860, "mnist_1k", {{"train.lr", "0.0004"}});
  runs.add("table1_mnist_1k_tuned", "upu", 1, 0.910, 0.860, "mnist_1k", {{"train.lr", "0.0004"}});
  for (std::size_t i = 2; i < 4; ++i) runs.store[i].best_val.val.accuracy = 0.93;
  auto rows = compare_with_paper(runs.list, paper, SelectBy::BestVal);
  const auto& tuned = find(rows, "table1", "upu", "mnist_1k");
  EXPECT_EQ(tuned.experiment, "table1_mnist_1k_tuned");
  EXPECT_EQ(tuned.setting, "train.lr=0.0004");
  EXPECT_NEAR(tuned.difference(), -1.0, 1e-9);
  EXPECT_NEAR(100 * tuned.last.mean, 86.0, 1e-9);
  ASSERT_EQ(tuned.alternatives.size(), 1u);
  EXPECT_EQ(tuned.alternatives[0], "table1_mnist_1k (2 seeds)");

  // More seeds still come first: a third untuned seed makes the untuned rows the cell's.
  runs.add("table1_mnist_1k", "upu", 2, 0.920, 0.700, "mnist_1k");
  rows = compare_with_paper(runs.list, paper, SelectBy::BestVal);
  EXPECT_EQ(find(rows, "table1", "upu", "mnist_1k").experiment, "table1_mnist_1k");

  // Under a PU criterion the runs do not record (NaN scores), path order decides as before.
  Runs unscored;
  unscored.add("table1_mnist_1k", "upu", 0, 0.920, 0.700, "mnist_1k");
  unscored.add("table1_mnist_1k_tuned", "upu", 0, 0.910, 0.860, "mnist_1k", {{"train.lr", "0.0004"}});
  rows = compare_with_paper(unscored.list, paper, SelectBy::PuAuc);
  EXPECT_EQ(find(rows, "table1", "upu", "mnist_1k").experiment, "table1_mnist_1k");
}

TEST(ReportPaperSummary, ATablesRowKeyAndMethodsChooseItsRuns) {
  const PaperNumbers paper = parse_paper_numbers(kPaper, "paper.toml");
  Runs runs;
  // GradPU's undetached variant at beta_max 3 (swept compose) must not fill Table 3 ...
  runs.add("detach", "gradpu_undetached", 0, 0.990, 0.990, "mnist_1k", {{"weighting.beta_max", "3.0"}});
  auto rows = compare_with_paper(runs.list, paper, SelectBy::BestVal);
  EXPECT_FALSE(find(rows, "table3", "beta_max-3", "mnist_1k").measured());
  // ... GradPU does, and so does a run that records no composed method (a beta_max sweep).
  runs.add("detach", "gradpu", 0, 0.955, 0.950, "mnist_1k", {{"weighting.beta_max", "3.0"}});
  rows = compare_with_paper(runs.list, paper, SelectBy::BestVal);
  EXPECT_NEAR(find(rows, "table3", "beta_max-3", "mnist_1k").difference(), -0.5, 1e-9);
  runs.add("table3_mnist_1k", "", 0, 0.962, 0.950, "mnist_1k", {{"weighting.beta_max", "3.0"}});
  rows = compare_with_paper(runs.list, paper, SelectBy::BestVal);
  const auto& beta = find(rows, "table3", "beta_max-3", "mnist_1k");
  EXPECT_EQ(beta.experiment, "table3_mnist_1k");
  EXPECT_NEAR(beta.difference(), 0.2, 1e-9);
}

TEST(ReportPaperSummary, ThePaperFileNamesItsMistakes) {
  try {
    parse_paper_numbers("[[table]]\nid = \"t\"\nrow_keys = \"x\"\n", "paper.toml");
    FAIL() << "an unknown [[table]] key must be refused";
  } catch (const pulab::Error& e) {
    EXPECT_NE(std::string(e.what()).find("paper.toml:3:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("row_keys"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_paper_numbers("[[table]]\nid = \"t\"\nmethods = \"gradpu\"\n", "paper.toml"), pulab::Error);
  EXPECT_THROW(parse_paper_numbers("[[table]]\nid = \"t\"\nrow_key = 3\n", "paper.toml"), pulab::Error);
}

}  // namespace
