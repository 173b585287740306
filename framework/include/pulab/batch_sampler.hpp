#pragma once
// BatchSampler: decides which labeled positives and unlabeled samples form each mini-batch.
//
// `joint` (Algorithm 1: shuffle P u U, cut it into batches) is the default; `stratified` draws a
// fixed number of P and U per batch, one pass over U per epoch (nnPU's and VPU's reference codes).
// A sampler draws from LibTorch's global generator, which checkpoints save, so a resumed run draws
// the same batches.
#include <cstdint>

#include <torch/types.h>

#include "pulab/sample_state.hpp"
#include "pulab/training_step.hpp"

namespace pulab {

// The sample ids of one batch (int64, on the CPU; see Batch for the id ranges).
struct BatchIds {
  torch::Tensor p;
  torch::Tensor u;
};

struct SamplerSetup {
  std::int64_t n_labeled = 0;
  std::int64_t n_unlabeled = 0;
  std::int64_t batch_size = 0;  // train.batch_size
};

class BatchSampler {
 public:
  virtual ~BatchSampler();

  virtual StateUse state_use() const { return {}; }

  // Called once before training. Checks the sampler's parameters against the run (throws
  // pulab::Error naming the sampler and key) and returns the nominal number of batches per
  // epoch, which the learning-rate schedule and Progress count with.
  virtual std::int64_t plan(const SamplerSetup& setup) = 0;

  // Called at the start of every epoch; returns the number of batches this epoch has.
  virtual std::int64_t begin_epoch(const SampleState& state, const Progress& progress) = 0;

  // The next batch of the epoch (called begin_epoch's count of times).
  virtual BatchIds next() = 0;
};

}  // namespace pulab
