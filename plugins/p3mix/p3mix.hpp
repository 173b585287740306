#pragma once
// P3Mix (Li, Li, Feng, Ouyang: "Who Is Your Right Mixup Partner in Positive and Unlabeled
// Learning", ICLR 2022) as one risk and two hooks; experiments/methods/p3mix_c.toml and
// p3mix_e.toml compose them.
//   risk `p3mix`           the unlabeled-as-negative cross-entropy on heuristically mixed
//                          batches + entropy minimisation; `correction = true` is P3Mix-C's
//                          label correction, `elr_weight > 0` P3Mix-E's early-learning term.
//                          Also a hook: it keeps the run's model (it evaluates the model on the
//                          mixed rows itself) and the training inputs (the pool's rows)
//   hook `p3mix_pool`      the candidate mixup pool: the labeled positives of highest predictive
//                          entropy, refreshed at the start of every epoch (state column p3mix_pool)
//   hook `p3mix_teacher`   P3Mix-E's mean teacher: an EMA of the model's weights, updated once an
//                          epoch; its probabilities on every training sample are the early-learning
//                          targets (state column p3mix_target)
#include <cstdint>
#include <memory>

#include <torch/types.h>

#include <pulab/params.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/training_hook.hpp>

#include "p3mix_loss.hpp"

namespace pulab_p3mix {

inline constexpr const char* kPoolColumn = "p3mix_pool";      // 1 for the pool's labeled positives
inline constexpr const char* kTargetColumn = "p3mix_target";  // the teacher's sigmoid(g) per sample

class P3MixRisk final : public pulab::RiskEstimator, public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit P3MixRisk(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  void on_run_start(pulab::TrainingContext& context) override;
  pulab::RiskOutput compute(const pulab::RiskInput& in) override;

 private:
  double alpha_, gamma_;
  std::int64_t start_epoch_;
  bool correction_;
  LossWeights weights_;
  pulab::ScoreModel* model_ = nullptr;
  torch::Tensor x_train_;
  const torch::Tensor* pool_ = nullptr;
  const torch::Tensor* target_ = nullptr;
  std::int64_t n_labeled_ = 0;
};

class CandidatePool final : public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit CandidatePool(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  void on_run_start(pulab::TrainingContext& context) override;
  void on_epoch_start(pulab::TrainingContext& context) override;

 private:
  std::int64_t size_;
  torch::Tensor* pool_ = nullptr;
};

class EmaTeacher final : public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit EmaTeacher(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  void on_run_start(pulab::TrainingContext& context) override;
  void on_epoch_end(pulab::TrainingContext& context) override;

 private:
  void write_targets(pulab::TrainingContext& context);
  double decay_;
  std::int64_t start_epoch_;
  std::shared_ptr<pulab::ScoreModel> teacher_;
  torch::Tensor* target_ = nullptr;
};

}  // namespace pulab_p3mix
