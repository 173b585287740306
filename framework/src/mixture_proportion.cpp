#include "pulab/mixture_proportion.hpp"

#include <cmath>

#include <torch/torch.h>

#include "pulab/error.hpp"

namespace pulab {

BbeEstimate bbe_estimate(const torch::Tensor& p_scores, const torch::Tensor& u_scores, double delta, double gamma) {
  const auto p = p_scores.reshape({-1}).to(torch::kDouble).cpu();
  const auto u = u_scores.reshape({-1}).to(torch::kDouble).cpu();
  const std::int64_t n_p = p.numel(), n_u = u.numel();
  if (n_p == 0 || n_u == 0) throw Error("BBE needs held-out labeled positives and unlabeled samples");
  // Candidate edges c: the positives' scores. Counts of scores >= c through the sorted arrays.
  const auto c = std::get<0>(p.sort());
  const auto p_sorted = c;
  const auto u_sorted = std::get<0>(u.sort());
  const auto p_at_least = double(n_p) - torch::searchsorted(p_sorted, c).to(torch::kDouble);
  const auto u_at_least = double(n_u) - torch::searchsorted(u_sorted, c).to(torch::kDouble);
  const auto q_p = p_at_least / double(n_p);
  const auto q_u = u_at_least / double(n_u);
  const double slack = std::sqrt(std::log(4 / delta) / (2.0 * double(n_u))) +
                       std::sqrt(std::log(4 / delta) / (2.0 * double(n_p)));
  const auto bound = q_u / q_p + (1 + gamma) * slack / q_p;
  const std::int64_t best = bound.argmin().item<std::int64_t>();
  BbeEstimate e;
  e.q_p = q_p[best].item<double>();
  e.q_u = q_u[best].item<double>();
  e.threshold = c[best].item<double>();
  e.prior = std::min(1.0, std::max(0.0, e.q_u / e.q_p));
  return e;
}

}  // namespace pulab
