#pragma once
// The training engine: one run of Algorithm 1 from a resolved RunSpec.
#include <cstdint>
#include <functional>
#include <string>

#include "config/experiment.hpp"
#include "engine/run_record.hpp"
#include "plugin/plugin_host.hpp"

namespace pulab {

struct TrainOptions {
  std::int64_t threads = 0;           // overrides train.threads when > 0
  bool quiet = false;                 // no progress lines
  std::size_t run_index = 0;          // for progress lines: run k of M
  std::size_t run_total = 1;
  // Stop (with a checkpoint, without a result) after this many epochs in this call; < 0 = run to
  // the end. Lets a long run be split across sessions or time-limited jobs.
  std::int64_t max_epochs_this_call = -1;
  // Called after each epoch (once it is checkpointed) with the epochs done, the run's epochs and
  // the mean seconds of an epoch in this call: the sweep runner shows them in the run's heartbeat.
  std::function<void(std::int64_t epochs_done, std::int64_t epochs, double seconds_per_epoch)> on_epoch_end;
};

enum class RunStatus { Finished, Interrupted };

// Trains one run. Resumes from <run_dir>/checkpoint.pt when it exists and, once the last epoch
// is done, writes <run_dir>/result.json and removes the checkpoint. Throws TrainingError on a
// non-finite loss (naming the run and epoch) and pulab::Error on bad input.
RunStatus train_run(const RunSpec& spec, const PluginHost& host, const TrainOptions& options,
                    RunRecord* record_out = nullptr);

}  // namespace pulab
