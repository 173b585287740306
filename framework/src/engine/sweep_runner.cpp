#include "engine/sweep_runner.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include <boost/dll/runtime_symbol_info.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/results.hpp"
#include "engine/trainer.hpp"
#include "pulab/error.hpp"
#include "scale/heartbeat.hpp"

extern char** environ;

namespace pulab {
namespace fs = std::filesystem;

namespace {

// What becomes of a run whose result.json says it finished: skipped (its result is current),
// reported as a failure (another configuration produced it; never overwritten), or, when the
// sweep was asked to redo stale runs, run again with the old result kept beside as
// result.json.stale-<stamp>.
enum class FinishedRun { Current, Stale, RunAgain };

FinishedRun check_finished_run(const RunSpec& spec, const SweepOptions& options, const std::string& label,
                               SweepOutcome& outcome) {
  const std::string stale = stale_result(spec);
  if (stale.empty()) {
    ++outcome.skipped;
    return FinishedRun::Current;
  }
  if (options.redo_stale) {
    const fs::path aside = set_aside_stale_result(spec);
    fmt::print(stderr, "{} its result was produced by another configuration; kept as {}; running the run again\n",
               label, aside.filename().string());
    return FinishedRun::RunAgain;
  }
  fmt::print(stderr, "{} {}\n", label, stale);
  outcome.failures.emplace_back(spec.run_id, stale);
  return FinishedRun::Stale;
}

// The finished result of the same computation in another sweep (--reuse-from), if any.
std::optional<fs::path> reusable_source(const RunSpec& spec, const SweepOptions& options) {
  return options.reusable ? options.reusable->find(spec) : std::nullopt;
}

// The run takes the result at `source` instead of training. The caller holds the run's lock.
void take_reused_result(const RunSpec& spec, const fs::path& source, const std::string& label,
                        const SweepOptions& options, SweepOutcome& outcome) {
  reuse_result(spec, source);
  ++outcome.reused;
  if (!options.quiet) fmt::print("{} the same computation finished in {}; its result reused\n", label, source.string());
}

void record_failure(const RunSpec& spec, const std::string& message, SweepOutcome& outcome) {
  outcome.failures.emplace_back(spec.run_id, message);
  try {
    write_file_atomically(result_path(spec), failure_json(spec, message));
  } catch (const std::exception&) {
    // The message still reaches the user through the sweep's final report.
  }
}

std::string failure_message_of(const RunSpec& spec) {
  std::ifstream in(result_path(spec));
  if (!in) return "the run's process ended without a result";
  try {
    auto j = nlohmann::json::parse(in);
    return j.value("error", "the run did not finish");
  } catch (const std::exception&) {
    return "unreadable result file";
  }
}

void run_in_process(const std::vector<RunSpec>& runs, const PluginHost& host, const SweepOptions& options,
                    SweepOutcome& outcome) {
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunSpec& spec = runs[i];
    if (run_finished(spec)) {
      const std::string label = fmt::format("[run {}/{} {}]", i + 1, runs.size(), spec.run_id);
      const FinishedRun finished = check_finished_run(spec, options, label, outcome);
      if (finished == FinishedRun::Current && !options.quiet) fmt::print("{} finished earlier; skipped\n", label);
      if (finished != FinishedRun::RunAgain) continue;
    }
    // running.json: `pulab status` sees the run as running, and no second process trains it at once.
    std::string held_by;
    const auto lock = scale::RunLock::acquire(spec.run_dir(), held_by);
    if (!lock) {
      ++outcome.busy;
      if (!options.quiet) fmt::print("[run {}/{} {}] running elsewhere ({}); skipped\n", i + 1, runs.size(), spec.run_id, held_by);
      continue;
    }
    if (run_finished(spec)) {  // finished by another process meanwhile
      ++outcome.skipped;
      continue;
    }
    if (const fs::path aside = set_aside_corrupt_result(spec); !aside.empty()) {
      fmt::print(stderr, "[run {}/{} {}] {} was corrupt; kept as {}; running the run again\n", i + 1, runs.size(),
                 spec.run_id, result_path(spec).string(), aside.filename().string());
    }
    if (const auto source = reusable_source(spec, options)) {
      take_reused_result(spec, *source, fmt::format("[run {}/{} {}]", i + 1, runs.size(), spec.run_id), options, outcome);
      if (options.write_summary) write_summary(spec.output_dir);
      continue;
    }
    TrainOptions train;
    train.threads = options.threads;
    train.quiet = options.quiet;
    train.run_index = options.position_total > 0 ? options.position : i;
    train.run_total = options.position_total > 0 ? options.position_total : runs.size();
    train.max_epochs_this_call = options.max_epochs_this_call;
    train.on_epoch_end = [&lock](std::int64_t done, std::int64_t epochs, double seconds_per_epoch) {
      lock->set_progress(done, epochs, seconds_per_epoch);
    };
    try {
      if (train_run(spec, host, train) == RunStatus::Finished) {
        ++outcome.finished;
      } else {
        ++outcome.interrupted;
      }
    } catch (const std::exception& e) {
      // One failed run (a NaN loss, a bad component parameter) must not stop the sweep.
      fmt::print(stderr, "[run {}/{} {}] failed: {}\n", i + 1, runs.size(), spec.run_id, e.what());
      record_failure(spec, e.what(), outcome);
    }
    if (options.write_summary) write_summary(spec.output_dir);
  }
}

// Starts `pulab run FILE --only RUN_ID ...`; returns 0 and says why in `error` when it cannot.
pid_t spawn_child(const RunSpec& spec, std::size_t index, std::size_t total, const SweepOptions& options,
                  std::int64_t threads, std::string& error) {
  // /proc/self/exe is this very executable even if the file was rebuilt or replaced meanwhile.
  const std::string self = fs::exists("/proc/self/exe") ? "/proc/self/exe" : boost::dll::program_location().string();
  std::vector<std::string> args{self, "run"};
  if (!options.experiment_file.empty()) args.push_back(options.experiment_file.string());
  args.insert(args.end(), options.child_args.begin(), options.child_args.end());
  args.insert(args.end(), {"--only", spec.run_id, "--threads", std::to_string(threads), "--jobs", "1", "--position",
                           std::to_string(index) + "/" + std::to_string(total)});
  if (options.quiet) args.push_back("--quiet");
  if (options.max_epochs_this_call >= 0) {
    args.insert(args.end(), {"--max-epochs", std::to_string(options.max_epochs_this_call)});
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (const int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ); rc != 0) {
    error = "cannot start a child process for run " + spec.run_id + ": " + std::strerror(rc);
    return 0;
  }
  return pid;
}

void run_in_children(const std::vector<RunSpec>& runs, const SweepOptions& options, SweepOutcome& outcome) {
  std::int64_t total_threads = options.threads > 0 ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  const std::int64_t per_job = std::max<std::int64_t>(1, total_threads / options.jobs);
  std::map<pid_t, const RunSpec*> running;
  auto reap_one = [&]() {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid <= 0) return;
    const RunSpec* spec = running.at(pid);
    running.erase(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      if (run_finished(*spec)) {
        ++outcome.finished;
      } else {
        ++outcome.interrupted;
      }
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == kExitAllRunningElsewhere) {
      ++outcome.busy;  // the child found the run held by another process's live heartbeat
    } else {
      outcome.failures.emplace_back(spec->run_id, failure_message_of(*spec));
    }
  };
  for (std::size_t index = 0; index < runs.size(); ++index) {
    const RunSpec& spec = runs[index];
    if (run_finished(spec) &&
        check_finished_run(spec, options, "[" + spec.run_id + "]", outcome) != FinishedRun::RunAgain) {
      continue;
    }
    if (const auto source = reusable_source(spec, options)) {  // copying a result needs no child process
      std::string held_by;
      if (const auto lock = scale::RunLock::acquire(spec.run_dir(), held_by); !lock) {
        ++outcome.busy;
      } else if (!run_finished(spec)) {
        take_reused_result(spec, *source, "[" + spec.run_id + "]", options, outcome);
      }
      continue;
    }
    while (static_cast<std::int64_t>(running.size()) >= options.jobs) reap_one();
    std::string error;
    if (const pid_t pid = spawn_child(spec, index, runs.size(), options, per_job, error); pid > 0) {
      running.emplace(pid, &spec);
    } else {
      // One run that cannot start must not orphan the others: record it and go on.
      fmt::print(stderr, "[{}] {}\n", spec.run_id, error);
      outcome.failures.emplace_back(spec.run_id, error);
    }
  }
  while (!running.empty()) reap_one();
  if (!runs.empty() && options.write_summary) write_summary(runs.front().output_dir);
}

}  // namespace

SweepOutcome run_sweep(const std::vector<RunSpec>& runs, const PluginHost& host, const SweepOptions& options) {
  SweepOutcome outcome;
  if (options.jobs > 1 && runs.size() > 1) {
    run_in_children(runs, options, outcome);
  } else {
    run_in_process(runs, host, options, outcome);
  }
  return outcome;
}

}  // namespace pulab
