#pragma once
// An L2-regularised logistic regression fitted by full-batch L-BFGS: the class-posterior estimate
// p^(y=+1|x) = sigmoid(w.x + b) that the biased labelings (selection_bias, PU-Bench's lbe_a / lbe_b
// / pusb) fit on the fully labeled training pool before they decide which positives get a label.
// One fit shared by them, so that every labeling's regression is the same estimator.
#include <cstdint>

#include <torch/types.h>

namespace pulab {

// The solver's settings. The objective is sklearn's LogisticRegression(C) divided by C*n:
//   mean_i log(1 + exp(-t_i (w.x_i + b))) + l2/2 * ||w||^2,   t_i = +1 / -1
// (the intercept is not penalized, as sklearn's lbfgs solver). L-BFGS (strong-Wolfe line search)
// starts from w = 0, b = 0, so the fit is deterministic.
struct LogisticFitOptions {
  double l2 = 0;                     // the coefficient above (l2 = 1 / (C n) for sklearn's C)
  std::int64_t iterations = 100;     // L-BFGS iterations (max_iter); at most 5/4 as many evaluations + 1
  std::int64_t history_size = 10;    // L-BFGS memory
  double tolerance_grad = 1e-4;      // stop when the largest gradient component falls below
  double tolerance_change = 1e-12;   // stop when the loss or the step changes less than this
};

struct LogisticFit {
  torch::Tensor logits;         // w.x_i + b of every row, float [n]; may hold non-finite values if it diverged
  bool finite = true;           // every logit is finite (false: the fit diverged; raise l2)
  double train_accuracy = 0;    // share of rows with (logit > 0) == positive
};

// Fits on `x` (float, [n, d]: flatten and scale before) against `positive` (bool [n]).
LogisticFit fit_logistic_regression(const torch::Tensor& x, const torch::Tensor& positive,
                                    const LogisticFitOptions& options);

}  // namespace pulab
