#pragma once
// Binary classification metrics of scores against true labels.
#include <torch/types.h>

namespace pulab {

struct Metrics {
  double accuracy = 0, precision = 0, recall = 0, f1 = 0, auc = 0;
  double error_p = 0;  // error on the true positives (1 - recall)
  double error_n = 0;  // error on the true negatives (false-positive rate)
};

// `positive` is bool; a sample is predicted positive iff its score > threshold.
Metrics compute_metrics(const torch::Tensor& scores, const torch::Tensor& positive, double threshold);

// Area under the ROC curve (ties count half); 0.5 when one class is absent.
double roc_auc(const torch::Tensor& scores, const torch::Tensor& positive);

}  // namespace pulab
