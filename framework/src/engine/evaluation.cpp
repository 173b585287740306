#include "engine/evaluation.hpp"

#include <torch/torch.h>

#include "engine/metrics.hpp"
#include "engine/pu_criteria.hpp"

namespace pulab {
namespace {

// Scores on the CPU, where the metrics are computed.
torch::Tensor score_all(ScoreModel& model, const torch::Tensor& x, std::int64_t batch_size) {
  return score_in_batches(model, x, batch_size).to(torch::kCPU);
}

}  // namespace

void evaluate(ScoreModel& model, RiskEstimator& risk, const TrainingData& data, double prior, const Progress& progress,
              std::int64_t eval_batch_size, EpochRecord& rec) {
  model.eval();
  if (risk.needs_calibration()) {
    const CalibrationInput calibration{score_all(model, data.x_unlabeled(), eval_batch_size),
                                       score_all(model, data.x_labeled(), eval_batch_size), prior};
    rec.threshold = risk.decision_threshold(calibration);
  } else {
    rec.threshold = risk.decision_threshold({torch::Tensor(), torch::Tensor(), prior});
  }
  const auto val_scores_on_device = score_in_batches(model, data.x_val, eval_batch_size);
  const auto val_scores = val_scores_on_device.to(torch::kCPU);
  if (val_scores.numel() > 0) {
    rec.val = compute_metrics(val_scores, data.y_val, rec.threshold);
    // PU-only: the PU view (val_labeled) and the prior, never y_val.
    rec.val_pu_auc = roc_auc(val_scores, data.val_labeled);
    decision_criteria(val_scores, data.val_labeled, rec.threshold, prior, rec.val_pu);
    rec.val_pu.risk = validation_risk(risk, data.x_val, val_scores_on_device, data.val_labeled, prior, progress);
  }
  rec.test = compute_metrics(score_all(model, data.x_test, eval_batch_size), data.y_test, rec.threshold);
}

}  // namespace pulab
