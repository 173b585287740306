#pragma once
// The PU protocol: turns a labeled multi-class data set into labeled positives, unlabeled data,
// a validation set and a test set.
//
// Paper protocol (scenario "single"): from the training set, n_validation instances form the
// validation set; the labeling mechanism picks n_labeled positives of the rest; everything
// else is unlabeled. "case_control" keeps the labeled positives in U as well. The test set is
// the original test set relabeled into positive / negative.
#include <cstdint>
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
