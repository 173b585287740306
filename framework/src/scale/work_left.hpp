#pragma once
// How much training a sweep has left, for `pulab status`: an estimate from the sweep's own finished
// runs, since the cost of a run depends on its method, data and model more than on anything pulab
// could know beforehand. A run that is not finished (running, interrupted, failed and so retried,
// missing) is expected to take the mean wall time of the finished runs of its setting — its run id
// without the trailing "_seed-N" — or, where none of its setting has finished, of all finished runs.
// A run whose process reported its epochs counts only the epochs it has left. Wall times include
// whatever shared the machine then, so this is a guide for planning, not a promise.
#include <cstddef>
#include <optional>
#include <string>

#include "scale/status.hpp"

namespace pulab::scale {

struct WorkLeft {
  std::size_t runs = 0;      // runs not finished
  double seconds = 0;        // their estimated wall time, one after the other in one process
  std::size_t paced_by = 0;  // finished runs the estimate comes from
};

// The run id of a setting's seed-N run without "_seed-N" (or "seed-N" alone): the runs that differ
// only by their seed.
std::string setting_of(const std::string& run_id);

// Nothing when every run has finished or none has (nothing to pace the rest by).
std::optional<WorkLeft> work_left(const StatusReport& report, double now);

// "15 runs left: about 4h20m for one process at the pace of the 14 finished runs"
std::string format_work_left(const WorkLeft& left);

}  // namespace pulab::scale
