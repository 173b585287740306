#pragma once
// LabelingMechanism: decides which positives of the training pool get a label (SCAR, a
// selection bias, ...). It is called once per run, when the PU split is built.
#include <cstdint>

#include <torch/types.h>

namespace pulab {

struct LabelingInput {
  const torch::Tensor& x;         // the training pool, [n, features...], float
  const torch::Tensor& positive;  // bool [n], the true binary class
  std::int64_t n_labeled;         // how many labeled positives to draw
  std::uint64_t seed;             // deterministic draw
};

class LabelingMechanism {
 public:
  virtual ~LabelingMechanism();

  // Indices (int64) into the pool of n_labeled distinct positives.
  virtual torch::Tensor select(const LabelingInput& input) = 0;
};

}  // namespace pulab
