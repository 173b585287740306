// LaGAM's projection head (the authors' models/resnet.py, PreActResNetMeta: fc4, ReLU, fc5 on the
// pooled features, then F.normalize; the paper's method section could not be read here):
//   z = normalize(W2 relu(W1 h + b1) + b2),   W1: [hidden, in], W2: [out, hidden]
// with h the model's embedding (pulab::EmbeddingModel::embed, the last hidden layer), hidden = in
// (the code: 512 -> 512 -> 128 on ResNet-18) and out = 128 by default (regularizer key head_dim).
// The normalisation is the L2 norm of each row, with a floor of 1e-12 (F.normalize's eps).
// Initialised by LibTorch's Linear default (from the global generator), as the code's layers are.
// Choice: the head is the regularizer's own module, trained by its own Adam (latent_groups.cpp);
// in the code it is part of the network and trained by the network's SGD.
#include <torch/types.h>

#include "lagam.hpp"

namespace pulab_lagam {

ProjectionHead::ProjectionHead(std::int64_t in, std::int64_t hidden, std::int64_t out) {
  fc1_ = register_module("fc1", torch::nn::Linear(in, hidden));
  fc2_ = register_module("fc2", torch::nn::Linear(hidden, out));
}

torch::Tensor ProjectionHead::forward(const torch::Tensor& h) {
  const auto z = fc2_->forward(torch::relu(fc1_->forward(h)));
  return z / z.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
}

}  // namespace pulab_lagam
