// Dist-PU's mixup (Zhao et al., CVPR 2022; mixup: Zhang et al. 2018) with pseudo-labels: each
// sample of the batch (labeled positives with target 1, unlabeled samples with their pseudo-label
// in [0, 1]) is mixed with a partner given by a random permutation of the batch,
//   x~ = lambda x_i + (1 - lambda) x_perm(i),   y~ = lambda y_i + (1 - lambda) y_perm(i),
// lambda ~ Beta(alpha, alpha), and the model is trained on (x~, y~) with the binary cross-entropy
//   BCE(g, y) = -mean [y log f + (1 - y) log(1 - f)],  f = sigmoid(g).
// Choices beyond the paper, from the authors' code (customized/mixup.py, train.py):
// - one lambda per batch (not per sample) and a permutation of the whole batch as partners;
// - the authors' loss lambda BCE(f~, y_i) + (1 - lambda) BCE(f~, y_perm(i)) equals BCE(f~, y~)
//   exactly (BCE is linear in its target), so pulab computes the latter;
// - the BCE is computed from g in log space instead of the authors' sigmoid(clamp(g, -10, 10)).
// Randomness: lambda from two Gamma draws (torch::_standard_gamma) on the global generator; the
// permutation is drawn by the caller (torch::randperm on the global generator).
#include <torch/types.h>

#include "dist_pu.hpp"

namespace pulab_dist_pu {

torch::Tensor mean_binary_cross_entropy(const torch::Tensor& g, const torch::Tensor& y) {
  if (g.numel() == 0) return torch::zeros({}, g.options());
  return -(y * torch::log_sigmoid(g) + (1 - y) * torch::log_sigmoid(-g)).mean();
}

MixedBatch mix(const torch::Tensor& x, const torch::Tensor& y, double lambda, const torch::Tensor& permutation) {
  const auto perm = permutation.to(x.device());
  return {lambda * x + (1 - lambda) * x.index_select(0, perm), lambda * y + (1 - lambda) * y.index_select(0, perm)};
}

double sample_beta(double alpha) {
  const auto a = torch::full({2}, alpha, torch::kDouble);
  const auto g = torch::_standard_gamma(a);
  const double g1 = g[0].item<double>(), g2 = g[1].item<double>();
  // Both draws can underflow to 0 for a tiny alpha: call that the midpoint.
  return g1 + g2 > 0 ? g1 / (g1 + g2) : 0.5;
}

}  // namespace pulab_dist_pu
