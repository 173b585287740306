#pragma once
// Epoch checkpoints: everything a run needs to continue as if it had not stopped: the model and
// its optimizer, the global RNG state, the run's history, the per-sample state, the current prior,
// the extra models and optimizers hooks created, and each hook's own save(). A run resumed from
// one ends with the same result as an uninterrupted run (same thread count).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/optim/optimizer.h>

#include "engine/engine_context.hpp"
#include "engine/run_components.hpp"
#include "engine/run_record.hpp"
#include "pulab/model.hpp"

namespace pulab {

struct CheckpointParts {
  ScoreModel* model;
  torch::optim::Optimizer* optimizer;
  EngineContext* context;          // state, prior, extra models and optimizers
  std::vector<NamedHook>* hooks;   // their own save() / load()
};

// Writes atomically; `epochs_done` is the number of finished epochs; `config` identifies the run's
// configuration (config_fingerprint).
void save_checkpoint(const std::filesystem::path& file, const CheckpointParts& parts, const RunRecord& record,
                     std::int64_t epochs_done, const std::string& config);

// Restores every part, the RNG and the history; returns the number of finished epochs. Throws
// pulab::Error naming the file when it cannot be read or was written by another configuration.
std::int64_t load_checkpoint(const std::filesystem::path& file, const CheckpointParts& parts, RunRecord& record,
                             const std::string& config);

}  // namespace pulab
