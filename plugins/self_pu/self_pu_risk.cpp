// Risk `self_pu`: with A the unlabeled samples of the batch still active (not pseudo-labeled) and
// S the pseudo-labeled ones, y~ in {0, 1} their pseudo-labels and pi the prior of the samples
// still in U (the selection hook updates it as samples move):
//   R = nnPU(P, A; pi) + pseudo_weight * mean_{x in S} BCE(g(x), y~(x))
// nnPU with the official correction step (pulab/unbiased_risk.hpp); BCE is the logistic loss
// softplus(-g) for y~ = 1 and softplus(g) for y~ = 0. A batch without an active unlabeled
// sample keeps the positive term and the pseudo-label term.
#include <torch/torch.h>

#include <pulab/sample_state.hpp>
#include <pulab/unbiased_risk.hpp>

#include "self_pu.hpp"

namespace pulab_self_pu {

pulab::Schema SelfPuRisk::schema() {
  return {pulab::loss_param("sigmoid"),
          pulab::param::real("beta", 0.0, "nnPU: correction when R_u^- - pi R_p^- < -beta").at_least(0),
          pulab::param::real("gamma", 1.0, "nnPU: step size of the correction").at_least(0),
          pulab::param::real("pseudo_weight", 1.0, "weight of the pseudo-labeled samples' cross-entropy").at_least(0)};
}

SelfPuRisk::SelfPuRisk(const pulab::Params& p)
    : loss_(pulab::parse_loss(p.text("loss"))), beta_(p.real("beta")), gamma_(p.real("gamma")),
      pseudo_weight_(p.real("pseudo_weight")) {}

pulab::StateUse SelfPuRisk::state_use() const {
  pulab::StateUse use;
  use.reads = {"active", "pseudo_label"};
  return use;
}

pulab::RiskOutput SelfPuRisk::compute(const pulab::RiskInput& in) {
  const pulab::Batch& batch = in.batch;
  const auto active = batch.u_of(batch.state->active);
  const pulab::Scores remaining{in.scores.p, in.scores.u.masked_select(active)};
  const pulab::RiskInput nnpu_input{remaining, in.positive_weights, in.prior, batch};
  pulab::RiskOutput out = remaining.u.numel() > 0
                              ? pulab::nonnegative_risk(pulab::unbiased_risk_terms(loss_, nnpu_input), beta_, gamma_)
                              : pulab::RiskOutput{};
  if (!out.objective.defined()) {  // no active U in the batch: the positive term alone
    const auto positive = in.prior * pulab::loss_positive(loss_, in.scores.p).mean();
    out = {positive, positive.detach()};
  }
  const auto selected = active.logical_not();
  if (pseudo_weight_ > 0 && selected.any().item<bool>()) {
    const auto g = in.scores.u.masked_select(selected);
    const auto y = batch.u_of(batch.state->pseudo_label).masked_select(selected);
    const auto bce = torch::binary_cross_entropy_with_logits(g, y.to(g.dtype()));
    out.objective = out.objective + pseudo_weight_ * bce;
    out.reported = out.reported + pseudo_weight_ * bce.detach();
  }
  return out;
}

}  // namespace pulab_self_pu
