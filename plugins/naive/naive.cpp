// The naive PU risk: every unlabeled sample is treated as negative (Eq. 7 without the penalty):
//   R = mean_P w_p l(g, +1) + mean_U l(g, -1)
// The weights w_p come from the SampleWeighting (GradPU's positive upweighting), 1 without one.
#include <torch/torch.h>

#include <pulab/loss.hpp>
#include <pulab/plugin.hpp>
#include <pulab/risk_estimator.hpp>

namespace {

class NaiveRisk final : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema() { return {pulab::loss_param("sigmoid")}; }
  explicit NaiveRisk(const pulab::Params& p) : loss_(pulab::parse_loss(p.text("loss"))) {}

  pulab::RiskOutput compute(const pulab::RiskInput& in) override {
    auto positive = pulab::loss_positive(loss_, in.scores.p);
    if (in.positive_weights.defined()) positive = positive * in.positive_weights;
    auto risk = positive.mean() + pulab::loss_negative(loss_, in.scores.u).mean();
    return {risk, risk};
  }

 private:
  pulab::Loss loss_;
};

}  // namespace

PULAB_PLUGIN("naive", "1.0.0") {
  registrar.add<pulab::RiskEstimator, NaiveRisk>("naive", "all unlabeled data as negative: mean_P w l(g,+1) + mean_U l(g,-1)");
}
