#pragma once
// RiskEstimator: turns the scores of one mini-batch into the objective to minimise.
#include <torch/types.h>

#include "pulab/sample_state.hpp"
#include "pulab/training_step.hpp"

namespace pulab {

struct RiskInput {
  const Scores& scores;
  // Per-sample weights of the labeled positives from the SampleWeighting, [n_p];
  // undefined when every weight is 1.
  const torch::Tensor& positive_weights;
  double prior;  // class prior pi of the unlabeled data now (= batch.prior)
  const Batch& batch;
};

struct RiskOutput {
  // What backward() differentiates. It may differ from the risk (nnPU's correction step).
  torch::Tensor objective;
  // The risk value to log.
  torch::Tensor reported;
};

// What a decision rule may look at after training (or after each epoch).
struct CalibrationInput {
  torch::Tensor unlabeled_scores;  // g on the unlabeled training data
  torch::Tensor positive_scores;   // g on the labeled positives
  double prior;
};

class RiskEstimator {
 public:
  virtual ~RiskEstimator();

  // Called at every training step, and once per epoch by the evaluation for the PU-only criterion
  // "PU risk" (docs/reporting.md): under no-grad, with the labeled validation positives as P and the
  // other validation samples as U, no positive weights, and a Batch without sample ids, state or U's
  // labels. So compute must not draw random numbers nor keep anything between calls (training must
  // not depend on the evaluation). A risk whose state_use() reads state or is an oracle is not
  // called by the evaluation (its PU risk is recorded as null).
  virtual RiskOutput compute(const RiskInput& input) = 0;

  // The per-sample state it reads, and whether it is an oracle baseline (reads U's true labels).
  virtual StateUse state_use() const { return {}; }

  // The decision rule: x is called positive iff g(x) > threshold. Most methods use sign(g)
  // (threshold 0); nnPUSB and VPU derive the threshold from the training data and say so here.
  virtual bool needs_calibration() const { return false; }
  virtual double decision_threshold(const CalibrationInput& /*input*/) const { return 0.0; }
};

}  // namespace pulab
