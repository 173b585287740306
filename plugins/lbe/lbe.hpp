#pragma once
// LBE (Gong, Wang, Liu, Han, You, Yang, Tao: "Instance-Dependent Positive and Unlabeled Learning
// with Labeling Bias Estimation", IEEE TPAMI 44(8), 2022; online 2021) as one component: a risk
// that is also a training hook (as `mean_teacher` is a regularizer and a hook), because its two
// halves share one schedule (the warm-up epochs, then EM) and must not be configured apart.
//
// The generative view: x -> y -> s, with s = 1 (labeled) only for y = 1 and
//   h(x)   = P(y = 1 | x)          = sigmoid(g(x)),  g the run's model (the classifier evaluated),
//   eta(x) = P(s = 1 | y = 1, x)   = sigmoid(e(x)),  e a second model of the run's architecture
//                                                     (the instance-dependent labeling propensity),
//   P(s = 1 | x) = h(x) eta(x).
// The likelihood sum_L log(h eta) + sum_U log(1 - h eta) is maximised by EM over the latent y:
//   E-step   q(x) = P(y = 1 | s, x): 1 on the labeled positives, and on U
//              q = h (1 - eta) / (1 - h eta) = exp(g) / (1 + exp(g) + exp(e))     (lbe_em.cpp)
//   M-step   classifier: min mean_i [ q_i softplus(-g_i) + (1 - q_i) softplus(g_i) ]  (lbe_objective.cpp)
//            propensity: min mean_i q_i [ s_i softplus(-e_i) + (1 - s_i) softplus(e_i) ] (lbe_em.cpp)
// preceded by warm-up epochs of pre-training: the classifier on class-balanced P vs U, the
// propensity on labeled vs unlabeled (lbe.cpp says why). docs/methods.md gives every choice and
// where it comes from.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>

#include <torch/types.h>

#include <pulab/params.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/training_hook.hpp>

namespace pulab_lbe {

class Lbe final : public pulab::RiskEstimator, public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit Lbe(const pulab::Params& p);

  // Writes the E-step's posterior q into `pseudo_label` and reads it in the classifier's M-step.
  pulab::StateUse state_use() const override;

  // The classifier's M-step objective on the batch (lbe_objective.cpp).
  pulab::RiskOutput compute(const pulab::RiskInput& in) override;

  // Creates the propensity model and its optimizer; fixes the warm-up epochs (lbe_em.cpp).
  void on_run_start(pulab::TrainingContext& context) override;
  // After the warm-up: the E-step over all of U.
  void on_epoch_start(pulab::TrainingContext& context) override;
  // The propensity model's M-step (or pre-training) on the step's batch.
  void after_step(pulab::TrainingContext& context, const pulab::Batch& batch) override;

  // True during the pre-training epochs (0-based epoch < the warm-up epochs fixed at run start).
  bool warming_up(std::int64_t epoch) const { return epoch < warmup_epochs_; }

  // The key of the propensity model and of its optimizer in checkpoints.
  static constexpr const char* kPropensityKey = "lbe.propensity";
  static constexpr const char* kPropensityOptimizerKey = "lbe.propensity_optimizer";

 private:
  double warmup_fraction_;
  std::int64_t warmup_epochs_ = 0;  // from warmup_fraction and train.epochs, at run start
  double keep_fraction_;
  bool balanced_propensity_warmup_;
  std::shared_ptr<pulab::ScoreModel> propensity_;
  std::shared_ptr<torch::optim::Optimizer> propensity_optimizer_;
};

// The warm-up epochs of a run of `epochs` epochs: round(fraction * epochs), at least 1 when
// fraction > 0, and always leaving at least one EM epoch (a 1-epoch run has no warm-up).
inline std::int64_t warmup_epochs_for(double fraction, std::int64_t epochs) {
  std::int64_t w = std::llround(fraction * double(epochs));
  if (fraction > 0 && w < 1) w = 1;
  return std::max<std::int64_t>(0, std::min(w, epochs - 1));
}

// The class-balanced weights of the observed-label pre-training: with rho = n_L / (n_L + n_U),
// a labeled positive weighs 1 / (2 rho), an unlabeled sample 1 / (2 (1 - rho)) (mean weight 1 over
// the training set). Returns {w_labeled, w_unlabeled}.
inline std::pair<double, double> balanced_weights(std::int64_t n_labeled, std::int64_t n_unlabeled) {
  const double n = double(n_labeled + n_unlabeled);
  return {n / (2.0 * double(n_labeled)), n / (2.0 * double(n_unlabeled))};
}

}  // namespace pulab_lbe
