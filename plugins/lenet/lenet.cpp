// PU-Bench's score model for MNIST and FashionMNIST (PU-Bench, ICLR 2026; backbone/models.py,
// LeNet, used as CNN_MNIST and CNN_FashionMNIST), for its protocol (experiments/pubench/):
//   conv5x5 1->10, max-pool 2, ReLU, conv5x5 10->20, max-pool 2, ReLU, flatten (320 for 28x28),
//   fc 50, ReLU, fc 1
// no padding, no batch normalization, no dropout. The flattened size is measured with one dummy
// forward pass, so other image sizes work too. Input shapes: [C, H, W]; [H, W] and a flat square
// [H*W] are read as one channel (pulab's MNIST delivers [784]).
#include <cmath>
#include <string>
#include <vector>

#include <torch/nn/functional.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <pulab/embedding.hpp>
#include <pulab/error.hpp>
#include <pulab/image_shape.hpp>
#include <pulab/model.hpp>
#include <pulab/plugin.hpp>
#include <pulab/relu.hpp>

namespace {

class LeNet final : public pulab::ScoreModel, public pulab::EmbeddingModel {
 public:
  static pulab::Schema schema() {
    return {pulab::param::integer("hidden", 50, "width of the fully connected hidden layer (PU-Bench: 50)").range(1, 100000)};
  }

  LeNet(const pulab::Params& p, const pulab::BuildContext& ctx) : shape_(pulab::image_shape(ctx.input_shape, "model lenet")) {
    conv1_ = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(shape_[0], 10, 5)));
    conv2_ = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(10, 20, 5)));
    std::int64_t flat = 0;
    {
      torch::NoGradGuard no_grad;
      flat = features(torch::zeros({1, shape_[0], shape_[1], shape_[2]})).size(1);
    }
    fc_ = register_module("fc", torch::nn::Linear(flat, p.integer("hidden")));
    out_ = register_module("out", torch::nn::Linear(p.integer("hidden"), 1));
  }

  torch::Tensor forward(const torch::Tensor& x) override { return out_->forward(embed(x)).squeeze(1); }

  // The hidden fully connected layer's activations.
  torch::Tensor embed(const torch::Tensor& x) override {
    const auto h = features(x.reshape({x.size(0), shape_[0], shape_[1], shape_[2]}));
    return pulab::relu(fc_->forward(h));
  }
  std::int64_t embedding_dim() const override { return out_->options.in_features(); }

 private:
  torch::Tensor features(const torch::Tensor& images) {
    namespace F = torch::nn::functional;
    auto h = pulab::relu(F::max_pool2d(conv1_->forward(images), F::MaxPool2dFuncOptions(2)));
    h = pulab::relu(F::max_pool2d(conv2_->forward(h), F::MaxPool2dFuncOptions(2)));
    return h.flatten(1);
  }

  std::vector<std::int64_t> shape_;
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::Linear fc_{nullptr}, out_{nullptr};
};

}  // namespace

PULAB_PLUGIN("lenet", "1.0.0") {
  registrar.add<pulab::ScoreModel, LeNet>(
      "lenet", "PU-Bench's LeNet for 28x28 images: conv5 10, pool, conv5 20, pool, fc 50, fc 1 (ReLU)");
}
