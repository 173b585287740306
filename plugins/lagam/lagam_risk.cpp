// Risk `lagam`: LaGAM's classification term (the authors' train.py, loss_cls), the class-balanced
// soft BCE (balanced_bce.cpp) of the batch P u U against its targets:
//   R = balanced_bce(g(P u U); t1 = (w_p, y_u), t0 = (0, 1 - y_u)),
// y_u = the state column pseudo_label of the batch's unlabeled samples (0 during the warm-up,
// then moved towards the meta labels by the hook `lagam_meta`, which writes it), w_p = the
// positive weights of a SampleWeighting (1 without one): the labeled positives' target is 1.
// Choices beyond the code: P keeps target 1 by construction rather than by the code's
// re-labelling of rows whose stored label is exactly 1; positive weights reweight P's mass in the
// class +1 average (pulab's convention for every risk). Reads state, so the evaluation's PU-risk
// criterion is recorded as null for this risk.
#include <torch/types.h>

#include <pulab/sample_state.hpp>

#include "lagam.hpp"

namespace pulab_lagam {

pulab::Schema LagamRisk::schema() { return {}; }

LagamRisk::LagamRisk(const pulab::Params&) {}

pulab::StateUse LagamRisk::state_use() const {
  pulab::StateUse use;
  use.reads = {"pseudo_label"};
  return use;
}

pulab::RiskOutput LagamRisk::compute(const pulab::RiskInput& in) {
  const auto& g_p = in.scores.p;
  const auto& g_u = in.scores.u;
  const auto w_p = in.positive_weights.defined() ? in.positive_weights.to(g_p.dtype()) : torch::ones_like(g_p);
  const auto y_u = in.batch.u_of(in.batch.state->pseudo_label).to(g_u.dtype());
  const auto g = torch::cat({g_p, g_u});
  const auto t1 = torch::cat({w_p, y_u});
  const auto t0 = torch::cat({torch::zeros_like(g_p), 1.0 - y_u});
  const auto loss = balanced_bce(g, t1, t0);
  return {loss, loss.detach()};
}

}  // namespace pulab_lagam
