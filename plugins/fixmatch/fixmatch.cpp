// Regularizer and hook `fixmatch`: FixMatch's unlabeled term (Sohn et al., NeurIPS 2020, Eq. 4)
// for a binary score g, added to any PU method's objective:
//   q_i   = sigmoid(g(alpha(u_i)))             on a weak view alpha of each unlabeled sample, no gradient
//   y^_i  = 1[q_i > 1/2],  m_i = 1[max(q_i, 1 - q_i) >= tau]
//   R_fm  = lambda * (1/|U_b|) sum_i m_i * l(g(A(u_i)), y^_i)
// with A a strong view and l the logistic loss (binary cross-entropy on the logit). As in the
// paper the mean is over all of the batch's U (masked samples count as zero), lambda is constant,
// and the pseudo-label is hard and carries no gradient. The views come from the run's
// [augmentation.<weak_role>] and [augmentation.<strong_role>] tables (asked for at run start, so
// the step looks nothing up); weak_role = "" uses u itself as the weak view (FixMatch's weak
// flip-and-shift has no tabular analogue). The PU method's own risk still treats U as it does;
// this term only adds consistency on U's confident samples.
// Choices beyond the paper: it applies to U only (P's labels are known; FixMatch's labeled term is
// the method's own risk); q is computed in the model's current mode (train: dropout as in FixMatch's
// forward pass of the weak batch); no EMA model for evaluation.
#include <torch/torch.h>

#include <pulab/augmentation.hpp>
#include <pulab/loss.hpp>
#include <pulab/model.hpp>
#include <pulab/plugin.hpp>
#include <pulab/regularizer.hpp>
#include <pulab/training_hook.hpp>

namespace {

class FixMatch final : public pulab::Regularizer, public pulab::TrainingHook {
 public:
  static pulab::Schema schema() {
    return {pulab::param::real("weight", 1.0, "lambda_u: the term's weight (FixMatch: 1)").at_least(0),
            pulab::param::real("threshold", 0.95, "tau: confidence above which a weak view's label is kept (FixMatch: 0.95)")
                .range(0.5, 1),
            pulab::param::text("weak_role", "weak", "the [augmentation.<role>] of the weak view; \"\" = the sample itself"),
            pulab::param::text("strong_role", "strong", "the [augmentation.<role>] of the strong view")};
  }

  explicit FixMatch(const pulab::Params& p)
      : weight_(p.real("weight")), threshold_(p.real("threshold")), weak_role_(p.text("weak_role")),
        strong_role_(p.text("strong_role")) {
    if (strong_role_.empty()) throw pulab::ConfigError("regularizer fixmatch: strong_role must name an augmentation");
  }

  pulab::StateUse state_use() const override { return {}; }

  void on_run_start(pulab::TrainingContext& context) override {
    weak_ = weak_role_.empty() ? nullptr : &context.augmentation(weak_role_);
    strong_ = &context.augmentation(strong_role_);
  }

  torch::Tensor penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores& scores,
                        const pulab::Progress& /*progress*/) override {
    if (weight_ == 0 || batch.x_u.size(0) == 0) return {};
    torch::Tensor label, confident;
    {
      torch::NoGradGuard no_grad;
      const auto q = torch::sigmoid(weak_ ? model.forward(weak_->apply(batch.x_u)).reshape({-1}).to(torch::kFloat)
                                          : scores.u.detach().to(torch::kFloat));
      label = q > 0.5;
      confident = (torch::max(q, 1 - q) >= threshold_).to(torch::kFloat);
    }
    const auto g_strong = model.forward(strong_->apply(batch.x_u)).reshape({-1}).to(torch::kFloat);
    // Logistic loss of the strong view's score against the hard label: softplus(-g) for 1, softplus(g) for 0.
    const auto loss = torch::where(label, pulab::loss_positive(pulab::Loss::Logistic, g_strong),
                                   pulab::loss_negative(pulab::Loss::Logistic, g_strong));
    return weight_ * (confident * loss).mean();
  }

 private:
  double weight_, threshold_;
  std::string weak_role_, strong_role_;
  pulab::Augmentation* weak_ = nullptr;
  pulab::Augmentation* strong_ = nullptr;
};

}  // namespace

PULAB_PLUGIN("fixmatch", "1.0.0") {
  registrar.add<pulab::Regularizer, FixMatch>(
      "fixmatch", "FixMatch's unlabeled term: logistic loss of a strong view against the confident weak view's label");
}
