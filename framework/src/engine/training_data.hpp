#pragma once
// The split's tensors on the run's device, and the gathering of one batch from sample ids.
#include <cstdint>

#include <torch/types.h>

#include "data/pu_split.hpp"
#include "pulab/batch_sampler.hpp"
#include "pulab/model.hpp"
#include "pulab/training_step.hpp"

namespace pulab {

struct TrainingData {
  std::int64_t n_labeled = 0, n_unlabeled = 0;
  torch::Tensor x_train;     // labeled positives then U, by sample id, on the device
  torch::Tensor u_positive;  // U's true classes on the device; undefined unless the run is an oracle
  torch::Tensor x_val, x_test;  // on the device
  torch::Tensor y_val, val_labeled, y_test;  // on the CPU, for the metrics

  torch::Tensor x_labeled() const { return x_train.slice(0, 0, n_labeled); }
  torch::Tensor x_unlabeled() const { return x_train.slice(0, n_labeled); }
};

// Moves the split to `device`; U's labels travel only when `oracle`.
TrainingData to_device(const PUData& pu, torch::Device device, bool oracle);

// g(x) of `x` without gradients, in batches of `batch_size`, flattened to [n] on x's device. The
// caller sets the model's mode (evaluation and hooks score in eval mode).
torch::Tensor score_in_batches(ScoreModel& model, const torch::Tensor& x, std::int64_t batch_size);

// The batch of `ids`: inputs gathered from x_train, ids on the device, the state, prior and
// progress of this step, and U's labels when the run is an oracle.
Batch gather_batch(const TrainingData& data, const BatchIds& ids, const SampleState& state, double prior,
                   const Progress& progress);

}  // namespace pulab
