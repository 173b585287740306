#pragma once
// After each epoch: the decision threshold and the metrics on validation and test data.
#include "engine/run_record.hpp"
#include "engine/training_data.hpp"
#include "pulab/model.hpp"
#include "pulab/risk_estimator.hpp"

namespace pulab {

// Fills threshold, val, val_pu_auc and test of `record`. Runs the model in eval mode (no dropout)
// without gradients, in batches of `eval_batch_size`.
void evaluate(ScoreModel& model, const RiskEstimator& risk, const TrainingData& data, double prior,
              std::int64_t eval_batch_size, EpochRecord& record);

}  // namespace pulab
