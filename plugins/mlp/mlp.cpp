// Fully connected score models: the paper's MLP (784-300x4-1 for MNIST, no batch normalization,
// which conflicts with the gradient penalty) and a linear model. Inputs are flattened.
// ReLU is pulab::relu: torch::relu's numbers with a cheaper double backward (the gradient
// penalty differentiates the model twice; pulab/relu.hpp says why).
// `tabular_mlp` is PU-Bench's MLP for tabular and embedding data (backbone/models.py, MLP_20News,
// which its model factory also uses for Spambase, Mushrooms and Connect-4): in-512-256-128-64-1,
// ReLU, dropout 0.3, 0.3, 0.2 after the first three hidden layers and none after the 64-unit one.
#include <torch/torch.h>

#include <pulab/embedding.hpp>
#include <pulab/error.hpp>
#include <pulab/relu.hpp>
#include <pulab/model.hpp>
#include <pulab/plugin.hpp>

namespace {

std::int64_t flat_size(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

class Mlp final : public pulab::ScoreModel, public pulab::EmbeddingModel {
 public:
  static pulab::Schema schema() {
    return {pulab::param::integers("hidden", {300, 300, 300, 300}, "width of each hidden layer"),
            pulab::param::real("dropout", 0.0, "dropout after each hidden layer (Table 2)").range(0, 0.95)};
  }
  Mlp(const pulab::Params& p, const pulab::BuildContext& ctx)
      : Mlp(p.integers("hidden"), std::vector<double>(p.integers("hidden").size(), p.real("dropout")), ctx) {}

  // One dropout rate per hidden layer (after its ReLU).
  Mlp(const std::vector<std::int64_t>& hidden, std::vector<double> dropouts, const pulab::BuildContext& ctx)
      : dropouts_(std::move(dropouts)) {
    std::int64_t in = flat_size(ctx.input_shape);
    int i = 0;
    for (auto width : hidden) {
      if (width < 1) throw std::invalid_argument("hidden layer widths must be positive");
      layers_.push_back(register_module("fc" + std::to_string(i++), torch::nn::Linear(in, width)));
      in = width;
    }
    out_ = register_module("out", torch::nn::Linear(in, 1));
  }

  torch::Tensor forward(const torch::Tensor& x) override { return out_->forward(embed(x)).squeeze(1); }

  // The last hidden layer's activations (after its ReLU and dropout).
  torch::Tensor embed(const torch::Tensor& x) override {
    auto h = x.flatten(1);
    for (std::size_t i = 0; i < layers_.size(); ++i) {
      h = pulab::relu(layers_[i]->forward(h));
      if (dropouts_[i] > 0) h = torch::dropout(h, dropouts_[i], is_training());
    }
    return h;
  }
  std::int64_t embedding_dim() const override { return out_->options.in_features(); }

 private:
  std::vector<double> dropouts_;
  std::vector<torch::nn::Linear> layers_;
  torch::nn::Linear out_{nullptr};
};

// PU-Bench's tabular MLP: the widths and a dropout rate per hidden layer.
class TabularMlp final : public pulab::ScoreModel, public pulab::EmbeddingModel {
 public:
  static pulab::Schema schema() {
    return {pulab::param::integers("hidden", {512, 256, 128, 64}, "width of each hidden layer (PU-Bench: 512 256 128 64)"),
            pulab::param::reals("dropout", {0.3, 0.3, 0.2, 0.0},
                                "dropout after each hidden layer, one rate per layer (PU-Bench: 0.3 0.3 0.2 0)")
                .range(0, 0.95)};
  }
  TabularMlp(const pulab::Params& p, const pulab::BuildContext& ctx) : mlp_(nullptr) {
    const auto hidden = p.integers("hidden");
    const auto dropout = p.reals("dropout");
    if (dropout.size() != hidden.size()) {
      throw pulab::ConfigError("model.dropout has " + std::to_string(dropout.size()) + " rates but model.hidden has " +
                               std::to_string(hidden.size()) + " layers: give one rate per hidden layer");
    }
    mlp_ = register_module("mlp", std::make_shared<Mlp>(hidden, dropout, ctx));
  }
  torch::Tensor forward(const torch::Tensor& x) override { return mlp_->forward(x); }
  torch::Tensor embed(const torch::Tensor& x) override { return mlp_->embed(x); }
  std::int64_t embedding_dim() const override { return mlp_->embedding_dim(); }

 private:
  std::shared_ptr<Mlp> mlp_;
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
  registrar.add<pulab::ScoreModel, TabularMlp>(
      "tabular_mlp", "PU-Bench's tabular MLP: 512-256-128-64, ReLU, dropout 0.3 0.3 0.2 0 per hidden layer");
  registrar.add<pulab::ScoreModel, LinearModel>("linear", "linear score w.x + b");
}
