#include "scale/work_left.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include <fmt/format.h>

namespace pulab::scale {

std::string setting_of(const std::string& run_id) {
  static const std::regex seed_suffix("(^|_)seed-[0-9]+$");
  return std::regex_replace(run_id, seed_suffix, "");
}

namespace {

struct MeanWall {
  double total = 0;
  std::size_t runs = 0;
  double mean() const { return total / double(runs); }
};

// The fraction of a run still to train, from its heartbeat's epochs (a live process or one that
// is gone: the checkpoint holds what it reported); 1 when it never reported any.
double fraction_left(const RunInfo& run) {
  if (!run.heartbeat || run.heartbeat->epochs <= 0) return 1.0;
  const auto& beat = *run.heartbeat;
  return std::clamp(double(beat.epochs - beat.epochs_done) / double(beat.epochs), 0.0, 1.0);
}

}  // namespace

std::optional<WorkLeft> work_left(const StatusReport& report, double now) {
  MeanWall all;
  std::map<std::string, MeanWall> by_setting;
  for (const auto& run : report.runs) {
    if (run.state != RunState::Finished || run.wall_seconds <= 0) continue;
    all.total += run.wall_seconds;
    ++all.runs;
    auto& setting = by_setting[setting_of(run.run_id)];
    setting.total += run.wall_seconds;
    ++setting.runs;
  }
  WorkLeft left;
  left.paced_by = all.runs;
  for (const auto& run : report.runs) {
    if (run.state == RunState::Finished) continue;
    ++left.runs;
    const auto& beat = run.heartbeat;
    if (run.state == RunState::Running && beat && beat->epochs > 0 && beat->seconds_per_epoch > 0) {
      // Its own pace: the process's mean epoch, less the time since its last report.
      left.seconds += std::max(0.0, beat->seconds_per_epoch * double(beat->epochs - beat->epochs_done) -
                                        std::max(0.0, now - beat->updated));
      continue;
    }
    if (all.runs == 0) continue;
    const auto setting = by_setting.find(setting_of(run.run_id));
    const double whole = setting != by_setting.end() ? setting->second.mean() : all.mean();
    left.seconds += whole * fraction_left(run);
  }
  if (left.runs == 0 || all.runs == 0) return std::nullopt;
  return left;
}

std::string format_work_left(const WorkLeft& left) {
  const long s = static_cast<long>(left.seconds + 0.5);
  const std::string time = s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60)
                                     : fmt::format("{} min", std::max(1L, (s + 30) / 60));
  return fmt::format("{} run{} left: about {} for one process at the pace of the {} finished run{}", left.runs,
                     left.runs == 1 ? "" : "s", time, left.paced_by, left.paced_by == 1 ? "" : "s");
}

}  // namespace pulab::scale
