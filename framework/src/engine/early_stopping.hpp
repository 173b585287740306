#pragma once
// Early stopping (train.early_stopping_patience, PU-Bench's protocol): a run stops once its
// monitored validation criterion has not improved for `patience` epochs. The monitor may be the
// oracle validation accuracy or a PU-only criterion (engine/pu_criteria.hpp). Plain data, no LibTorch.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/run_record.hpp"

namespace pulab {

// The monitored value of an epoch: "val_accuracy", "pu_auc", "pa", "lee_liu" (higher is better)
// or "pu_risk" (lower is better); empty when the epoch lacks it.
std::optional<double> monitored_value(const EpochRecord& epoch, const std::string& monitor);
bool lower_is_better(const std::string& monitor);

// True when the last `patience` epochs brought no improvement over the best epoch before them
// (ties do not improve). Throws pulab::Error naming train.early_stopping_monitor when the last
// epoch has no value for the monitor (e.g. pu_risk of a risk that reads per-sample state).
bool should_stop_early(const std::vector<EpochRecord>& epochs, std::int64_t patience, const std::string& monitor);

}  // namespace pulab
