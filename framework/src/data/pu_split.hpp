#pragma once
// The PU protocol: turns a labeled multi-class data set into labeled positives, unlabeled data,
// a validation set and a test set.
//
// Paper protocol (scenario "single"): from the training set, n_validation instances form the
// validation set; the labeling mechanism picks n_labeled positives of the rest; everything
// else is unlabeled. "case_control" keeps the labeled positives in U as well. The test set is
// the original test set relabeled into positive / negative.
//
// split.label_frequency = c instead of n_labeled (PU-Bench's protocol): the validation rows are
// taken first as above, then n_labeled = floor(c * positives of the rest); the validation set's
// PU-only view labels floor(c * its positives) with the same mechanism (seed + 2).
#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "config/experiment.hpp"
#include "pulab/dataset_source.hpp"
#include "pulab/labeling_mechanism.hpp"

namespace pulab {

struct SplitStats {
  std::int64_t n_labeled = 0, n_unlabeled = 0, n_unlabeled_positive = 0;
  std::int64_t n_validation = 0, n_validation_positive = 0, n_validation_labeled = 0;
  std::int64_t n_test = 0, n_test_positive = 0;
  std::vector<std::int64_t> positive_classes;
  double true_prior = 0;  // positive fraction of U
  double prior = 0;       // what the methods are given
  // split.prior = "estimate": what estimated it (empty otherwise), its own value before the range
  // check, and the time it took (classifier included).
  std::string prior_estimator;
  double prior_estimate_raw = 0;
  bool prior_estimate_clipped = false;
  std::string prior_estimate_note;
  double prior_estimation_seconds = 0, prior_classifier_seconds = 0;
};

struct PUData {
  torch::Tensor x_p;         // labeled positives
  torch::Tensor x_u;         // unlabeled
  torch::Tensor u_positive;  // bool, the true class of U (oracle; only the supervised baseline reads it)
  torch::Tensor x_val;
  torch::Tensor y_val;          // bool, true labels (oracle model selection)
  torch::Tensor val_labeled;    // bool, the PU-only view: positives labeled at the training rate
  torch::Tensor x_test;
  torch::Tensor y_test;         // bool
  SplitStats stats;
};

// Binary labels: true where y is one of `positive_classes`.
torch::Tensor binarize(const torch::Tensor& y, const std::vector<std::int64_t>& positive_classes);

// Deterministic given `seed`; throws pulab::Error when the sizes cannot be met.
PUData make_pu_split(const LabeledData& data, const SplitConfig& split, LabelingMechanism& labeling,
                     std::uint64_t seed);

}  // namespace pulab
