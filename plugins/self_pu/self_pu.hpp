#pragma once
// Self-PU (Chen, Liu, Wang, Wang, Cheng, Wang: "Self-PU: Self Boosted and Calibrated Positive-
// Unlabeled Training", ICML 2020) as three composable parts; experiments/methods/self_pu.toml
// puts them together, docs/methods.md gives the equations and every choice.
//   risk `self_pu`                  nnPU on the unlabeled samples not yet pseudo-labeled, plus the
//                                   cross-entropy of the pseudo-labeled ones against their labels
//   hook `self_paced_selection`     every few epochs, moves the most confident U samples into the
//                                   pseudo-labeled sets (a growing fraction) and updates the prior
//   regularizer `mean_teacher`      an EMA teacher and the consistency penalty towards it
// Self-calibration (the meta-learned per-sample weights) is left out, as PU-Bench leaves it out.
#include <cstdint>
#include <memory>

#include <torch/types.h>

#include <pulab/loss.hpp>
#include <pulab/params.hpp>
#include <pulab/regularizer.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/training_hook.hpp>

namespace pulab_self_pu {

class SelfPuRisk final : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema();
  explicit SelfPuRisk(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  pulab::RiskOutput compute(const pulab::RiskInput& in) override;

 private:
  pulab::Loss loss_;
  double beta_, gamma_, pseudo_weight_;
};

class SelfPacedSelection final : public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit SelfPacedSelection(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  void on_run_start(pulab::TrainingContext& context) override;
  void on_epoch_end(pulab::TrainingContext& context) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  // The fraction of U pseudo-labeled after 0-based `epoch` ends (0 when no selection happens then).
  double fraction_after(std::int64_t epoch) const;

 private:
  std::int64_t start_, stop_, every_;
  double max_fraction_;
  double base_prior_ = -1;  // the prior of all of U, before any sample moved
};

class MeanTeacher final : public pulab::Regularizer, public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit MeanTeacher(const pulab::Params& p);
  pulab::StateUse state_use() const override { return {}; }
  torch::Tensor penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores& scores,
                        const pulab::Progress& progress) override;
  void on_run_start(pulab::TrainingContext& context) override;
  void after_step(pulab::TrainingContext& context, const pulab::Batch& batch) override;

  // The consistency weight at 0-based `epoch`: weight * exp(-5 (1 - t)^2), t = min(1, epoch / rampup).
  double weight_at(std::int64_t epoch) const;

 private:
  double weight_, decay_;
  std::int64_t ema_start_, rampup_;
  std::shared_ptr<pulab::ScoreModel> teacher_;
  pulab::ScoreModel* student_ = nullptr;
};

}  // namespace pulab_self_pu
