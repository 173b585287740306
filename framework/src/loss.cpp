#include "pulab/loss.hpp"

#include <torch/torch.h>

#include "pulab/error.hpp"

namespace pulab {

Loss parse_loss(const std::string& name) {
  if (name == "sigmoid") return Loss::Sigmoid;
  if (name == "logistic") return Loss::Logistic;
  if (name == "abs") return Loss::Absolute;
  if (name == "squared") return Loss::Squared;
  throw Error("unknown loss '" + name + "' (expected sigmoid, logistic, abs or squared)");
}

const char* to_string(Loss loss) {
  switch (loss) {
    case Loss::Sigmoid: return "sigmoid";
    case Loss::Logistic: return "logistic";
    case Loss::Absolute: return "abs";
    case Loss::Squared: return "squared";
  }
  return "?";
}

namespace {
// l(z, y) for y = +1 (sign = 1) or y = -1 (sign = -1).
torch::Tensor margin_loss(Loss loss, const torch::Tensor& z, double y) {
  switch (loss) {
    case Loss::Sigmoid: return torch::sigmoid(-y * z);
    case Loss::Logistic: return torch::softplus(-y * z);
    case Loss::Absolute: return (y - torch::tanh(z)).abs();
    case Loss::Squared: return (y - torch::tanh(z)).square() * 0.25;
  }
  throw Error("unknown loss");
}
}  // namespace

torch::Tensor loss_positive(Loss loss, const torch::Tensor& z) { return margin_loss(loss, z, 1.0); }
torch::Tensor loss_negative(Loss loss, const torch::Tensor& z) { return margin_loss(loss, z, -1.0); }

ParamSpec loss_param(const std::string& default_loss) {
  return param::text("loss", default_loss,
                     "margin loss l: sigmoid(-yz), logistic log(1+e^-yz), abs |y-tanh z|, squared (y-tanh z)^2/4")
      .one_of({"sigmoid", "logistic", "abs", "squared"});
}

}  // namespace pulab
