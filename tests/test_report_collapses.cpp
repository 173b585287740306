// `pulab report`'s "Collapsed epochs": which epochs count (one class's test error ≥ 99%, either
// class), their ranges, the two readings' flags, and a section only when some run has one.
#include <gtest/gtest.h>

#include "report/collapses.hpp"

namespace {
using namespace pulab::report;

// A run whose epoch e has test errors errors[e - 1] = {error_p, error_n}.
RunResult run_with(const std::string& id, const std::vector<std::pair<double, double>>& errors, std::int64_t best) {
  RunResult r;
  r.experiment = "exp";
  r.run_id = id;
  r.status = "finished";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    EpochScores e;
    e.epoch = static_cast<std::int64_t>(i) + 1;
    e.test.error_p = errors[i].first;
    e.test.error_n = errors[i].second;
    r.epochs.push_back(e);
  }
  r.last.epoch = r.epochs.back().epoch;
  r.last.test = r.epochs.back().test;
  r.best_val.epoch = best;
  r.best_val.test = r.epochs[static_cast<std::size_t>(best - 1)].test;
  return r;
}

TEST(ReportCollapses, EpochsCallingEveryTestExampleOneClassAreListedAsRanges) {
  // Epochs 2-3 call everything negative, 5 everything positive, 6 misses 98% of the positives only
  // (not a collapse: some positives are still found), 7 is one again and the last.
  const RunResult a = run_with("a", {{0.1, 0.1}, {1.0, 0.0}, {0.995, 0.0}, {0.1, 0.1}, {0.0, 1.0}, {0.98, 0.0}, {1.0, 0.0}}, 4);
  const RunResult b = run_with("b", {{0.1, 0.1}, {0.2, 0.05}}, 2);
  const std::vector<const RunResult*> runs{&a, &b};
  const auto collapsed = collapsed_runs(runs);
  ASSERT_EQ(collapsed.size(), 1u);
  EXPECT_EQ(collapsed[0].run, &a);
  EXPECT_EQ(collapsed[0].epochs, (std::vector<std::int64_t>{2, 3, 5, 7}));
  EXPECT_TRUE(collapsed[0].at_last);
  EXPECT_FALSE(collapsed[0].at_best_val);
  EXPECT_EQ(epoch_ranges(collapsed[0].epochs), "2-3, 5, 7");

  const std::string md = collapse_section(collapsed, runs.size());
  EXPECT_NE(md.find("## Collapsed epochs"), std::string::npos) << md;
  EXPECT_NE(md.find("1 of 2 runs"), std::string::npos) << md;
  EXPECT_NE(md.find("- `exp/a`: 4 of 7 epochs (2-3, 5, 7); at last\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("exp/b"), std::string::npos) << md;
}

TEST(ReportCollapses, ABestValidationEpochThatCollapsedIsFlaggedAndNoCollapseMeansNoSection) {
  const RunResult a = run_with("a", {{1.0, 0.0}, {0.1, 0.1}}, 1);
  const auto collapsed = collapsed_runs({&a});
  ASSERT_EQ(collapsed.size(), 1u);
  EXPECT_TRUE(collapsed[0].at_best_val);
  EXPECT_FALSE(collapsed[0].at_last);
  EXPECT_NE(collapse_section(collapsed, 1).find("; at best-val"), std::string::npos);

  const RunResult fine = run_with("fine", {{0.1, 0.1}}, 1);
  EXPECT_TRUE(collapsed_runs({&fine}).empty());
  EXPECT_EQ(collapse_section({}, 1), "");
  EXPECT_EQ(epoch_ranges({}), "");
  EXPECT_EQ(epoch_ranges({4}), "4");
}

}  // namespace
