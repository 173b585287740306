// Regularizer `lagam_mixup`: LaGAM's mixup term (the authors' train.py, loss_mix, in the warm-up
// and after it). The batch P u U with targets y (P: 1, U: pseudo_label, which the hook
// `lagam_meta` has just updated) is mixed with a random permutation of itself,
//   lambda ~ Beta(alpha, alpha), lambda <- max(lambda, 1 - lambda),
//   x~ = lambda x + (1 - lambda) x_perm,   y~ = lambda y + (1 - lambda) y_perm,
//   penalty = weight * balanced_bce(g(x~); y~, 1 - y~)        (balanced_bce.cpp)
// one lambda per batch (code: np.random.beta(4, 4) once per step, alpha = 4, mix_weight = 1).
// The balanced BCE is not linear in its targets, so the mixed targets enter the loss (as in the
// authors' code) rather than lambda BCE(y) + (1 - lambda) BCE(y_perm) (PU-Bench's port).
// Randomness: lambda from two Gamma draws (torch::_standard_gamma) and the permutation
// (torch::randperm), both on the global generator; the positive weights of a SampleWeighting are
// not used here (the mixed targets are labels, not weights).
#include <algorithm>

#include <torch/types.h>

#include <pulab/sample_state.hpp>

#include "lagam.hpp"

namespace pulab_lagam {

namespace {

double sample_beta(double alpha) {
  const auto g = torch::_standard_gamma(torch::full({2}, alpha, torch::kDouble));
  const double a = g[0].item<double>(), b = g[1].item<double>();
  return a + b > 0 ? a / (a + b) : 0.5;  // both draws can underflow for a tiny alpha
}

}  // namespace

pulab::Schema LagamMixup::schema() {
  return {pulab::param::real("weight", 1.0, "weight of the mixup loss (code: mix_weight = 1)").at_least(0),
          pulab::param::real("alpha", 4.0, "lambda ~ Beta(alpha, alpha) (code: 4)").range(1e-3, 1e3)};
}

LagamMixup::LagamMixup(const pulab::Params& p) : weight_(p.real("weight")), alpha_(p.real("alpha")) {}

pulab::StateUse LagamMixup::state_use() const {
  pulab::StateUse use;
  use.reads = {"pseudo_label"};
  return use;
}

torch::Tensor LagamMixup::mixed_loss(pulab::ScoreModel& model, const pulab::Batch& batch, double lambda,
                                     const torch::Tensor& permutation) const {
  const auto x = torch::cat({batch.x_p, batch.x_u});
  const auto y_u = batch.u_of(batch.state->pseudo_label);
  const auto y = torch::cat({torch::ones({batch.x_p.size(0)}, y_u.options()), y_u});
  const auto perm = permutation.to(x.device());
  const auto x_mix = lambda * x + (1.0 - lambda) * x.index_select(0, perm);
  const auto y_mix = lambda * y + (1.0 - lambda) * y.index_select(0, perm);
  const auto g = model.forward(x_mix).reshape({-1}).to(torch::kFloat);
  const auto t = y_mix.to(g.dtype());
  return weight_ * balanced_bce(g, t, 1.0 - t);
}

torch::Tensor LagamMixup::penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores&,
                                  const pulab::Progress&) {
  if (weight_ == 0) return {};
  double lambda = sample_beta(alpha_);
  lambda = std::max(lambda, 1.0 - lambda);
  const auto n = batch.x_p.size(0) + batch.x_u.size(0);
  const auto permutation = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong));
  return mixed_loss(model, batch, lambda, permutation);
}

}  // namespace pulab_lagam
