#include "simplex.hpp"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

namespace pulab_prior {

torch::Tensor project_to_simplex(const torch::Tensor& v) {
  const auto sorted = std::get<0>(v.sort(0, /*descending=*/true));
  const auto cumulative = sorted.cumsum(0) - 1;
  const auto index = torch::arange(1, v.numel() + 1, v.options());
  // rho: the last position where sorted > (cumsum - 1) / index.
  const auto positive = (sorted - cumulative / index) > 0;
  const std::int64_t rho = positive.nonzero().max().item<std::int64_t>();
  const double tau = cumulative[rho].item<double>() / double(rho + 1);
  return (v - tau).clamp_min(0);
}

double largest_eigenvalue(const torch::Tensor& K, int iterations) {
  auto x = torch::ones({K.size(0)}, K.options()) / std::sqrt(double(K.size(0)));
  double value = 0;
  for (int i = 0; i < iterations; ++i) {
    const auto y = K.mv(x);
    value = y.norm().item<double>();
    if (value == 0) return 0;
    x = y / value;
  }
  return value;
}

SimplexQpResult nearest_in_simplex(const torch::Tensor& K, const torch::Tensor& u, double lipschitz,
                                   const torch::Tensor& start, double distance_tolerance, int max_iterations) {
  const std::int64_t n = u.numel();
  const auto Ku = K.mv(u);
  const double uKu = u.dot(Ku).item<double>();
  // f(w) = w'Kw - 2 w'Ku + u'Ku, gradient 2 (Kw - Ku).
  auto objective = [&](const torch::Tensor& Kw, const torch::Tensor& w) {
    return std::max(0.0, w.dot(Kw).item<double>() - 2 * w.dot(Ku).item<double>() + uKu);
  };
  auto w = start.defined() ? start.clone() : torch::full({n}, 1.0 / double(n), u.options());
  auto y = w.clone();
  double t = 1;
  double f_w = objective(K.mv(w), w);
  SimplexQpResult out;
  for (int it = 1; it <= max_iterations; ++it) {
    const auto Ky = K.mv(y);
    const auto next = project_to_simplex(y - (2.0 / lipschitz) * (Ky - Ku));
    const auto Kn = K.mv(next);
    const double f_next = objective(Kn, next);
    if (f_next > f_w) {  // adaptive restart: momentum took us uphill
      y = w.clone();
      t = 1;
      continue;
    }
    const double t_next = 0.5 * (1 + std::sqrt(1 + 4 * t * t));
    y = next + ((t - 1) / t_next) * (next - w);
    t = t_next;
    w = next;
    f_w = f_next;
    const auto gradient = 2 * (Kn - Ku);
    out.gap = (gradient.dot(w) - gradient.min()).item<double>();
    out.iterations = it;
    // The optimum lies in [f_w - gap, f_w]: stop once that pins the distance down.
    if (std::sqrt(f_w) - std::sqrt(std::max(0.0, f_w - out.gap)) <= distance_tolerance) break;
  }
  out.w = w;
  out.squared_distance = f_w;
  return out;
}

}  // namespace pulab_prior
