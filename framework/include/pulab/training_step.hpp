#pragma once
// What the engine hands components at each training step.
#include <cstdint>

#include <torch/types.h>

namespace pulab {

// One mini-batch of Algorithm 1: the labeled positives and the unlabeled samples that fell in it.
struct Batch {
  torch::Tensor x_p;  // labeled positives, [n_p, features...]
  torch::Tensor x_u;  // unlabeled, [n_u, features...]
  // Oracle: the true class of each unlabeled sample (bool [n_u]). Only the supervised
  // baseline ("Sup." in the paper) may read it; PU methods must not.
  torch::Tensor u_positive;
};

// The model's raw scores g(x) on the batch, computed once by the engine.
struct Scores {
  torch::Tensor p;  // [n_p]
  torch::Tensor u;  // [n_u]
};

// Where training stands. Algorithm 1 ramps beta over all iterations of the run.
struct Progress {
  std::int64_t iteration = 0;         // 0-based, over the whole run
  std::int64_t total_iterations = 1;  // epochs x batches per epoch
  std::int64_t epoch = 0;             // 0-based
  // Fraction of training done after this step, in (0, 1]: 1 at the last step.
  double fraction() const { return double(iteration + 1) / double(total_iterations); }
};

}  // namespace pulab
