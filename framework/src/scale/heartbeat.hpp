#pragma once
// The heartbeat of a run in progress: <run_dir>/running.json names the process that trains the
// run (host, pid, SLURM job, start time) and is rewritten every few seconds while it trains. It is
// removed when the run ends (finished, failed or stopped by --max-epochs) and on SIGTERM/SIGINT
// (scancel, a job's time limit, Ctrl-C). A file whose writer is gone (same host and no such
// process, or no update for a few intervals on any host) is stale: the run was interrupted (a node lost, kill -9) and
// resumes from its checkpoint the next time.
//
// It doubles as a lock: a run whose heartbeat is live is not started a second time (re-submitting
// a job array while the first one still runs does not train a run twice). No LibTorch here.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace pulab::scale {

struct Heartbeat {
  std::string host;
  long pid = 0;
  double started = 0;   // Unix time
  double updated = 0;   // Unix time of the last beat
  double interval = 30; // seconds between beats
  std::string slurm_job;  // "JOB_TASK" of an array task, "JOB" of a plain job, "" outside SLURM
  // Progress, once the first epoch is done (0 before, and in files of older versions):
  std::int64_t epochs_done = 0, epochs = 0;
  double seconds_per_epoch = 0;  // mean over the epochs this process has trained
};

std::filesystem::path heartbeat_path(const std::filesystem::path& run_dir);

// The run's heartbeat, if there is a readable one.
std::optional<Heartbeat> read_heartbeat(const std::filesystem::path& run_dir);

// True while the heartbeat's writer may still be running: the last beat is less than 3 intervals
// + 10 s old and, on this host, the process exists (an old beat whose pid exists again is pid reuse).
bool heartbeat_live(const Heartbeat& beat, double now);

// "vm pid 123, SLURM job 42_3, started 08:31:02, last beat 4 s ago, epoch 12 of 100, about 35 min
// left" (the progress once known)
std::string describe(const Heartbeat& beat, double now);

double unix_now();
std::string this_host();  // the short host name
// Seconds between beats: $PULAB_HEARTBEAT_SECONDS, default 30.
double heartbeat_interval();

// Holds a run's heartbeat for its lifetime (a background thread rewrites it every interval).
class RunLock {
 public:
  // Claims `run_dir` for this process. Returns null and describes the holder in `held_by` when a
  // live heartbeat of another process is there; takes over a stale one.
  static std::unique_ptr<RunLock> acquire(const std::filesystem::path& run_dir, std::string& held_by);
  ~RunLock();
  // The run's progress after an epoch, written into the heartbeat at once (at most once a second;
  // the next beat carries later ones). `pulab status` shows it.
  void set_progress(std::int64_t epochs_done, std::int64_t epochs, double seconds_per_epoch);
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  struct Impl;
  explicit RunLock(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pulab::scale
