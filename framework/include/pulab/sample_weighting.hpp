#pragma once
// SampleWeighting: per-sample weights of the labeled positives' loss terms.
#include <torch/types.h>

#include "pulab/training_step.hpp"

namespace pulab {

class SampleWeighting {
 public:
  virtual ~SampleWeighting();

  // Weights w_p for the scores g_p of the labeled positives, shaped like g_p; an undefined
  // tensor means "all ones" and spares the risk a multiplication.
  virtual torch::Tensor positive_weights(const torch::Tensor& g_p, const Progress& progress) = 0;
};

}  // namespace pulab
