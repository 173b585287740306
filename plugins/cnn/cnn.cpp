// The 13-layer all-convolutional score model of nnPU and Self-PU for CIFAR-10:
//   conv3x3 c1, conv3x3 c1, conv3x3 c1 stride 2,
//   conv3x3 c2, conv3x3 c2, conv3x3 c2 stride 2,
//   conv3x3 c2, conv1x1 c2, conv1x1 10,
//   flatten -> fc hidden -> fc hidden -> fc 1
// with ReLU after every layer but the last, c1 = 96, c2 = 192, hidden = 1000. The 3x3 convolutions
// pad by 1. The original has batch normalization after each convolution; pulab's has none (GradPU
// uses no batch norm: it couples the samples of a batch, which conflicts with the gradient penalty).
// The flattened size depends on the input (640 for 3x32x32, 490 for 1x28x28) and is measured with
// one dummy forward pass in the constructor. Input shapes: [C, H, W]; [H, W] and a flat square
// [H*W] are read as one channel.
#include <cmath>

#include <torch/torch.h>

#include <pulab/embedding.hpp>
#include <pulab/relu.hpp>
#include <pulab/image_shape.hpp>
#include <pulab/model.hpp>
#include <pulab/plugin.hpp>

namespace {

class Cnn13 final : public pulab::ScoreModel, public pulab::EmbeddingModel {
 public:
  static pulab::Schema schema() {
    return {pulab::param::integer("channels1", 96, "channels of the first three convolutions").at_least(1),
            pulab::param::integer("channels2", 192, "channels of the next five convolutions").at_least(1),
            pulab::param::integer("hidden", 1000, "width of the two fully connected layers").at_least(1)};
  }
  Cnn13(const pulab::Params& p, const pulab::BuildContext& ctx) : shape_(pulab::image_shape(ctx.input_shape, "model cnn13")) {
    const auto c1 = p.integer("channels1"), c2 = p.integer("channels2"), hidden = p.integer("hidden");
    using torch::nn::Conv2dOptions;
    const std::vector<Conv2dOptions> specs{
        Conv2dOptions(shape_[0], c1, 3).padding(1), Conv2dOptions(c1, c1, 3).padding(1),
        Conv2dOptions(c1, c1, 3).padding(1).stride(2), Conv2dOptions(c1, c2, 3).padding(1),
        Conv2dOptions(c2, c2, 3).padding(1), Conv2dOptions(c2, c2, 3).padding(1).stride(2),
        Conv2dOptions(c2, c2, 3).padding(1), Conv2dOptions(c2, c2, 1), Conv2dOptions(c2, 10, 1)};
    for (std::size_t i = 0; i < specs.size(); ++i) {
      convs_.push_back(register_module("conv" + std::to_string(i + 1), torch::nn::Conv2d(specs[i])));
    }
    std::int64_t flat = 0;
    {
      torch::NoGradGuard no_grad;
      flat = features(torch::zeros({1, shape_[0], shape_[1], shape_[2]})).size(1);
    }
    fc1_ = register_module("fc1", torch::nn::Linear(flat, hidden));
    fc2_ = register_module("fc2", torch::nn::Linear(hidden, hidden));
    out_ = register_module("out", torch::nn::Linear(hidden, 1));
  }

  torch::Tensor forward(const torch::Tensor& x) override { return out_->forward(embed(x)).squeeze(1); }

  // The second fully connected layer's activations.
  torch::Tensor embed(const torch::Tensor& x) override {
    auto h = features(x.reshape({-1, shape_[0], shape_[1], shape_[2]}));
    h = pulab::relu(fc1_->forward(h));
    return pulab::relu(fc2_->forward(h));
  }
  std::int64_t embedding_dim() const override { return out_->options.in_features(); }

 private:
  torch::Tensor features(torch::Tensor h) {
    for (auto& conv : convs_) h = pulab::relu(conv->forward(h));
    return h.flatten(1);
  }

  std::vector<std::int64_t> shape_;
  std::vector<torch::nn::Conv2d> convs_;
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, out_{nullptr};
};

}  // namespace

PULAB_PLUGIN("cnn", "1.0.0") {
  registrar.add<pulab::ScoreModel, Cnn13>("cnn13", "13-layer all-convolutional net of nnPU/Self-PU (CIFAR-10), no BN");
}
