#pragma once
// PriorEstimator: estimates the class prior of the unlabeled data (the fraction of positives in U)
// from labeled positives and unlabeled data alone — never from a true label of U.
//
// The engine runs one after the PU split and before training when `split.prior = "estimate"`
// (table [prior_estimator]), and `pulab estimate-prior` runs any of them on a split without
// training a method. Most estimators work on the scores of a P-vs-U classifier ("non-traditional
// classifier"); the engine trains it for them with k-fold cross-fitting, so every labeled positive
// and every unlabeled sample gets a score from a classifier that never saw it. An estimator that
// works on the inputs instead (a kernel method, say) returns false from needs_classifier() and the
// engine skips the training.
#include <cstdint>
#include <string>

#include <torch/types.h>

namespace pulab {

struct PriorEstimationInput {
  // Out-of-fold P(labeled | x) of the classifier, in (0, 1), float64 on the CPU: one per labeled
  // positive and one per unlabeled sample. Undefined when needs_classifier() is false.
  torch::Tensor p_scores, u_scores;
  // The weight ratio of the labeled to the unlabeled class in the classifier's loss (rho). The
  // engine's classifier sees the data's own ratio, rho = n_p / n_u: on a region where only
  // positives live its calibrated score is c = rho / (rho + pi).
  double labeled_to_unlabeled = 1.0;
  // The inputs, flattened to [n, features], float32 on the CPU.
  torch::Tensor x_p, x_u;
  std::uint64_t seed = 0;  // for estimators that subsample (deterministic per run seed)
};

struct PriorEstimate {
  double prior = 0;   // the estimate of the class prior of U, before the engine's range check
  std::string note;   // what the estimator wants a reader to see ("c^ = 0.93"), may be empty
};

class PriorEstimator {
 public:
  virtual ~PriorEstimator();

  // False for estimators that read only x_p / x_u (then no classifier is trained).
  virtual bool needs_classifier() const { return true; }
  virtual PriorEstimate estimate(const PriorEstimationInput& input) = 0;
};

}  // namespace pulab
