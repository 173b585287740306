// Risk `cvir` (Conditional Value Ignoring Risk, (TED)^n's PU learner): with w(x) in {0, 1} the
// hook's keep-mark of each unlabeled sample (0 for the top pi^ fraction of U by score, which the
// hook judges most likely positive), the batch's cross-entropy of P as positive and of the kept U
// as negative:
//   R = ( sum_P l(g(x), +1) + sum_U w(x) l(g(x), -1) ) / ( |P| + sum_U w(x) )
// l is the logistic loss by default (the cross-entropy of the reference setting). Before the warm
// start ends every w is 1: P against all of U (domain discrimination).
#include <torch/torch.h>

#include <pulab/sample_state.hpp>

#include "ted.hpp"

namespace pulab_ted {

pulab::Schema CvirRisk::schema() { return {pulab::loss_param("logistic")}; }

CvirRisk::CvirRisk(const pulab::Params& p) : loss_(pulab::parse_loss(p.text("loss"))) {}

pulab::StateUse CvirRisk::state_use() const {
  pulab::StateUse use;
  use.reads = {"weight"};
  return use;
}

pulab::RiskOutput CvirRisk::compute(const pulab::RiskInput& in) {
  const auto keep = in.batch.u_of(in.batch.state->weight).to(in.scores.u.dtype());
  auto positive = pulab::loss_positive(loss_, in.scores.p);
  if (in.positive_weights.defined()) positive = positive * in.positive_weights;
  const auto negative = pulab::loss_negative(loss_, in.scores.u) * keep;
  const auto risk = (positive.sum() + negative.sum()) / (double(in.scores.p.numel()) + keep.sum());
  return {risk, risk.detach()};
}

}  // namespace pulab_ted
