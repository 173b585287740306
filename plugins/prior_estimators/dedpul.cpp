// Estimator `dedpul`: DEDPUL (Ivanov, "DEDPUL: Difference-of-Estimated-Densities-based
// Positive-Unlabeled Learning", ICMLA 2020), the prior part.
// With y(x) the out-of-fold P-vs-U classifier score and f_p, f_u the densities of y over labeled
// positives and unlabeled samples, f_u = pi f_p + (1 - pi) f_n, so the density ratio
// r(x) = f_p(y(x)) / f_u(y(x)) bounds the prior: pi r(x) = P(positive | x, unlabeled) <= 1.
//   1. densities: Gaussian kernel density estimates of z = logit(y) (the paper estimates in logit
//      space); bandwidth = factor * std(z) with factors 0.1 (P) and 0.05 (U), the paper's defaults.
//      Both are binned KDEs on a grid of 4096 points of z, interpolated linearly at the samples
//      (exact KDE on n_u^2 pairs takes minutes at MNIST's n_u; binning is Silverman's standard
//      approximation, negligible when the grid step is far below the bandwidth).
//   2. r at every unlabeled sample, capped at 50; sorted by score and smoothed: a running median of
//      11 values; above the midpoint of the mean scores of P and U a running maximum (r may not
//      fall as the score rises); a running median of n_u/10 + 1 values; finally sorted so that r
//      rises with the score (the paper's monotonisation; its extra "monotonizing trends" pass is
//      not done: the final sort already makes r monotone).
//   3. the prior, with posteriors p_i(pi) = min(1, pi r_i) (the paper works with the negative
//      share alpha_n = 1 - pi and posteriors 1 - p_i):
//      "converge": from pi = 1, pi <- mean_i p_i(pi) until it moves less than 1e-5 or no p_i is
//      capped (at most 1000 rounds);
//      "non-converge": on the grid alpha_n in {0, 0.001, ..., 0.999}, e(alpha_n) = mean(1 - p_i) -
//      alpha_n; among grid points with e < max_diff = 0.05 the one where e bends most (largest
//      second difference);
//      the converge value is kept when the non-converge alpha_n is at least as large, or when e
//      is negative at more than one grid point and the converge alpha_n < 0.999; otherwise the
//      non-converge value. These choices follow the paper's EM procedure and its code's defaults.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <torch/torch.h>

#include <pulab/error.hpp>

#include "estimators.hpp"

namespace pulab_prior {
namespace {

constexpr std::int64_t kGridPoints = 4096;

torch::Tensor logit_of(const torch::Tensor& y) {
  const auto c = y.clamp(1e-12, 1 - 1e-12);
  return torch::log(c) - torch::log1p(-c);
}

// Gaussian KDE of `samples` with bandwidth h on an evenly spaced `grid`, binned: each sample's unit
// mass is split linearly between its two grid points, then convolved with the kernel sampled on the
// grid (Silverman's binned KDE; with the grid step far below h its error is negligible, and it costs
// O(n + grid * kernel) instead of O(n * grid)).
torch::Tensor kde_on_grid(const torch::Tensor& samples, double h, const torch::Tensor& grid) {
  const std::int64_t g = grid.numel();
  const double lo = grid[0].item<double>(), step = (grid[-1].item<double>() - lo) / double(g - 1);
  const auto pos = ((samples - lo) / step).clamp(0, double(g - 1) - 1e-9);
  const auto left = pos.floor().to(torch::kLong);
  const auto frac = pos - left.to(torch::kDouble);
  auto mass = torch::zeros({g}, torch::kDouble);
  mass.index_add_(0, left, 1 - frac);
  mass.index_add_(0, left + 1, frac);
  const std::int64_t half = std::min<std::int64_t>(g - 1, static_cast<std::int64_t>(std::ceil(5 * h / step)));
  const auto offsets = torch::arange(-half, half + 1, torch::kDouble) * step / h;
  const auto kernel = torch::exp(-0.5 * offsets * offsets) / (h * std::sqrt(2 * M_PI));
  const auto density = torch::conv1d(mass.view({1, 1, g}), kernel.view({1, 1, -1}), {}, 1, half).view({g});
  return density / double(samples.numel());
}

// Linear interpolation of values on an evenly spaced grid at points x.
torch::Tensor interpolate(const torch::Tensor& grid, const torch::Tensor& values, const torch::Tensor& x) {
  const double lo = grid[0].item<double>(), step = (grid[-1].item<double>() - lo) / double(grid.numel() - 1);
  const auto pos = ((x - lo) / step).clamp(0, double(grid.numel() - 1) - 1e-9);
  const auto left = pos.floor().to(torch::kLong);
  const auto frac = pos - left.to(torch::kDouble);
  return values.index_select(0, left) * (1 - frac) + values.index_select(0, left + 1) * frac;
}

// Running (lower) median with half-width k, shorter windows at the ends: the window's sorted
// element (size - 1) / 2, kept in two multisets (the lower half `low` holds (size + 1) / 2 values),
// O(n log k).
std::vector<double> running_median(const std::vector<double>& v, std::int64_t k) {
  const std::int64_t n = static_cast<std::int64_t>(v.size());
  std::multiset<double> low, high;
  auto rebalance = [&] {
    const std::size_t size = low.size() + high.size(), want = (size + 1) / 2;
    while (low.size() > want) high.insert(*std::prev(low.end())), low.erase(std::prev(low.end()));
    while (low.size() < want && !high.empty()) low.insert(*high.begin()), high.erase(high.begin());
  };
  auto add = [&](double x) {
    if (!low.empty() && x <= *std::prev(low.end())) low.insert(x); else high.insert(x);
    rebalance();
  };
  auto remove = [&](double x) {
    if (auto it = low.find(x); it != low.end() && x <= *std::prev(low.end())) low.erase(it);
    else high.erase(high.find(x));
    rebalance();
  };
  std::vector<double> out(v.size());
  std::int64_t a = 0, b = 0;  // the window [a, b)
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t want_a = std::max<std::int64_t>(0, i - k), want_b = std::min<std::int64_t>(n, i + k + 1);
    while (b < want_b) add(v[b++]);
    while (a < want_a) remove(v[a++]);
    out[i] = *std::prev(low.end());
  }
  return out;
}

// Steps 1-2: r at every unlabeled sample, in ascending order of its score.
torch::Tensor density_ratio(const torch::Tensor& p_scores, const torch::Tensor& u_scores, double bw_p, double bw_u,
                            double max_ratio) {
  const auto z_p = logit_of(p_scores), z_u = logit_of(u_scores);
  const double h_p = std::max(1e-6, bw_p * z_p.std().item<double>());
  const double h_u = std::max(1e-6, bw_u * z_u.std().item<double>());
  const double lo = std::min(z_p.min().item<double>(), z_u.min().item<double>()) - 4 * std::max(h_p, h_u);
  const double hi = std::max(z_p.max().item<double>(), z_u.max().item<double>()) + 4 * std::max(h_p, h_u);
  const auto grid = torch::linspace(lo, hi, kGridPoints, torch::kDouble);
  const auto f_p = kde_on_grid(z_p, h_p, grid), f_u = kde_on_grid(z_u, h_u, grid);
  const auto z_sorted = std::get<0>(z_u.sort());
  const auto ratio = (interpolate(grid, f_p, z_sorted) / interpolate(grid, f_u, z_sorted).clamp_min(1e-300))
                         .clamp_max(max_ratio);
  std::vector<double> r(ratio.data_ptr<double>(), ratio.data_ptr<double>() + ratio.numel());
  r = running_median(r, 5);
  // Above the midpoint of the mean scores the ratio may only rise with the score.
  const double midpoint = 0.5 * (p_scores.mean().item<double>() + u_scores.mean().item<double>());
  const auto y_sorted = torch::sigmoid(z_sorted);
  const auto* y = y_sorted.data_ptr<double>();
  for (std::size_t i = 1; i < r.size(); ++i)
    if (y[i] >= midpoint && y[i - 1] >= midpoint) r[i] = std::max(r[i], r[i - 1]);
  r = running_median(r, static_cast<std::int64_t>(r.size()) / 20);
  std::sort(r.begin(), r.end());
  return torch::tensor(r, torch::kDouble);
}

// Mean negative posterior minus alpha_n, for negative share alpha_n.
double negative_posterior_mean(const torch::Tensor& r, double alpha_n) {
  return (1 - r * (1 - alpha_n)).clamp_min(0).mean().item<double>();
}

}  // namespace

