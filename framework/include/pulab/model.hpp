#pragma once
// ScoreModel: a network that maps a batch of inputs to raw scores g(x), shape [batch].
// Links (tanh, sigmoid) belong to the loss, not to the model.
#include <torch/nn/module.h>
#include <torch/types.h>

namespace pulab {

class ScoreModel : public torch::nn::Module {
 public:
  ~ScoreModel() override;

  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

}  // namespace pulab
