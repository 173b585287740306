// The unbiased PU risk of du Plessis et al. (the paper's Eq. 1):
//   R = pi R_p^+ + R_u^- - pi R_p^-
// R_u^- - pi R_p^- estimates (1 - pi) R_n^- without negatives; nothing keeps it from going below
// zero, which is how a flexible model overfits (the reason nnPU exists).
// Weights: when a SampleWeighting is present, both averages over the labeled positives (R_p^+ and
// R_p^-) use the weights w_p, i.e. the weights reweight the empirical distribution of P, so the
// estimate stays consistent with itself; R_u^- is never weighted.
#include <torch/torch.h>

#include <pulab/loss.hpp>
#include <pulab/plugin.hpp>
#include <pulab/risk_estimator.hpp>

namespace {

class UpuRisk final : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema() { return {pulab::loss_param("sigmoid")}; }
  explicit UpuRisk(const pulab::Params& p) : loss_(pulab::parse_loss(p.text("loss"))) {}

  pulab::RiskOutput compute(const pulab::RiskInput& in) override {
    auto pos_plus = pulab::loss_positive(loss_, in.scores.p);
    auto pos_minus = pulab::loss_negative(loss_, in.scores.p);
    if (in.positive_weights.defined()) {
      pos_plus = pos_plus * in.positive_weights;
      pos_minus = pos_minus * in.positive_weights;
    }
    const double pi = in.prior;
    auto risk = pi * pos_plus.mean() + pulab::loss_negative(loss_, in.scores.u).mean() - pi * pos_minus.mean();
    return {risk, risk};
  }

 private:
  pulab::Loss loss_;
};

}  // namespace

PULAB_PLUGIN("upu", "1.0.0") {
  registrar.add<pulab::RiskEstimator, UpuRisk>("upu", "unbiased PU risk: pi R_p^+ + R_u^- - pi R_p^- (Eq. 1)");
}
