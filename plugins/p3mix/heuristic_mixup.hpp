#pragma once
// P3Mix's heuristic mixup (Li, Li, Feng, Ouyang, "Who Is Your Right Mixup Partner in Positive and
// Unlabeled Learning", ICLR 2022, Sec. 3): which partner each row of a mini-batch is mixed with.
// Header-only pure functions (no state, randomness only from the global LibTorch generator), used
// by the risk `p3mix` and tested directly by tests/test_method_p3mix.cpp.
//
// With q = sigmoid(g) the model's probability of the positive class on the clean batch:
//   marginal pseudo-negative (MPN): an unlabeled row with 1 - gamma < q < gamma (ambiguous: near
//                                   the learned boundary, so probably a positive the "U = negative"
//                                   supervision pushes to the wrong side)
//   partner of an MPN row:          uniform over the candidate pool (labeled positives near the
//                                   boundary, hook `p3mix_pool`), target 1
//   partner of every other row:     uniform over the batch (P and U rows), with replacement
//   before the heuristic phase:     a random permutation of the batch (plain mixup)
//   mixing weight:                  lambda ~ Beta(alpha, alpha), one per batch, folded to
//                                   max(lambda, 1 - lambda) so the mixed row stays nearer its own
//                                   sample (and keeps its P/U role in the loss)
//   x~ = lambda x_i + (1 - lambda) x_j,  y~ = lambda y_i + (1 - lambda) y_j
// P3Mix-C's correction: an unlabeled row with q >= gamma gets target 1 instead of 0.
//
// Choices beyond the paper's text (protocol facts from the public ports of the authors' code, see
// /work/drafts/p3mix.md): one symmetric threshold gamma for the MPN band and the correction
// (the ports: gamma and 1 - gamma); one lambda per batch, folded; partners drawn with replacement
// in the heuristic phase and a permutation before it; q from the clean forward pass of the step.
// alpha = 0 means no mixing at all (lambda = 1, nothing drawn): an ablation, not the paper's.
#include <algorithm>
#include <cstdint>

#include <torch/types.h>

namespace pulab_p3mix {

// lambda ~ Beta(alpha, alpha) from two Gamma draws (torch::_standard_gamma, global generator),
// folded to max(lambda, 1 - lambda) in [0.5, 1]. alpha = 0: 1, without drawing.
inline double draw_lambda(double alpha) {
  if (alpha <= 0) return 1.0;
  const auto g = torch::_standard_gamma(torch::full({2}, alpha, torch::kDouble));
  const double g1 = g[0].item<double>(), g2 = g[1].item<double>();
  const double lambda = g1 + g2 > 0 ? g1 / (g1 + g2) : 0.5;
  return std::max(lambda, 1.0 - lambda);
}

// The marginal pseudo-negatives among the unlabeled rows: 1 - gamma < q < gamma (bool [n_u]).
inline torch::Tensor marginal_mask(const torch::Tensor& q_u, double gamma) {
  return (q_u > 1.0 - gamma).logical_and(q_u < gamma);
}

// P3Mix-C's corrected targets of the unlabeled rows: 1 where q >= gamma, else 0 (float [n_u]).
inline torch::Tensor corrected_targets(const torch::Tensor& q_u, double gamma) {
  return (q_u >= gamma).to(torch::kFloat);
}

// Partners in the heuristic phase, as rows of cat(batch, pool): [0, n) the batch (n_p positives,
// then the n_u unlabeled rows whose MPN mask is `marginal_u`), [n, n + pool_size) the pool.
// MPN rows get n + uniform{0..pool_size-1}, all others uniform{0..n-1}. Both draws are made for
// every row (on the CPU generator), so the random stream does not depend on the scores.
inline torch::Tensor heuristic_partners(const torch::Tensor& marginal_u, std::int64_t n_p, std::int64_t pool_size) {
  const std::int64_t n_u = marginal_u.size(0), n = n_p + n_u;
  const auto opts = torch::TensorOptions().dtype(torch::kLong);
  const auto in_batch = torch::randint(n, {n}, opts).to(marginal_u.device());
  const auto in_pool = (torch::randint(pool_size, {n_u}, opts) + n).to(marginal_u.device());
  const auto marginal = torch::cat({torch::zeros({n_p}, marginal_u.options()), marginal_u});
  return torch::where(marginal, torch::cat({in_batch.slice(0, 0, n_p), in_pool}), in_batch);
}

// Partners before the heuristic phase (or without a pool): a random permutation of the batch.
inline torch::Tensor random_partners(std::int64_t n, const torch::Device& device) {
  return torch::randperm(n, torch::TensorOptions().dtype(torch::kLong)).to(device);
}

}  // namespace pulab_p3mix
