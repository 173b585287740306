#pragma once
// Epoch checkpoints: model, optimizer, the global RNG state and the run's history so far. A run
// resumed from one ends with the same result as an uninterrupted run (same thread count).
#include <cstdint>
#include <filesystem>

#include <torch/optim/optimizer.h>

#include "engine/run_record.hpp"
#include "pulab/model.hpp"

namespace pulab {

// Writes atomically; `epochs_done` is the number of finished epochs; `config` identifies the run's
// configuration (config_fingerprint).
void save_checkpoint(const std::filesystem::path& file, ScoreModel& model, torch::optim::Optimizer& optimizer,
                     const RunRecord& record, std::int64_t epochs_done, const std::string& config);

// Restores model, optimizer, RNG and history; returns the number of finished epochs. Throws
// pulab::Error naming the file when it cannot be read or was written by another configuration.
std::int64_t load_checkpoint(const std::filesystem::path& file, ScoreModel& model, torch::optim::Optimizer& optimizer,
                             RunRecord& record, const std::string& config);

}  // namespace pulab
