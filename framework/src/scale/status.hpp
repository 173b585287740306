#pragma once
// Where a sweep stands, from its result folder alone: `pulab status`. Reads each run's
// result.json (finished / failed with its message), running.json (a live heartbeat: running; a
// stale one: interrupted), checkpoint.pt (interrupted, resumes) — and the plan, <output_dir>/plan.json,
// for the runs that left no trace yet (missing). No LibTorch here.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "scale/heartbeat.hpp"

namespace pulab::scale {

// Corrupt: a result.json that is not a readable result (a crash of another tool, a disk error);
// the next run sets it aside as result.json.corrupt-<time> and runs again.
enum class RunState { Finished, Running, Failed, Interrupted, Missing, Corrupt };
const char* state_name(RunState state);

struct RunInfo {
  std::size_t index = 0;  // plan index (the `#` of `pulab plan`)
  std::string run_id;
  RunState state = RunState::Missing;
  std::string detail;  // the error of a failed run; the holder of a running one; what is left of an interrupted one
  double test_accuracy = -1;  // last epoch, finished runs
  double wall_seconds = -1;   // finished runs: the run's wall time (of the run it reused, for a reused one)
  std::optional<Heartbeat> heartbeat;  // not finished: the one its process left, if any (its progress)
};

// The runs of a sweep in plan order, as written by `pulab slurm` and by `pulab run` of a whole sweep.
struct Plan {
  std::string experiment;
  std::string experiment_file;  // "" = the embedded quickstart
  std::vector<std::string> run_ids;
  std::vector<std::string> arguments;  // --set / --plugin-dir the sweep was expanded with
  std::string hash;                    // plan_hash(run_ids)
};

std::filesystem::path plan_path(const std::filesystem::path& output_dir);
void write_plan(const std::filesystem::path& output_dir, const Plan& plan);
// Throws pulab::Error when the file is missing or unreadable.
Plan read_plan(const std::filesystem::path& file);

RunInfo inspect_run(const std::filesystem::path& output_dir, const std::string& run_id, std::size_t index, double now);

struct StatusReport {
  std::filesystem::path output_dir;
  std::string experiment;
  bool planned = false;  // false: no plan, runs that never started cannot be listed
  std::vector<RunInfo> runs;
  std::size_t count(RunState state) const;
};

// The status of the sweep in `output_dir` with the given run ids (plan order).
StatusReport sweep_status(const std::filesystem::path& output_dir, const std::string& experiment,
                          const std::vector<std::string>& run_ids);

// The status of every sweep under `dir`: a folder with plan.json, or a folder whose sub-folders
// have one; without any plan, the runs found in `dir` (those with a result, checkpoint, heartbeat
// or config.toml). Throws pulab::Error when `dir` is not a folder.
std::vector<StatusReport> folder_status(const std::filesystem::path& dir);

// The table `pulab status` prints, and a JSON form of the same (for scripts).
std::string format_status(const StatusReport& report);
std::string status_json(const std::vector<StatusReport>& reports);

}  // namespace pulab::scale
