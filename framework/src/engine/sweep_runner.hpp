#pragma once
// Runs the runs of an experiment: skips finished ones, resumes interrupted ones, isolates
// failures, and with jobs > 1 runs several at once as child processes (each with its own thread
// count and RNG, so parallel runs stay bit-identical to sequential ones).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "engine/result_reuse.hpp"
#include "plugin/plugin_host.hpp"

namespace pulab {

struct SweepOptions {
  std::int64_t jobs = 1;
  std::int64_t threads = 0;  // total threads (0 = all cores), split between jobs
  bool quiet = false;
  std::int64_t max_epochs_this_call = -1;
  // Where a single run stands in its parent's sweep, for progress lines ("run 3/18"); a child
  // started by --jobs gets it from its parent (hidden option --position K/M). total 0 = unknown.
  std::size_t position = 0, position_total = 0;
  // How a child process re-creates the experiment: the file and the command-line arguments
  // (--set, --plugin-dir) that the parent was given. Empty file = the embedded default.
  std::filesystem::path experiment_file;
  std::vector<std::string> child_args;
  // Rebuild <output_dir>/summary.csv after the runs. Off for a shard or a single --only run: shards
  // of one sweep never write the same file (`pulab report` / `pulab status --summary` merge them).
  bool write_summary = true;
  // Run again a finished run whose result another configuration produced (an upgrade changed a
  // default, a base file was edited), keeping its old result.json beside; off: report it as failed.
  bool redo_stale = false;
  // Other sweeps' finished results (--reuse-from): a run whose computation equals one of them takes
  // that result instead of training (engine/result_reuse.hpp). Null: every run trains.
  std::shared_ptr<const ReusableResults> reusable;
};

struct SweepOutcome {
  std::size_t finished = 0, skipped = 0, interrupted = 0;
  std::size_t reused = 0;  // not trained: the result of the same computation under --reuse-from
  std::size_t busy = 0;  // left alone: another process's live heartbeat holds them (scale/heartbeat.hpp)
  std::vector<std::pair<std::string, std::string>> failures;  // run id, message
};

// The exit status of `pulab run` when it did nothing because every one of its runs is running
// elsewhere (held by another process's live heartbeat); a --jobs parent reads it from its children.
constexpr int kExitAllRunningElsewhere = 3;

SweepOutcome run_sweep(const std::vector<RunSpec>& runs, const PluginHost& host, const SweepOptions& options);

}  // namespace pulab
