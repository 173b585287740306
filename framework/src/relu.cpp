#include "pulab/relu.hpp"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/torch.h>

namespace pulab {
namespace {

struct FirstOrderRelu : torch::autograd::Function<FirstOrderRelu> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& h) {
    auto out = torch::relu(h);
    ctx->save_for_backward({out});
    return out;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    // The same kernel as torch::relu's backward, on the detached output: differentiable with
    // respect to the incoming gradient only.
    const auto out = ctx->get_saved_variables()[0].detach();
    return {torch::threshold_backward(grad[0], out, 0)};
  }
};

}  // namespace

torch::Tensor relu(const torch::Tensor& h) {
  // Without a graph to build (evaluation, NoGradGuard), the custom node would be pure overhead.
  if (!torch::GradMode::is_enabled() || !h.requires_grad()) return torch::relu(h);
  return FirstOrderRelu::apply(h);
}

}  // namespace pulab
