#include "pulab/logistic_regression.hpp"

#include <torch/optim/lbfgs.h>
#include <torch/types.h>
#include <torch/utils.h>

namespace pulab {

LogisticFit fit_logistic_regression(const torch::Tensor& x, const torch::Tensor& positive,
                                    const LogisticFitOptions& options) {
  // The labelings run inside a split, where the caller may have switched autograd off.
  torch::AutoGradMode grad_on(true);
  const auto t = positive.to(torch::kFloat) * 2 - 1;
  auto w = torch::zeros({x.size(1)}, torch::TensorOptions().dtype(torch::kFloat).requires_grad(true));
  auto b = torch::zeros({1}, torch::TensorOptions().dtype(torch::kFloat).requires_grad(true));
  torch::optim::LBFGS solver({w, b}, torch::optim::LBFGSOptions(1.0)
                                         .max_iter(options.iterations)
                                         .max_eval(options.iterations * 5 / 4 + 1)
                                         .history_size(options.history_size)
                                         .tolerance_grad(options.tolerance_grad)
                                         .tolerance_change(options.tolerance_change)
                                         .line_search_fn("strong_wolfe"));
  auto closure = [&]() {
    solver.zero_grad();
    auto loss = torch::softplus(-t * torch::addmv(b, x, w)).mean() + 0.5 * options.l2 * w.dot(w);
    loss.backward();
    return loss;
  };
  solver.step(closure);
  torch::NoGradGuard no_grad;
  LogisticFit fit;
  fit.logits = torch::addmv(b, x, w);
  fit.finite = torch::isfinite(fit.logits).all().item<bool>();
  fit.train_accuracy = ((fit.logits > 0) == positive).to(torch::kDouble).mean().item<double>();
  return fit;
}

}  // namespace pulab
