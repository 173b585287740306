// Estimator `km2`: KM2 of Ramaswamy, Scott & Tewari, "Mixture Proportion Estimation via Kernel
// Embedding of Distributions" (ICML 2016). U is the mixture F = pi H + (1 - pi) G of the positive
// distribution H (the labeled positives) and G. With phi the kernel mean embedding and C the
// convex hull of the embedded sample points, the C-distance
//   d(lambda) = min_{w in simplex} || lambda phi(F^) + (1 - lambda) phi(H^) - sum_i w_i k(x_i, .) ||
// stays near 0 while lambda phi(F) + (1 - lambda) phi(H) is a distribution (lambda <= lambda* =
// 1/(1 - pi)) and grows beyond. KM2 finds lambda^ where the slope of d first exceeds
// 1/sqrt(min(n_u, n_p)) (the paper's threshold), by bisection on [1, lambda_max] down to an
// interval of width epsilon, the slope taken over epsilon/2; pi^ = (lambda^ - 1)/lambda^.
// Kernel: Gaussian k(x, x') = exp(-|x - x'|^2 / (2 s^2)), s chosen as the paper does among
// {0.1, 0.316, 1, 3.16, 10} times the median pairwise distance, the one that maximises the RKHS
// distance || phi(F^) - phi(H^) || between the two samples.
// The QP is O(n^2) in memory and time: a random subsample of at most max_unlabeled U and
// max_positive P (800 and 400 by default, our choice; the paper's experiments use subsamples of
// similar size) is used, deterministic per run seed. The QP is solved by accelerated projected
// gradient until its duality gap pins d down to 1e-4 (a tenth of the smallest change of d the
// slope test resolves, 1/sqrt(400) * epsilon/2 = 0.001; the paper uses a generic QP solver),
// warm-started from the previous lambda's solution.
#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include <pulab/error.hpp>

#include "estimators.hpp"
#include "simplex.hpp"

namespace pulab_prior {
namespace {

torch::Tensor subsample(const torch::Tensor& x, std::int64_t at_most, torch::Generator& generator) {
  if (x.size(0) <= at_most) return x;
  return x.index_select(0, torch::randperm(x.size(0), generator, torch::kLong).slice(0, 0, at_most));
}

// The weights u_lambda: lambda/n_u on each U point, (1 - lambda)/n_p on each P point.
torch::Tensor signed_weights(double lambda, std::int64_t n_u, std::int64_t n_p) {
  auto u = torch::empty({n_u + n_p}, torch::kDouble);
  u.slice(0, 0, n_u).fill_(lambda / double(n_u));
  u.slice(0, n_u).fill_((1 - lambda) / double(n_p));
  return u;
}

}  // namespace

pulab::Schema Km2::schema() {
  using pulab::param::integer;
  using pulab::param::real;
  return {integer("max_unlabeled", 800, "unlabeled samples in the kernel subsample").at_least(10),
          integer("max_positive", 400, "labeled positives in the kernel subsample").at_least(10),
          real("lambda_max", 8, "upper end of the bisection on lambda = 1/(1 - pi)").range(1.01, 1000),
          real("epsilon", 0.04, "bisection stops at this width; the slope is taken over epsilon/2").range(1e-4, 1)};
}

Km2::Km2(const pulab::Params& p)
    : max_unlabeled_(p.integer("max_unlabeled")), max_positive_(p.integer("max_positive")),
      lambda_max_(p.real("lambda_max")), epsilon_(p.real("epsilon")) {}

pulab::PriorEstimate Km2::estimate(const pulab::PriorEstimationInput& in) {
  if (in.x_p.size(0) < 2 || in.x_u.size(0) < 2) throw pulab::Error("KM2 needs at least 2 labeled positives and 2 unlabeled samples");
  auto generator = torch::make_generator<torch::CPUGeneratorImpl>(in.seed);
  const auto u = subsample(in.x_u, max_unlabeled_, generator).to(torch::kDouble);
  const auto p = subsample(in.x_p, max_positive_, generator).to(torch::kDouble);
  const std::int64_t n_u = u.size(0), n_p = p.size(0);
  const auto x = torch::cat({u, p});
  const auto sq = x.pow(2).sum(1);
  const auto d2 = (sq.unsqueeze(1) + sq.unsqueeze(0) - 2 * x.mm(x.t())).clamp_min(0);
  const double median = std::sqrt(d2.flatten().median().item<double>());

  // Kernel width: the candidate that separates the two samples' embeddings most.
  const auto difference = signed_weights(1, n_u, n_p) - signed_weights(0, n_u, n_p);  // 1/n_u on U, -1/n_p on P
  torch::Tensor K;
  double width = 0, separation = -1;
  for (double factor : {0.1, 0.316227766, 1.0, 3.16227766, 10.0}) {
    const double s = factor * median;
    auto candidate = torch::exp(-d2 / (2 * s * s));
    const double distance = std::sqrt(std::max(0.0, difference.dot(candidate.mv(difference)).item<double>()));
    if (distance > separation) separation = distance, width = s, K = candidate;
  }
  const double lipschitz = 2 * largest_eigenvalue(K);
  const double threshold = 1.0 / std::sqrt(double(std::min(n_u, n_p)));

  torch::Tensor warm;
  auto distance = [&](double lambda) {
    const auto r = nearest_in_simplex(K, signed_weights(lambda, n_u, n_p), lipschitz, warm);
    warm = r.w;
    return std::sqrt(r.squared_distance);
  };
  double left = 1, right = lambda_max_;
  while (right - left > epsilon_) {
    const double mid = 0.5 * (left + right);
    const double slope = (distance(mid + epsilon_ / 2) - distance(mid)) * 2 / epsilon_;
    if (slope > threshold) right = mid; else left = mid;
  }
  const double lambda = 0.5 * (left + right);
  return {(lambda - 1) / lambda, fmt::format("lambda^ = {:.3f}, kernel width {:.3g} ({} U + {} P)", lambda, width,
                                             n_u, n_p)};
}

}  // namespace pulab_prior
