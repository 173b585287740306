#pragma once
// Regularizer: adds a penalty to the objective; it may evaluate the model at new inputs
// (the gradient penalty at P/U interpolates) or perturb the batch before the forward pass.
#include <torch/types.h>

#include "pulab/sample_state.hpp"
#include "pulab/training_step.hpp"

namespace pulab {

class ScoreModel;

class Regularizer {
 public:
  virtual ~Regularizer();

  // The per-sample state it reads or writes (see StateUse).
  virtual StateUse state_use() const { return {}; }

  // Called before the forward pass; may replace the batch's inputs (input noise). Default: no-op.
  virtual void prepare(Batch& /*batch*/, const Progress& /*progress*/) {}

  // The penalty to add to the objective (a scalar tensor), or an undefined tensor for none.
  virtual torch::Tensor penalty(ScoreModel& model, const Batch& batch, const Scores& scores,
                                const Progress& progress) = 0;
};

}  // namespace pulab
