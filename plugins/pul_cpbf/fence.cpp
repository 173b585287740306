// PUL-CPBF's probability boundary fence (Li et al., ICML 2024): K weak classifiers g_k, each
// trained with the asymmetric risk whose boundary is eta(x) = alpha_k (asymmetric_risk.cpp),
// alpha_1 < ... < alpha_K. Each unlabeled sample's predictions locate its class posterior between
// two boundaries, and a stochastic label is drawn from there (the abstract: "use the predictions to
// locate its class posterior probability and generate a stochastic label").
// Locating: c = the number of classifiers calling x positive; eta(x) in [alpha_c, alpha_{c+1}],
// alpha_0 = 0, alpha_{K+1} = 1. For a monotone fence (positive exactly for alpha_k < eta) this is
// the interval between the last positive and the first negative verdict, as PU-Bench's port
// locates it (`alpha_range`: U(0, alpha_1) below the fence, U(alpha_k, alpha_{k+1}) where the
// verdict changes sign); counting also gives one interval when a weak classifier breaks the order.
// Choice: PU-Bench's port draws the upper interval as U(alpha_1, 1) (it reads as a slip for
// U(alpha_K, 1)); pulab uses [alpha_K, 1].
// The label: eta~ ~ U(lo, hi) (global generator), then y~ ~ Bernoulli(eta~) (`label = "bernoulli"`,
// our reading of "stochastic label") or y~ = [eta~ >= 1/2] (`label = "threshold"`, PU-Bench's
// default `alpha_range_binarize: true`).
#include <torch/types.h>

#include "pul_cpbf.hpp"

namespace pulab_pul_cpbf {

std::pair<torch::Tensor, torch::Tensor> locate_posterior(const torch::Tensor& positive,
                                                          const std::vector<double>& boundaries) {
  std::vector<double> edges{0.0};
  edges.insert(edges.end(), boundaries.begin(), boundaries.end());
  edges.push_back(1.0);
  const auto table = torch::tensor(edges, torch::kDouble).to(positive.device());
  const auto count = positive.to(torch::kLong).sum(0);  // [n], in 0..K
  return {table.index_select(0, count), table.index_select(0, count + 1)};
}

torch::Tensor stochastic_labels(const torch::Tensor& lo, const torch::Tensor& hi, bool bernoulli) {
  const auto options = torch::TensorOptions().dtype(torch::kDouble);
  const auto eta = lo + (hi - lo) * torch::rand({lo.numel()}, options).to(lo.device());
  const auto label = bernoulli ? torch::rand({lo.numel()}, options).to(lo.device()) < eta : eta >= 0.5;
  return label.to(torch::kFloat);
}

}  // namespace pulab_pul_cpbf
