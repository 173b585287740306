// LBE (Gong et al., TPAMI 2021), risk `lbe`: the classifier's M-step objective on one batch.
//
// EM epochs (0-based epoch >= the warm-up epochs W, lbe_em.cpp): with q the E-step's posterior P(y = 1 | s, x) that
// the hook half (lbe_em.cpp) wrote into the state column `pseudo_label` at the epoch's start (1 for
// every labeled positive), the M-step maximises the expected complete-data log-likelihood of the
// classifier h = sigmoid(g), i.e. minimises the cross-entropy against the soft label q:
//   l_i = q_i softplus(-g_i) + (1 - q_i) softplus(g_i)          (= -q log h - (1 - q) log(1 - h))
//   objective = mean of l_i over the batch (P and U)            [keep_fraction = 1]
// Warm-up epochs (epoch < W): the observed-label pre-training, P against U with the
// class-balanced weights of lbe.hpp (rho = n_L / (n_L + n_U)):
//   objective = mean_batch [ 1/(2 rho) softplus(-g_P) ; 1/(2 (1 - rho)) softplus(g_U) ]
//
// Choices beyond the paper (docs/methods.md; the authors' LBE_MLP code as PU-Bench describes and
// ports it, train/lbe/core.py, config/methods/lbe.yaml):
// - keep_fraction < 1 (the authors' code: 0.8) keeps only the max(1, floor(keep_fraction n))
//   samples of the batch with the smallest l_i ("small-loss" update) in the EM epochs; the
//   ranking is taken per batch (the code ranks a random 10% of the training set per M-step).
//   keep_fraction = 1, the default, is EM as written.
// - The pre-training loss is the code's (1 - rho) / rho-weighted one scaled by 1 / (2 rho (1 - rho))
//   so that its mean weight is 1 (with Adam only the weight decay sees the scale); no trimming in
//   the warm-up (the code has none there).
// - Exact, stable forms (softplus) instead of the code's log(p + 1e-5).
// - Weights of a [weighting] multiply the labeled positives' terms (pulab's convention).
// The reported risk is the objective. The decision rule is the paper's: h(x) > 1/2, i.e. sign(g).
#include <algorithm>
#include <cmath>

#include <torch/types.h>

#include <pulab/sample_state.hpp>

#include "lbe.hpp"

namespace pulab_lbe {

pulab::RiskOutput Lbe::compute(const pulab::RiskInput& in) {
  const pulab::Batch& batch = in.batch;
  const auto& g_p = in.scores.p;
  const auto& g_u = in.scores.u;
  torch::Tensor positive, unlabeled;
  const bool warm = warming_up(batch.progress.epoch);
  if (warm) {
    const auto [w_labeled, w_unlabeled] = balanced_weights(batch.state->n_labeled(), batch.state->n_unlabeled());
    positive = w_labeled * torch::softplus(-g_p);
    unlabeled = w_unlabeled * torch::softplus(g_u);
  } else {
    const auto q = batch.u_of(batch.state->pseudo_label).to(g_u.dtype());
    positive = torch::softplus(-g_p);  // q = 1 on the labeled positives
    unlabeled = q * torch::softplus(-g_u) + (1 - q) * torch::softplus(g_u);
  }
  if (in.positive_weights.defined()) positive = positive * in.positive_weights.to(positive.dtype());
  const auto losses = torch::cat({positive, unlabeled});
  torch::Tensor objective;
  const std::int64_t n = losses.numel();
  const std::int64_t keep = std::max<std::int64_t>(1, std::int64_t(std::floor(keep_fraction_ * double(n))));
  if (!warm && keep < n) {
    const auto kept = std::get<1>(losses.detach().topk(keep, 0, /*largest=*/false));
    objective = losses.index_select(0, kept).mean();
  } else {
    objective = losses.mean();
  }
  return {objective, objective.detach()};
}

}  // namespace pulab_lbe
