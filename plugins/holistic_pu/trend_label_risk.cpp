// Risk `holistic_pu` (Wang et al., NeurIPS 2023): the binary cross-entropy of the labeled
// positives as positive and of each unlabeled sample against its target y~ in [0, 1], read from
// state.pseudo_label (written by the hook `predictive_trend`):
//   R = mean_P w_p l(g(x), +1) + mean_U [ y~(x) l(g(x), +1) + (1 - y~(x)) l(g(x), -1) ]
// l is the logistic loss log(1 + e^{-yz}) by default (the cross-entropy of the paper's two-logit
// softmax classifier, written for one score g = logit of p(y=+1|x)); any margin loss of
// pulab/loss.hpp may be chosen. During the recording phase the hook keeps y~ = 0: "treat the
// unlabeled data as negative" with batches balanced by resampling P (the sampler's job); after
// it, y~ is the trend label (times the label ramp, if any). The two means are added with equal
// weight, as the authors' code adds its P and U cross-entropies of equal-sized batches.
// w_p are the weighting's positive weights (none in the composition). The class prior is not
// used: Holistic-PU needs none. Choices beyond the paper: the authors' label smoothing of the
// positives (rho = 0.1) and the weak/strong augmentation pair are left out (pulab has no data
// augmentation); the code's confidence-masked consistency term of phase 2 likewise.
#include <torch/types.h>

#include <pulab/sample_state.hpp>

#include "holistic_pu.hpp"

namespace pulab_holistic_pu {

pulab::Schema TrendLabelRisk::schema() { return {pulab::loss_param("logistic")}; }

TrendLabelRisk::TrendLabelRisk(const pulab::Params& p) : loss_(pulab::parse_loss(p.text("loss"))) {}

pulab::StateUse TrendLabelRisk::state_use() const {
  pulab::StateUse use;
  use.reads = {"pseudo_label"};
  return use;
}

pulab::RiskOutput TrendLabelRisk::compute(const pulab::RiskInput& in) {
  const auto& g_p = in.scores.p;
  const auto& g_u = in.scores.u;
  torch::Tensor risk = torch::zeros({}, g_u.defined() ? g_u.options() : g_p.options());
  if (g_p.numel() > 0) {
    auto positive = pulab::loss_positive(loss_, g_p);
    if (in.positive_weights.defined()) positive = positive * in.positive_weights;
    risk = risk + positive.mean();
  }
  if (g_u.numel() > 0) {
    const auto target = in.batch.u_of(in.batch.state->pseudo_label).to(g_u.dtype());
    const auto unlabeled = target * pulab::loss_positive(loss_, g_u) + (1 - target) * pulab::loss_negative(loss_, g_u);
    risk = risk + unlabeled.mean();
  }
  return {risk, risk.detach()};
}

}  // namespace pulab_holistic_pu
