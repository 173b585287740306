#pragma once
// Robust-PU (Zhu, Wang, Zhao, Du, Zhang, Dong, Qiao, Lin, Rajmohan, Zhang: "Robust Positive-Unlabeled
// Learning via Noise Negative Sample Self-correction", KDD 2023, arXiv:2308.00279; code
// github.com/woriazzc/Robust-PU). U is treated as negatives with label noise; every sample gets a
// "hardness" from the current model, a self-paced weight from its hardness and a threshold that a
// training scheduler raises episode by episode (easy samples first), and the model is trained on
// P (label +1) and U (label -1) with those weights. experiments/methods/robust_pu.toml composes it;
// docs/methods.md lists every choice. The paper's full text was not available to this implementation
// (only its abstract and introduction): the formulas are those of the authors' code (main.py,
// spl_utills.py, lossFunc.py), read, not copied, and each file names where its formula comes from.
//
// One component, risk `robust_pu`, that is also a TrainingHook (the engine calls it as both, as it
// calls the mean teacher), so that the phase switch (nnPU pre-training, then self-paced episodes)
// has one owner and one `pretrain_epochs`. Its parts, one per file:
//   hardness.cpp            the hardness measure h = l(g / tau, y)
//   self_paced_weights.cpp  the self-paced regularizers' closed-form weights v(h; lambda)
//   threshold_schedule.cpp  the training scheduler lambda(k) over episodes k
//   robust_pu_risk.cpp      the objective: nnPU while pre-training, then the weighted cross-entropy
//                           (or the weighted nnPU)
//   self_paced_episodes.cpp the hook: at each episode's start, re-weight every training sample
#include <cstdint>
#include <string>

#include <torch/types.h>

#include <pulab/loss.hpp>
#include <pulab/params.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/training_hook.hpp>

namespace pulab_robust_pu {

// hardness.cpp: h = l(g / temperature, +1) for a labeled positive, l(g / temperature, -1) for an
// unlabeled sample taken as negative (l the logistic or sigmoid loss).
torch::Tensor hardness(pulab::Loss loss, const torch::Tensor& g, double temperature, bool labeled_positive);

// self_paced_weights.cpp: the weight v in [0, 1] of a sample of hardness h at threshold lambda.
enum class SelfPaced { Hard, Linear, Welsch, Cauchy };
SelfPaced parse_self_paced(const std::string& name);  // throws pulab::Error on an unknown name
torch::Tensor self_paced_weights(SelfPaced kind, const torch::Tensor& h, double lambda);

// threshold_schedule.cpp: the threshold lambda at 0-based episode k.
struct ThresholdSchedule {
  enum class Kind { Const, Linear, Convex, Concave, Exp };
  Kind kind = Kind::Linear;
  double start = 0.1;      // lambda(0)
  double max = 2.0;        // the value the schedule grows (or shrinks) to and is clamped at
  std::int64_t grow = 10;  // episodes to reach max (linear, convex)
  double rate = 1.1;       // exp: lambda(k) = start * rate^k
  double base = 0.5;       // concave: lambda(k) = start + (max - start) (1 - base^k)
  double at(std::int64_t episode) const;
  static Kind parse(const std::string& name);  // throws pulab::Error on an unknown name
};

class RobustPu final : public pulab::RiskEstimator, public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit RobustPu(const pulab::Params& p);

  // Reads the per-sample weights (in the self-paced phase) and writes them (the hook).
  pulab::StateUse state_use() const override;

  // robust_pu_risk.cpp
  pulab::RiskOutput compute(const pulab::RiskInput& in) override;

  // self_paced_episodes.cpp
  void on_epoch_start(pulab::TrainingContext& context) override;

  // The 0-based episode that starts at 0-based `epoch`, or -1 when none starts then (pre-training,
  // or an epoch inside an episode).
  std::int64_t episode_starting_at(std::int64_t epoch) const;

 private:
  // Pre-training (nnPU).
  std::int64_t pretrain_epochs_;
  pulab::Loss pretrain_loss_;
  double beta_, gamma_;
  // Self-paced phase.
  bool episode_nnpu_;  // episode_risk = "nnpu" (else "bce")
  pulab::Loss loss_;
  std::int64_t inner_epochs_;
  pulab::Loss hardness_loss_;
  double temperature_p_, temperature_n_;
  SelfPaced self_paced_;
  ThresholdSchedule schedule_p_, schedule_n_;
  double momentum_;
  bool fresh_optimizer_;  // a new Adam at every episode's start
};

}  // namespace pulab_robust_pu
