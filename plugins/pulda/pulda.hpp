#pragma once
// PULDA (Jiang, Xu, Zhao, Yang, Wen, Cao, Huang: "Positive-Unlabeled Learning with Label
// Distribution Alignment", IEEE TPAMI 45(12), 2023; the journal version of Dist-PU, CVPR 2022) as
// a risk and a regularizer; experiments/methods/pulda.toml composes them, /work/drafts/pulda.md
// (docs/methods.md) gives the equations and every choice.
//   label_distribution.cpp  the alignment terms: 2 pi (1 - E_P[s]) + d_tau(E_U[s], pi), s = sigmoid(g)
//   two_way_sigmoid.cpp     the margin term against the trivial solution: pi C_P^+ + d_1(C_U^-, pi C_P^-)
//   momentum_mean.cpp       the momentum (EMA) estimate of a batch mean inside a non-linear distance
//   pulda_risk.cpp          risk `pulda`: the two terms, with the momentum estimates during training
//   pulda_mixup.cpp         regularizer + hook `pulda_mixup`: the alignment stage's mixup towards
//                           pseudo-labels that the model keeps updating (state column pseudo_label)
#include <cstdint>
#include <optional>

#include <torch/serialize/archive.h>
#include <torch/types.h>

#include <pulab/params.hpp>
#include <pulab/regularizer.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/training_hook.hpp>

namespace pulab_pulda {

// ---------------------------------------------------------------- the terms (pure functions)

// d_tau(a, b) = softplus_tau(a - b) + softplus_tau(b - a), softplus_tau(x) = log(1 + e^{tau x}) / tau:
// a smooth |a - b| (it exceeds |a - b| by at most 2 log 2 / tau, reached at a = b).
torch::Tensor softplus_distance(const torch::Tensor& a, const torch::Tensor& b, double tau);

// The mean of `values` (1-D), weighted by `weights` when they are defined (a SampleWeighting).
torch::Tensor weighted_mean(const torch::Tensor& values, const torch::Tensor& weights);

// Two-way sigmoid losses with margin m (slope 1): l+(z) = sigmoid(z) sigmoid(m - z), a bump on
// (0, m) charged to a positive; l-(z) = sigmoid(z + m) sigmoid(-z), a bump on (-m, 0) charged to a
// negative. Element-wise.
torch::Tensor two_way_positive(const torch::Tensor& z, double margin);
torch::Tensor two_way_negative(const torch::Tensor& z, double margin);

// A momentum estimate of a mini-batch mean (the paper's EMA against the bias of a non-linear
// distance of a mini-batch mean): the first update returns the batch mean itself (scale 1); later
// ones return alpha * previous + (1 - alpha) * batch, the previous value detached, and scale
// 1 / (1 - alpha), which the caller multiplies the distance by so that its gradient with respect
// to the batch mean keeps its size. The stored value is always detached.
class MomentumMean {
 public:
  explicit MomentumMean(double alpha) : alpha_(alpha) {}
  struct Estimate {
    torch::Tensor value;
    double scale;
  };
  Estimate update(const torch::Tensor& batch_mean);
  void reset() { value_ = torch::Tensor(); }
  bool started() const { return value_.defined(); }
  void save(torch::serialize::OutputArchive& archive, const std::string& key) const;
  void load(torch::serialize::InputArchive& archive, const std::string& key);

 private:
  double alpha_;
  torch::Tensor value_;  // undefined until the first update
};

// ---------------------------------------------------------------- risk `pulda`

class PuldaRisk final : public pulab::RiskEstimator, public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit PuldaRisk(const pulab::Params& p);

  pulab::RiskOutput compute(const pulab::RiskInput& in) override;
  pulab::StateUse state_use() const override { return {}; }

  void on_run_start(pulab::TrainingContext& context) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  double tau_, margin_;
  bool two_way_, momentum_;
  MomentumMean mean_u_;       // E_U[sigmoid g] (alpha_U)
  MomentumMean margin_p_;     // C_P^- (alpha_CN)
  MomentumMean margin_u_;     // C_U^- (alpha_CN)
};

// ---------------------------------------------------------------- regularizer + hook `pulda_mixup`

class PuldaMixup final : public pulab::Regularizer, public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit PuldaMixup(const pulab::Params& p);

  pulab::StateUse state_use() const override;
  torch::Tensor penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores& scores,
                        const pulab::Progress& progress) override;

  void on_run_start(pulab::TrainingContext& context) override;
  void on_epoch_start(pulab::TrainingContext& context) override;
  void after_step(pulab::TrainingContext& context, const pulab::Batch& batch) override;

  // The first epoch (0-based) of the alignment stage in a run of `epochs` epochs.
  std::int64_t alignment_start(std::int64_t epochs) const;

 private:
  double weight_, alpha_, warmup_fraction_, clamp_;
  std::optional<pulab::OptimizerStage> stage_optimizer_;  // the mixup stage's new Adam (none: keep the run's)
  std::int64_t start_epoch_ = 0;
  // The batch's new pseudo-labels (sigmoid of the clean, clamped scores of its U samples, taken
  // before the optimizer step), written to the state by after_step.
  torch::Tensor pending_ids_, pending_labels_;
};

}  // namespace pulab_pulda
