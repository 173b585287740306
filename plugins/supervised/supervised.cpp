// The paper's "Sup." oracle: a binary classifier trained on the labeled positives and the TRUE
// negatives among the unlabeled data (X_p and X_n'), i.e. the unlabeled positives are dropped:
//   R = mean_P w l(g, +1) + mean_{U, y = -1} l(g, -1)
// It reads batch.u_positive, which only this baseline may do: it declares StateUse::oracle, and the
// engine gives U's labels to no run whose risk does not. A mini-batch without a single
// negative contributes 0 for the negative term (and still trains on its positives).
#include <torch/torch.h>

#include <pulab/error.hpp>
#include <pulab/loss.hpp>
#include <pulab/plugin.hpp>
#include <pulab/risk_estimator.hpp>

namespace {

class SupervisedRisk final : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema() { return {pulab::loss_param("sigmoid")}; }
  explicit SupervisedRisk(const pulab::Params& p) : loss_(pulab::parse_loss(p.text("loss"))) {}

  pulab::StateUse state_use() const override {
    pulab::StateUse use;
    use.oracle = true;
    return use;
  }

  pulab::RiskOutput compute(const pulab::RiskInput& in) override {
    if (!in.batch.u_positive.defined()) throw pulab::Error("supervised: the batch carries no true labels of U");
    auto positive = pulab::loss_positive(loss_, in.scores.p);
    if (in.positive_weights.defined()) positive = positive * in.positive_weights;
    const auto negative_mask = in.batch.u_positive.logical_not().to(in.scores.u.device());
    const auto negatives = in.scores.u.masked_select(negative_mask);
    auto risk = positive.mean();
    if (negatives.numel() > 0) risk = risk + pulab::loss_negative(loss_, negatives).mean();
    return {risk, risk};
  }

 private:
  pulab::Loss loss_;
};

}  // namespace

PULAB_PLUGIN("supervised", "1.0.0") {
  registrar.add<pulab::RiskEstimator, SupervisedRisk>(
      "supervised", "oracle PN baseline (Sup.): labeled positives vs the true negatives of U");
}
