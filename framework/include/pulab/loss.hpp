#pragma once
// Margin losses l(z, y) shared by the risk plugins. z is the raw score g(x); each loss applies
// its own link (tanh for the paper's absolute loss), so regularizers can act on g itself.
#include <string>

#include <torch/types.h>

#include "pulab/params.hpp"

namespace pulab {

enum class Loss {
  Sigmoid,   // sigmoid(-y z)                 (nnPU's default)
  Logistic,  // log(1 + exp(-y z))
  Absolute,  // |y - tanh z|                  (GradPU, Eq. 7)
  Squared,   // (y - tanh z)^2 / 4
};

Loss parse_loss(const std::string& name);  // throws pulab::Error on an unknown name
const char* to_string(Loss loss);

// Element-wise l(z, +1) and l(z, -1).
torch::Tensor loss_positive(Loss loss, const torch::Tensor& z);
torch::Tensor loss_negative(Loss loss, const torch::Tensor& z);

// The schema entry every risk uses for its loss.
ParamSpec loss_param(const std::string& default_loss);

}  // namespace pulab
