#pragma once
// masked_relu(h) = h * (h > 0): ReLU for score models that a gradient penalty differentiates twice.
//
// It gives the same numbers as torch::relu forward and backward, but a cheaper double backward.
// torch::relu's backward reads the ReLU's *output*, and the derivative of that backward with
// respect to the output is zero, which autograd cannot know: under the gradient penalty's double
// backward it sends zero tensors back through every layer of the penalty's forward pass (a
// weight-gradient and an input-gradient product per layer, ~25% of a GradPU step's time for the
// MNIST MLP; docs/performance.md). The mask (h > 0) is boolean, so no gradient path runs through
// it. tests/test_methods.cpp checks that the gradients match torch::relu's exactly.
#include <torch/types.h>

namespace pulab {

inline torch::Tensor masked_relu(const torch::Tensor& h) { return h * (h > 0); }

}  // namespace pulab
