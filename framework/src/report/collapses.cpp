#include "report/collapses.hpp"

#include <fmt/format.h>

namespace pulab::report {

namespace {

bool collapsed(const Scores& test) {
  return test.error_p >= kCollapsedClassError || test.error_n >= kCollapsedClassError;
}

}  // namespace

std::vector<CollapsedRun> collapsed_runs(const std::vector<const RunResult*>& runs) {
  std::vector<CollapsedRun> out;
  for (const RunResult* run : runs) {
    CollapsedRun c;
    c.run = run;
    for (const EpochScores& e : run->epochs)
      if (collapsed(e.test)) c.epochs.push_back(e.epoch);
    if (c.epochs.empty()) continue;
    c.at_last = collapsed(run->last.test);
    c.at_best_val = collapsed(run->best_val.test);
    out.push_back(std::move(c));
  }
  return out;
}

std::string epoch_ranges(const std::vector<std::int64_t>& epochs) {
  std::string out;
  for (std::size_t i = 0; i < epochs.size();) {
    std::size_t j = i;
    while (j + 1 < epochs.size() && epochs[j + 1] == epochs[j] + 1) ++j;
    out += (out.empty() ? "" : ", ") +
           (j == i ? std::to_string(epochs[i]) : fmt::format("{}-{}", epochs[i], epochs[j]));
    i = j + 1;
  }
  return out;
}

std::string collapse_section(const std::vector<CollapsedRun>& collapsed, std::size_t total_runs) {
  if (collapsed.empty()) return {};
  std::string md = "\n## Collapsed epochs\n\n";
  md += fmt::format(
      "{} of {} run{} have epochs at which the model calls every test example one class (test error ≥ {:.0f}% "
      "on the positives or on the negatives; accuracy then equals one class's share). *at last* / *at best-val*: "
      "whether the table's reading is such an epoch.\n\n",
      collapsed.size(), total_runs, total_runs == 1 ? "" : "s", 100 * kCollapsedClassError);
  for (const CollapsedRun& c : collapsed) {
    std::string where;
    if (c.at_last) where += "; at last";
    if (c.at_best_val) where += "; at best-val";
    md += fmt::format("- `{}/{}`: {} of {} epochs ({}){}\n", c.run->experiment, c.run->run_id, c.epochs.size(),
                      c.run->epochs.size(), epoch_ranges(c.epochs), where);
  }
  return md;
}

}  // namespace pulab::report
