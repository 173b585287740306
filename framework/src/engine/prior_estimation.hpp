#pragma once
// Class-prior estimation before training (split.prior = "estimate") and for `pulab estimate-prior`:
// the P-vs-U classifier trained with k-fold cross-fitting, then a PriorEstimator plugin on its
// out-of-fold scores (or on the inputs), then the range check. Reads no label of U.
#include <filesystem>
#include <memory>
#include <string>

#include <torch/types.h>

#include "config/experiment.hpp"
#include "data/pu_split.hpp"
#include "pulab/prior_estimator.hpp"
#include "pulab/registry.hpp"

namespace pulab {

// Out-of-fold P(labeled | x) of every labeled positive and every unlabeled sample.
struct OutOfFoldScores {
  torch::Tensor p, u;  // float64, CPU
  double seconds = 0;  // training and scoring the folds' classifiers
};

// Trains `config.folds` classifiers of the run's [model] (logistic loss over the union of P and U,
// each sample once per epoch; Adam) on all folds but one and scores the held-out fold. Deterministic per
// seed; draws from the global generator, so it must run before the model's initialisation is seeded.
OutOfFoldScores out_of_fold_scores(const PUData& pu, const RunSpec& spec, const Registries& registries,
                                   const BuildContext& context, std::uint64_t seed, bool quiet);

// The estimate handed to the methods and what result.json records of it.
struct PriorEstimationOutcome {
  std::string estimator;
  double raw = 0;          // the estimator's own value
  double prior = 0;        // after the range check (clipped into [min_prior, max_prior])
  bool clipped = false;
  std::string note;
  double seconds = 0;             // classifier + estimator
  double classifier_seconds = 0;  // 0 when the estimator needs no classifier
};

// Runs `estimator` on the split (training the classifier first if it needs one and `scores` is
// null; pass precomputed scores to share one classifier between estimators). Applies the range
// check of `spec.prior_estimation`: clip and warn, or throw pulab::Error when out_of_range = "fail".
PriorEstimationOutcome run_prior_estimator(PriorEstimator& estimator, const std::string& name, const PUData& pu,
                                           const RunSpec& spec, const Registries& registries,
                                           const BuildContext& context, const OutOfFoldScores* scores, bool quiet);

// The whole step for a run: builds the [prior_estimator] and runs it. Throws pulab::Error (naming
// [prior_estimator]) for a split it cannot work on: no unlabeled data, fewer labeled positives or
// unlabeled samples than folds.
PriorEstimationOutcome estimate_prior(const PUData& pu, const RunSpec& spec, const Registries& registries,
                                      const BuildContext& context, bool quiet);

// estimate_prior for a run, kept in <run_dir>/prior_estimate.json (written atomically, tied to the
// run's configuration fingerprint) so that a resumed run gets the same estimate without training
// the classifier again. The trainer removes the file when the run finishes.
PriorEstimationOutcome estimate_prior_for_run(const PUData& pu, const RunSpec& spec, const Registries& registries,
                                              const BuildContext& context, bool quiet);
std::filesystem::path prior_estimate_path(const RunSpec& spec);

}  // namespace pulab
