// The non-negative PU risk of Kiryo et al. (the paper's Eq. 2) and nnPUSB (Kato et al.).
//   positive risk  P = pi R_p^+
//   negative risk  N = R_u^- - pi R_p^-
//   R = P + max(0, N)
// The step follows the official Chainer code, not the max() literally: when N < -beta the
// minibatch is used for a correction step that backpropagates only -gamma * N (gradient ascent on
// the negative part, pushing it back up towards zero; the positive risk gets no gradient in that
// step). Otherwise the objective is P + N. The reported risk is always Eq. 2, P + max(0, N), so
// logged risks of different runs mean the same thing (the official code logs P - beta in the
// correction step, which differs from Eq. 2 only when beta > 0).
// Some PyTorch ports also backpropagate P in the correction step; the official code does not.
// Weights of the labeled positives multiply both averages over P (see pulab/unbiased_risk.hpp);
// positive_weights_on = "positive_risk" (not in any paper: pulab's transfer experiments) weights
// only pi R_p^+.
//
// nnPUSB trains exactly like nnPU (logistic loss by default) but does not call sign(g): it
// classifies as positive the top pi fraction of the unlabeled training data, i.e. the threshold
// is the (1 - pi) quantile of g on U. The original code takes that quantile on the test set;
// pulab takes it on the unlabeled training scores (no test data may shape the classifier).
#include <torch/torch.h>

#include <pulab/loss.hpp>
#include <pulab/plugin.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/unbiased_risk.hpp>

namespace {

class NnpuRisk : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema() { return schema_with("sigmoid"); }
  explicit NnpuRisk(const pulab::Params& p)
      : loss_(pulab::parse_loss(p.text("loss"))), beta_(p.real("beta")), gamma_(p.real("gamma")),
        weights_on_(p.text("positive_weights_on") == "positive_risk" ? pulab::PositiveWeightsOn::kPositiveRiskOnly
                                                                     : pulab::PositiveWeightsOn::kBothAverages) {}

  pulab::RiskOutput compute(const pulab::RiskInput& in) override {
    return pulab::nonnegative_risk(pulab::unbiased_risk_terms(loss_, in, weights_on_), beta_, gamma_);
  }

 protected:
  static pulab::Schema schema_with(const std::string& default_loss) {
    return {pulab::loss_param(default_loss),
            pulab::param::real("beta", 0.0, "correction when R_u^- - pi R_p^- < -beta").at_least(0),
            pulab::param::real("gamma", 1.0, "step size of the correction (gradient ascent on the negative risk)")
                .at_least(0),
            pulab::param::text("positive_weights_on", "both",
                               "which averages over P a weighting multiplies: both (R_p^+ and R_p^-) or positive_risk")
                .one_of({"both", "positive_risk"})};
  }

 private:
  pulab::Loss loss_;
  double beta_, gamma_;
  pulab::PositiveWeightsOn weights_on_;
};

class NnpusbRisk final : public NnpuRisk {
 public:
  static pulab::Schema schema() { return schema_with("logistic"); }
  explicit NnpusbRisk(const pulab::Params& p) : NnpuRisk(p) {}

  bool needs_calibration() const override { return true; }

  // x is positive iff g(x) > the (1 - pi) quantile of g on the unlabeled training data, so a pi
  // fraction of U is called positive.
  double decision_threshold(const pulab::CalibrationInput& in) const override {
    if (!in.unlabeled_scores.defined() || in.unlabeled_scores.numel() == 0) return 0.0;
    const double q = std::min(1.0, std::max(0.0, 1.0 - in.prior));
    return torch::quantile(in.unlabeled_scores.reshape({-1}).to(torch::kDouble), q).item<double>();
  }
};

}  // namespace

PULAB_PLUGIN("nnpu", "1.0.0") {
  registrar.add<pulab::RiskEstimator, NnpuRisk>(
      "nnpu", "non-negative PU risk: pi R_p^+ + max(0, R_u^- - pi R_p^-) (Eq. 2), official correction step");
  registrar.add<pulab::RiskEstimator, NnpusbRisk>(
      "nnpusb", "nnPU (logistic loss) with the threshold that calls the top pi fraction of U positive");
}
