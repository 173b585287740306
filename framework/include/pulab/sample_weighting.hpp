#pragma once
// SampleWeighting: per-sample weights of the labeled positives' loss terms.
#include <torch/types.h>

#include "pulab/sample_state.hpp"
#include "pulab/training_step.hpp"

namespace pulab {

class SampleWeighting {
 public:
  virtual ~SampleWeighting();

  virtual StateUse state_use() const { return {}; }

  // Weights w_p for the scores g_p of the batch's labeled positives, shaped like g_p; an undefined
  // tensor means "all ones" and spares the risk a multiplication. batch.progress says where
  // training stands (GradPU ramps its beta with it).
  virtual torch::Tensor positive_weights(const torch::Tensor& g_p, const Batch& batch) = 0;
};

}  // namespace pulab
