#pragma once
// The PU-only model-selection criteria of one epoch on the validation set (docs/reporting.md). They
// see the validation scores, which validation samples are labeled positives (the PU view: each
// validation positive labeled at the training set's labeling rate) and the run's prior; no function
// here is given the true labels of the validation set, so none can read those of validation U.
#include <optional>

#include <torch/types.h>

#include "engine/run_record.hpp"
#include "pulab/risk_estimator.hpp"

namespace pulab {

// From the decisions score > threshold, with TPR^ the share of labeled validation positives called
// positive, r_u that of the unlabeled validation samples and P(y^=1) that of all of them:
//   proxy_accuracy = 1 - prior - r_u + 2 prior TPR^   (absent without labeled or unlabeled samples,
//                                                      or without a prior in [0, 1])
//   lee_liu        = TPR^^2 / P(y^=1), 0 when nothing is called positive (absent without labeled ones)
// `scores` float [n], `labeled` bool [n], both on the CPU. Leaves `risk` as it is.
void decision_criteria(const torch::Tensor& scores, const torch::Tensor& labeled, double threshold, double prior,
                       PuCriteria& out);

// The risk's `reported` value (no weights, no penalties) with the labeled validation positives as P
// and the other validation samples as U, at `prior`, under no-grad. Absent when the risk reads
// per-sample state or U's true labels (StateUse), when either part is empty, or when the value is
// not finite. `x_val` and `scores` are on the run's device, `labeled` anywhere.
std::optional<double> validation_risk(RiskEstimator& risk, const torch::Tensor& x_val, const torch::Tensor& scores,
                                      const torch::Tensor& labeled, double prior, const Progress& progress);

}  // namespace pulab
