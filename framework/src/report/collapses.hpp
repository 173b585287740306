#pragma once
// `pulab report`'s "Collapsed epochs": the epochs at which a run's model calls every test example
// one class — test error of at least 99% on the positives or on the negatives. A PU model does this
// when its risk drives every score to one side (nnPU at a high learning rate, VPU's late collapse); an
// accuracy curve shows it only as a dip to the class share, easy to read as noise. The section
// names each run with such epochs, as ranges, and whether its last or best-validation epoch (the
// table's two readings) is one of them; it is absent when no run has one.
#include <cstdint>
#include <string>
#include <vector>

#include "report/results_index.hpp"

namespace pulab::report {

// The share of one class's test examples that must be misclassified for an epoch to count.
inline constexpr double kCollapsedClassError = 0.99;

struct CollapsedRun {
  const RunResult* run = nullptr;
  std::vector<std::int64_t> epochs;  // ascending
  bool at_last = false, at_best_val = false;
};

// The runs (in the given order) with at least one collapsed epoch.
std::vector<CollapsedRun> collapsed_runs(const std::vector<const RunResult*>& runs);

// "3-5, 9, 12-14": ascending epochs as ranges.
std::string epoch_ranges(const std::vector<std::int64_t>& epochs);

// The markdown section (empty when `collapsed` is).
std::string collapse_section(const std::vector<CollapsedRun>& collapsed, std::size_t total_runs);

}  // namespace pulab::report
