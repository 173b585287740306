// The unbiased PU risk of du Plessis et al. (the paper's Eq. 1):
//   R = pi R_p^+ + R_u^- - pi R_p^-
// R_u^- - pi R_p^- estimates (1 - pi) R_n^- without negatives; nothing keeps it from going below
// zero, which is how a flexible model overfits (the reason nnPU exists).
// Weights multiply both averages over P (see pulab/unbiased_risk.hpp).
#include <torch/torch.h>

#include <pulab/loss.hpp>
#include <pulab/plugin.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/unbiased_risk.hpp>

namespace {

class UpuRisk final : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema() { return {pulab::loss_param("sigmoid")}; }
  explicit UpuRisk(const pulab::Params& p) : loss_(pulab::parse_loss(p.text("loss"))) {}

  pulab::RiskOutput compute(const pulab::RiskInput& in) override {
    const auto terms = pulab::unbiased_risk_terms(loss_, in);
    auto risk = terms.positive + terms.negative;
    return {risk, risk};
  }

 private:
  pulab::Loss loss_;
};

}  // namespace

PULAB_PLUGIN("upu", "1.0.0") {
  registrar.add<pulab::RiskEstimator, UpuRisk>("upu", "unbiased PU risk: pi R_p^+ + R_u^- - pi R_p^- (Eq. 1)");
}