pulab::Schema Dedpul::schema() {
  using pulab::param::real;
  return {real("bandwidth_p", 0.1, "KDE bandwidth of the positives' logit scores, times their std").range(1e-3, 10),
          real("bandwidth_u", 0.05, "KDE bandwidth of the unlabeled logit scores, times their std").range(1e-3, 10),
          real("max_ratio", 50, "cap of the density ratio f_p/f_u").range(1, 1e6),
          real("max_diff", 0.05, "non-converge search: largest mean-posterior excess allowed").range(0, 1),
          real("step", 0.001, "non-converge search: grid step of the negative share").range(1e-4, 0.1)};
}

Dedpul::Dedpul(const pulab::Params& p)
    : bandwidth_p_(p.real("bandwidth_p")), bandwidth_u_(p.real("bandwidth_u")), max_ratio_(p.real("max_ratio")),
      max_diff_(p.real("max_diff")), step_(p.real("step")) {}

pulab::PriorEstimate Dedpul::estimate(const pulab::PriorEstimationInput& in) {
  if (in.p_scores.numel() < 2 || in.u_scores.numel() < 2) throw pulab::Error("DEDPUL needs scores of P and U");
  const auto r = density_ratio(in.p_scores, in.u_scores, bandwidth_p_, bandwidth_u_, max_ratio_);

  // "Converge": the fixed point of the EM update, from alpha_n = 0.
  double converge = 0;
  for (int round = 0; round < 1000; ++round) {
    const auto posterior = (1 - r * (1 - converge)).clamp_min(0);
    const double mean = posterior.mean().item<double>();
    if (std::abs(mean - converge) < 1e-5 || posterior.min().item<double>() > 0) break;
    converge = mean;
  }
  // "Non-converge": where the excess e(alpha_n) bends most.
  std::vector<double> grid, excess;
  for (double a = 0; a < 1 - 1e-12; a += step_) {
    grid.push_back(a);
    excess.push_back(negative_posterior_mean(r, a) - a);
  }
  double nonconverge = converge;
  double best_bend = -1e300;
  int negative = 0;
  for (double e : excess) negative += e < 0;
  for (std::size_t i = 1; i + 1 < grid.size(); ++i) {
    const double bend = excess[i + 1] - 2 * excess[i] + excess[i - 1];
    if (excess[i] < max_diff_ && bend > best_bend) best_bend = bend, nonconverge = grid[i];
  }
  const bool keep_converge = nonconverge >= converge || (negative > 1 && converge < 1 - step_);
  const double alpha_n = keep_converge ? converge : nonconverge;
  return {1 - alpha_n, fmt::format("{} (converge pi = {:.4f}, non-converge pi = {:.4f})",
                                   keep_converge ? "converge" : "non-converge", 1 - converge, 1 - nonconverge)};
}

}  // namespace pulab_prior
