#pragma once
// One optimizer step of the run's model on one batch: forward pass, risk, weights and penalties,
// backward, Adam. No string or configuration look-up happens here: everything was decided when the
// run was set up.
#include <vector>

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include "engine/run_components.hpp"

namespace pulab {

struct StepParts {
  RunComponents* components;
  std::vector<torch::Tensor> parameters;  // the trained ones (a frozen parameter is not asked for)
  torch::optim::Optimizer* optimizer;
  bool bfloat16 = false;  // autocast the forward passes
};

struct StepOutcome {
  double risk = 0;       // the reported risk of the batch
  double objective = 0;  // what was minimised: the risk's objective plus every penalty
  bool finite() const;
};

// Computes the objective on `batch` and, when it is finite, takes one optimizer step (the caller
// has set the step's learning rate). A non-finite outcome takes no step.
StepOutcome train_step(StepParts& parts, Batch& batch);

}  // namespace pulab
