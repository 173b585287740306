#pragma once
// What a run records: per-epoch metrics and the run's metadata. Plain data, no LibTorch.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/metrics.hpp"

namespace pulab {

// The PU-only model-selection criteria of an epoch besides PU-AUC, on the validation set's PU view
// (labeled positives vs the rest), without any true label of validation U (engine/pu_criteria.hpp,
// docs/reporting.md). Absent: not computable (no validation set, no prior, a risk that reads
// per-sample state or U's labels).
struct PuCriteria {
  std::optional<double> proxy_accuracy;  // PA = 1 - pi - r_u + 2 pi TPR^ (higher is better)
  std::optional<double> lee_liu;         // r^2 / P(y^=1) (higher is better)
  std::optional<double> risk;            // the run's risk's reported value on validation P vs U (lower is better)
};

struct EpochRecord {
  std::int64_t epoch = 0;        // 1-based
  double train_risk = 0;         // mean reported risk over the epoch's batches
  double train_objective = 0;    // mean objective (risk + penalties) over the batches
  double lr = 0;                 // learning rate at the epoch's last step
  double seconds = 0;            // wall time of training and evaluation
  double train_seconds = 0;      // wall time of the training steps alone (what bench/ compares)
  double peak_rss_mb = 0;        // the process's peak resident memory so far
  double hook_seconds = 0;       // wall time of the hooks' epoch-level work (start and end of epoch)
  double prior = 0;              // the class prior of U the methods had at the end of the epoch
  double threshold = 0;          // decision threshold used for this epoch's metrics
  Metrics val, test;
  double val_pu_auc = 0.5;       // PU-only criterion: AUC of labeled vs unlabeled validation data
  PuCriteria val_pu;             // the other PU-only criteria
};

// One process's share of a run: a run resumed from a checkpoint has several, and a resume may use
// another thread count (results then differ from an uninterrupted run in the last bits).
struct RunSegment {
  std::int64_t first_epoch = 1;  // 1-based
  std::int64_t threads = 0;
  std::string device;
};

struct RunRecord {
  std::vector<EpochRecord> epochs;
  std::vector<RunSegment> segments;  // in order; the last is this process's
  std::int64_t threads = 0;
  std::string device;
  double wall_seconds = 0;  // summed over sessions when a run resumed
  double data_seconds = 0;  // loading the data set and drawing the PU split (this session)
  std::int64_t resumed_from_epoch = 0;
  std::int64_t stopped_early_after_epoch = 0;  // > 0: early stopping ended the run after this epoch

  // Index of the best epoch by validation accuracy (first of ties), by the PU-only criterion.
  std::size_t best_by_val_accuracy() const;
  std::size_t best_by_pu_criterion() const;
};

}  // namespace pulab
