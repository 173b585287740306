#pragma once
// Dist-PU (Zhao, Xu, Jiang, Wen, Huang: "Dist-PU: Positive-Unlabeled Learning from a Label
// Distribution Perspective", CVPR 2022) as two composable parts; experiments/methods/dist_pu.toml
// puts them together, docs/methods.md gives the equations and every choice.
//   risk `dist_pu`         label-distribution consistency: the expected predicted label on the
//                          labeled positives should be 1 and on U the class prior pi
//                          (label_distribution_risk.cpp)
//   regularizer `dist_pu`  (also a hook) the paper's regularization in its two stages: entropy
//                          minimisation on U in the warm-up stage; then pseudo-labels of U from the
//                          warm-up model, mixup with those pseudo-labels, entropy on the mixed
//                          samples and a ramped entropy on U (stages.cpp, with the two building
//                          blocks in entropy.cpp and mixup.cpp)
// The classifier's output is f(x) = sigmoid(g(x)) throughout, and x is called positive iff
// f(x) > 0.5, i.e. g(x) > 0 (the engine's default decision rule).
#include <cstdint>
#include <limits>
#include <optional>

#include <torch/types.h>

#include <pulab/params.hpp>
#include <pulab/regularizer.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/training_hook.hpp>

namespace pulab_dist_pu {

// ---------------------------------------------------------------- building blocks

// Mean binary entropy of f = sigmoid(g) over the scores `g`, computed from g in log space:
//   H = -mean [f log f + (1 - f) log(1 - f)],  log f = logsigmoid(g), log(1 - f) = logsigmoid(-g).
// 0 for an empty tensor. (entropy.cpp)
torch::Tensor mean_binary_entropy(const torch::Tensor& g);

// Mean binary cross-entropy of f = sigmoid(g) against soft targets y in [0, 1], from g in log space:
//   BCE = -mean [y logsigmoid(g) + (1 - y) logsigmoid(-g)]. (mixup.cpp)
torch::Tensor mean_binary_cross_entropy(const torch::Tensor& g, const torch::Tensor& y);

// One mixup of a batch (mixup.cpp): inputs x [n, ...] with soft targets y [n]; lambda and a
// permutation of the batch; x~ = lambda x + (1 - lambda) x[perm], y~ = lambda y + (1 - lambda) y[perm].
struct MixedBatch {
  torch::Tensor x, y;
};
MixedBatch mix(const torch::Tensor& x, const torch::Tensor& y, double lambda, const torch::Tensor& permutation);

// lambda ~ Beta(alpha, alpha) from two Gamma draws on the global generator. (mixup.cpp)
double sample_beta(double alpha);

// ---------------------------------------------------------------- risk `dist_pu`

class LabelDistributionRisk final : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema();
  explicit LabelDistributionRisk(const pulab::Params& p);
  pulab::RiskOutput compute(const pulab::RiskInput& in) override;
};

// ---------------------------------------------------------------- regularizer and hook `dist_pu`

class DistPuStages final : public pulab::Regularizer, public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit DistPuStages(const pulab::Params& p);
  pulab::StateUse state_use() const override;

  torch::Tensor penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores& scores,
                        const pulab::Progress& progress) override;

  void on_run_start(pulab::TrainingContext& context) override;
  void on_epoch_start(pulab::TrainingContext& context) override;
  void after_step(pulab::TrainingContext& context, const pulab::Batch& batch) override;

  // The first epoch (0-based) of the mixup stage for a run of `epochs` epochs:
  // floor(warmup_fraction * epochs); = epochs when the whole run is warm-up.
  std::int64_t mixup_start(std::int64_t epochs) const;
  // The weight of the entropy on U at 0-based `epoch`: entropy_weight in the warm-up stage, then
  // mixup_stage_entropy_weight * (1 - cos(pi/2 * (epoch - start) / (epochs - start))).
  double entropy_weight_at(std::int64_t epoch) const;
  bool in_mixup_stage(std::int64_t epoch) const { return epoch >= start_; }

 private:
  double warmup_fraction_, entropy_weight_, mixup_stage_entropy_weight_, mixup_weight_, mixup_entropy_weight_,
      alpha_;
  std::optional<pulab::OptimizerStage> stage_optimizer_;  // the mixup stage's new Adam (none: keep the run's)
  // Set by on_run_start: the run's epochs and the first epoch of the mixup stage. Before it (a
  // component used outside a run) the whole run is warm-up.
  std::int64_t epochs_ = 0;
  std::int64_t start_ = std::numeric_limits<std::int64_t>::max();
  // f(x_u) of the last step's unlabeled samples and their ids, written into the pseudo-labels by
  // after_step (the authors refresh a sample's pseudo-label each time it is in a batch).
  torch::Tensor refreshed_ids_, refreshed_labels_;
};

}  // namespace pulab_dist_pu
