// Fully connected score models: the paper's MLP (784-300x4-1 for MNIST, no batch normalization,
// which conflicts with the gradient penalty) and a linear model. Inputs are flattened.
// ReLU is pulab::relu: torch::relu's numbers with a cheaper double backward (the gradient
// penalty differentiates the model twice; pulab/relu.hpp says why).
#include <torch/torch.h>

#include <pulab/relu.hpp>
#include <pulab/model.hpp>
#include <pulab/plugin.hpp>

namespace {

std::int64_t flat_size(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

class Mlp final : public pulab::ScoreModel {
 public:
  static pulab::Schema schema() {
    return {pulab::param::integers("hidden", {300, 300, 300, 300}, "width of each hidden layer"),
            pulab::param::real("dropout", 0.0, "dropout after each hidden layer (Table 2)").range(0, 0.95)};
  }
  Mlp(const pulab::Params& p, const pulab::BuildContext& ctx) : dropout_(p.real("dropout")) {
    std::int64_t in = flat_size(ctx.input_shape);
    int i = 0;
    for (auto width : p.integers("hidden")) {
      if (width < 1) throw std::invalid_argument("hidden layer widths must be positive");
      layers_.push_back(register_module("fc" + std::to_string(i++), torch::nn::Linear(in, width)));
      in = width;
    }
    out_ = register_module("out", torch::nn::Linear(in, 1));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    auto h = x.flatten(1);
    for (auto& layer : layers_) {
      h = pulab::relu(layer->forward(h));
      if (dropout_ > 0) h = torch::dropout(h, dropout_, is_training());
    }
    return out_->forward(h).squeeze(1);
  }

 private:
  double dropout_;
  std::vector<torch::nn::Linear> layers_;
  torch::nn::Linear out_{nullptr};
};

class LinearModel final : public pulab::ScoreModel {
 public:
  static pulab::Schema schema() { return {}; }
  LinearModel(const pulab::Params&, const pulab::BuildContext& ctx)
      : fc_(register_module("fc", torch::nn::Linear(flat_size(ctx.input_shape), 1))) {}
  torch::Tensor forward(const torch::Tensor& x) override { return fc_->forward(x.flatten(1)).squeeze(1); }

 private:
  torch::nn::Linear fc_;
};

}  // namespace

PULAB_PLUGIN("mlp", "1.0.0") {
  registrar.add<pulab::ScoreModel, Mlp>("mlp", "multilayer perceptron, ReLU, no batch normalization");
  registrar.add<pulab::ScoreModel, LinearModel>("linear", "linear score w.x + b");
}
