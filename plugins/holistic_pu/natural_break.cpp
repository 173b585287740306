// Holistic-PU's threshold on the trend scores (Wang et al., NeurIPS 2023): Fisher's natural break
// (Jenks) into two classes, which the paper uses so that no threshold and no class prior has to
// be chosen: with the values sorted, v_(1) <= ... <= v_(n), the split after k values minimises
//   SSD(k) = sum_{i<=k} (v_(i) - mean_low)^2 + sum_{i>k} (v_(i) - mean_high)^2,   k = 1..n-1,
// and the break is v_(k) (the largest value of the lower class, as jenkspy's jenks_breaks returns
// it), so `value > break` is the upper class. For two classes the exact optimum needs only the
// sort and prefix sums, O(n log n) (the paper's "modified Fisher's natural break with lower time
// complexity" serves the same end; its exact algorithm is not reproduced). The sums are taken of
// centred values in double precision, on the CPU. Ties between splits go to the smallest k.
#include <torch/types.h>

#include <pulab/error.hpp>

#include "holistic_pu.hpp"

namespace pulab_holistic_pu {

double natural_break(const torch::Tensor& values) {
  const std::int64_t n = values.numel();
  if (n < 2) throw pulab::Error("holistic_pu: the natural break needs at least two trend scores");
  auto v = std::get<0>(values.reshape({-1}).to(torch::kCPU, torch::kDouble).sort());  // CPU: one tie rule
  const auto centred = v - v.mean();
  const auto s1 = centred.cumsum(0), s2 = centred.square().cumsum(0);
  const auto k = torch::arange(1, n, v.options());  // size of the lower class
  const auto low_s1 = s1.slice(0, 0, n - 1), low_s2 = s2.slice(0, 0, n - 1);
  const auto high_s1 = s1[n - 1] - low_s1, high_s2 = s2[n - 1] - low_s2;
  const auto ssd = (low_s2 - low_s1.square() / k) + (high_s2 - high_s1.square() / (double(n) - k));
  const auto best = ssd.argmin().item<std::int64_t>();  // k = best + 1
  return v[best].item<double>();
}

}  // namespace pulab_holistic_pu
