#pragma once
// What the engine hands components at each training step.
#include <cstdint>

#include <torch/types.h>

namespace pulab {

class SampleState;

// Where training stands. Algorithm 1 ramps beta over all iterations of the run.
struct Progress {
  std::int64_t iteration = 0;         // 0-based, over the whole run
  std::int64_t total_iterations = 1;  // epochs x batches per epoch (the sampler's nominal count)
  std::int64_t epoch = 0;             // 0-based
  // Fraction of training done after this step, in (0, 1]: 1 at the last step.
  double fraction() const { return double(iteration + 1) / double(total_iterations); }
};

// One mini-batch: the labeled positives and the unlabeled samples the run's sampler drew, with
// their sample ids and everything a component may read at this step.
struct Batch {
  torch::Tensor x_p;  // labeled positives, [n_p, features...]
  torch::Tensor x_u;  // unlabeled, [n_u, features...]
  // Sample ids (int64, on the run's device) of the rows of x_p and x_u: ids [0, n_labeled) are the
  // labeled positives, [n_labeled, n_labeled + n_unlabeled) the unlabeled samples.
  torch::Tensor ids_p, ids_u;
  // The per-sample state of the training data (never null during training); gather a column for
  // this batch with u_of / p_of.
  const SampleState* state = nullptr;
  double prior = 0;  // the class prior of U now (a hook may update it between steps)
  Progress progress;
  // Oracle: the true class of each unlabeled sample (bool [n_u]). Defined only in a run whose risk
  // declares itself an oracle (StateUse::oracle, the supervised baseline); PU methods never see it.
  torch::Tensor u_positive;

  // A per-sample column (e.g. state->weight) at this batch's unlabeled / labeled rows.
  torch::Tensor u_of(const torch::Tensor& column) const { return column.index_select(0, ids_u); }
  torch::Tensor p_of(const torch::Tensor& column) const { return column.index_select(0, ids_p); }
};

// The model's raw scores g(x) on the batch, computed once by the engine.
struct Scores {
  torch::Tensor p;  // [n_p]
  torch::Tensor u;  // [n_u]
};

}  // namespace pulab
