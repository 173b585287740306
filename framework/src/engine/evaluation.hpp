#pragma once
// After each epoch: the decision threshold and the metrics on validation and test data.
#include "engine/run_record.hpp"
#include "engine/training_data.hpp"
#include "pulab/model.hpp"
#include "pulab/risk_estimator.hpp"

namespace pulab {

// Fills threshold, val, val_pu_auc, val_pu and test of `record`. Runs the model in eval mode (no
// dropout) without gradients, in batches of `eval_batch_size`. The PU-only criteria (val_pu_auc,
// val_pu) read the validation set's PU view, never its true labels; `risk` is asked for its risk on
// that view at `prior` and `progress` (pu_criteria.hpp). Nothing here draws random numbers or
// changes the model's parameters, so training is the same with and without it.
void evaluate(ScoreModel& model, RiskEstimator& risk, const TrainingData& data, double prior, const Progress& progress,
              std::int64_t eval_batch_size, EpochRecord& record);

}  // namespace pulab
