#pragma once
// (TED)^n (Garg, Wu, Smola, Balakrishnan, Lipton: "Mixture Proportion Estimation and PU Learning:
// A Modern Approach", NeurIPS 2021) as a hook and a risk; experiments/methods/ted_n.toml composes
// them with the stratified sampler.
//   hook `ted_n`   holds out part of P and U for estimation (active = false), and after each epoch
//                  from the warm start on re-estimates the prior with BBE on the held-out scores
//                  and marks the top-scoring prior fraction of the training U to be ignored
//   risk `cvir`    Conditional Value Ignoring Risk: P against the U samples not ignored
#include <cstdint>

#include <torch/types.h>

#include <pulab/loss.hpp>
#include <pulab/params.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/training_hook.hpp>

namespace pulab_ted {

class CvirRisk final : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema();
  explicit CvirRisk(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  pulab::RiskOutput compute(const pulab::RiskInput& in) override;

 private:
  pulab::Loss loss_;
};

class TedN final : public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit TedN(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  void on_run_start(pulab::TrainingContext& context) override;
  void on_epoch_end(pulab::TrainingContext& context) override;

 private:
  double holdout_fraction_;
  std::int64_t warm_start_epochs_;
  double delta_, gamma_;
};

}  // namespace pulab_ted
