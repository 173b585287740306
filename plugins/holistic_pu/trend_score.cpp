// Holistic-PU's trend score (Wang et al., NeurIPS 2023: the scores of an unlabeled sample over
// training read as a temporal point process; the trend score is a robust mean of the score
// changes, which the paper proves asymptotically unbiased).
//
// For one sample with predicted probabilities s_1, ..., s_T (one per recorded epoch) and changes
// d_t = s_t - s_{t-1} (t = 2..T):
//   `catoni` (default): Catoni's robust mean, the mu that solves
//        sum_t psi(alpha (d_t - mu)) = 0,   psi(x) = sign(x) log(1 + |x| + x^2 / 2).
//     psi is odd and increasing, psi(x) = x + O(x^3), so small changes count at face value and a
//     few large jumps (a batch that happened to push the score) are damped; as alpha -> 0 the
//     estimate tends to the plain mean of the changes. The sum decreases in mu and changes sign on
//     [min d, max d]: 64 bisection steps on that interval, all samples at once (the bracket shrinks
//     to 2^-64 of its width: exact in double for d in [-1, 1]).
//   `simplified`: mean_t log(1 + d_t + d_t^2 / 2), the form in the authors' code (wxr99/HolisticPU
//     train.py; its README: "the provided code is much implemented on the simplified version of TS
//     score, as it's a bit faster and achieves similar results"): psi's upper envelope applied to
//     each change, averaged, without solving for mu. 1 + d + d^2/2 >= 1/2, so it is always finite.
// Choices beyond the paper: alpha is a parameter (default 1, the changes of probabilities lie in
// [-1, 1]); the paper's text was not at hand when this was written (see docs/methods.md), so the
// `catoni` form is this implementation's reading of "a robust mean estimator of the changes".
// Everything is computed in double precision.
#include <torch/types.h>

#include <pulab/error.hpp>

#include "holistic_pu.hpp"

namespace pulab_holistic_pu {

namespace {

torch::Tensor changes(const torch::Tensor& scores) {
  if (scores.dim() != 2 || scores.size(1) < 2) {
    throw pulab::Error("holistic_pu: a trend needs at least two recorded scores per sample");
  }
  const auto s = scores.to(torch::kDouble);
  return s.slice(1, 1) - s.slice(1, 0, -1);
}

}  // namespace

torch::Tensor catoni_psi(const torch::Tensor& x) {
  return torch::sign(x) * torch::log1p(x.abs() + 0.5 * x.square());
}

torch::Tensor catoni_trend(const torch::Tensor& scores, double alpha) {
  const auto d = changes(scores);
  auto lo = std::get<0>(d.min(1));
  auto hi = std::get<0>(d.max(1));
  for (int i = 0; i < 64; ++i) {
    const auto mid = 0.5 * (lo + hi);
    const auto above = catoni_psi(alpha * (d - mid.unsqueeze(1))).sum(1) > 0;  // the root lies above mid
    lo = torch::where(above, mid, lo);
    hi = torch::where(above, hi, mid);
  }
  return 0.5 * (lo + hi);
}

torch::Tensor simplified_trend(const torch::Tensor& scores) {
  const auto d = changes(scores);
  return torch::log1p(d + 0.5 * d.square()).mean(1);
}

}  // namespace pulab_holistic_pu
