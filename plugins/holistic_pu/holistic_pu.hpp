#pragma once
// Holistic-PU (Wang, Wan, Geng, Li, Chen: "Beyond Myopia: Learning from Positive and Unlabeled
// Data through Holistic Predictive Trends", NeurIPS 2023) as a risk, a hook and two statistics;
// experiments/methods/holistic_pu.toml composes them with the `stratified` sampler (p_share 0.5),
// which is the paper's resampling of the labeled positives into balanced P/U mini-batches.
//   hook `predictive_trend`   phase 1: records sigmoid(g(x)) of every U sample T = `record_epochs`
//                             times (one state column per record): at the end of each of the
//                             first T epochs, or with `record_every_steps` = k > 0 after every k
//                             optimizer steps (the steps k, 2k, ..., Tk of the run);
//                             then the trend score of each U sample (trend_score.cpp), the
//                             two-class natural break of the scores (natural_break.cpp) and the
//                             labels; phase 2: re-initialises the model and hands the labels to the
//                             risk through state.pseudo_label
//   risk `holistic_pu`        cross-entropy of P as positive and of U against state.pseudo_label
//                             (0 during phase 1: U as negative; the trend labels in phase 2)
// docs/methods.md gives the equations and every choice; each .cpp file's header lists its own.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include <pulab/loss.hpp>
#include <pulab/params.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/training_hook.hpp>

namespace pulab_holistic_pu {

// ---------------------------------------------------------------- statistics (trend_score.cpp, natural_break.cpp)

// Catoni's influence function psi(x) = sign(x) log(1 + |x| + x^2 / 2), element-wise.
torch::Tensor catoni_psi(const torch::Tensor& x);

// The trend score of each row of `scores` ([n, T] predicted probabilities, T >= 2, in recording
// order), from its score changes d_t = s_t - s_{t-1}:
//   catoni_trend      the mu solving sum_t psi(alpha (d_t - mu)) = 0 (Catoni's robust mean)
//   simplified_trend  mean_t log(1 + d_t + d_t^2 / 2) (the authors' code's simplified score)
// Both return double [n] on the scores' device.
torch::Tensor catoni_trend(const torch::Tensor& scores, double alpha);
torch::Tensor simplified_trend(const torch::Tensor& scores);

// Fisher's natural break of 1-D values into two classes: the split of the sorted values that
// minimises the summed within-class squared deviations; returns the largest value of the lower
// class (jenks_breaks' middle break), so `values > break` is the upper class. Needs >= 2 values.
double natural_break(const torch::Tensor& values);

// ---------------------------------------------------------------- components

class TrendLabelRisk final : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema();
  explicit TrendLabelRisk(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  pulab::RiskOutput compute(const pulab::RiskInput& in) override;

 private:
  pulab::Loss loss_;
};

class PredictiveTrend final : public pulab::TrainingHook {
 public:
  // The state columns the hook writes besides pseudo_label.
  static std::string score_column(std::int64_t record);  // sigmoid(g) at 1-based `record`: holistic_pu_score_<record>
  static const char* const kTrendColumn;                 // the trend score of each U sample
  static const char* const kLabelColumn;                 // its label from the break: 1 or 0

  static pulab::Schema schema();
  explicit PredictiveTrend(const pulab::Params& p);
  pulab::StateUse state_use() const override;
  void on_run_start(pulab::TrainingContext& context) override;
  void on_epoch_start(pulab::TrainingContext& context) override;
  void after_step(pulab::TrainingContext& context, const pulab::Batch& batch) override;
  void on_epoch_end(pulab::TrainingContext& context) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

  // The weight of the trend labels in U's targets at 0-based epoch `epoch` of a run of `epochs`
  // (per-epoch recording): 0 while recording, then ((epoch - T) / (epochs - T))^label_ramp (1
  // throughout when label_ramp = 0). With record_every_steps = k the same ramp runs over steps:
  // ((steps done - Tk) / (total steps - Tk))^label_ramp, see step_label_weight.
  double label_weight(std::int64_t epoch, std::int64_t epochs) const;
  double step_label_weight(std::int64_t steps_done, std::int64_t total_steps) const;

 private:
  void record(pulab::TrainingContext& context, std::int64_t record);
  void label_from_trends(pulab::TrainingContext& context);
  // Phase 2's start: the fresh initialisation (reinitialize) and a new Adam (fresh_optimizer).
  void begin_phase_two(pulab::TrainingContext& context);
  void reinitialize_model(pulab::TrainingContext& context);
  void hand_over_labels(pulab::TrainingContext& context, double lambda);

  std::int64_t record_epochs_, record_every_steps_;
  std::int64_t steps_ = 0;  // optimizer steps of the run so far (counted with record_every_steps > 0)
  bool catoni_;
  double alpha_, break_cap_, label_ramp_;
  bool reinitialize_, fresh_optimizer_, write_prior_;
  std::shared_ptr<pulab::ScoreModel> fresh_;  // the phase-2 initialisation (reinitialize = true)
};

}  // namespace pulab_holistic_pu
