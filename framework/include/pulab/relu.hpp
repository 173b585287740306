#pragma once
// pulab::relu: torch::relu's numbers, forward and backward, with a cheaper double backward. Score
// models that a gradient penalty differentiates twice should use it.
//
// torch::relu's backward reads the ReLU's *output*, and the derivative of that backward with
// respect to the output is zero, which autograd cannot know: under the gradient penalty's double
// backward it sends zero tensors back through every layer of the penalty's forward pass (a
// weight-gradient and an input-gradient product per layer, ~25% of a GradPU step's matrix FLOPs
// for the MNIST MLP; docs/performance.md). pulab::relu's backward reads a detached copy of the
// output instead, so that path does not exist. (h * (h > 0) would cut the path too, but a
// comparison and a bool-to-float multiply cost ~15x a ReLU here.) tests/test_methods.cpp checks
// that every gradient equals torch::relu's exactly.
#include <torch/types.h>

namespace pulab {

torch::Tensor relu(const torch::Tensor& h);

}  // namespace pulab
