#include "engine/early_stopping.hpp"

#include "pulab/error.hpp"

namespace pulab {

std::optional<double> monitored_value(const EpochRecord& epoch, const std::string& monitor) {
  if (monitor == "val_accuracy") return epoch.val.accuracy;
  if (monitor == "pu_auc") return epoch.val_pu_auc;
  if (monitor == "pa") return epoch.val_pu.proxy_accuracy;
  if (monitor == "lee_liu") return epoch.val_pu.lee_liu;
  if (monitor == "pu_risk") return epoch.val_pu.risk;
  throw Error("train.early_stopping_monitor: unknown criterion '" + monitor + "'");
}

bool lower_is_better(const std::string& monitor) { return monitor == "pu_risk"; }

bool should_stop_early(const std::vector<EpochRecord>& epochs, std::int64_t patience, const std::string& monitor) {
  if (patience <= 0 || epochs.empty()) return false;
  if (!monitored_value(epochs.back(), monitor)) {
    throw Error("train.early_stopping_monitor = \"" + monitor + "\": this run has no such value on validation (" +
                (monitor == "pa" ? "no class prior" : monitor == "pu_risk" ? "its risk cannot be evaluated on validation"
                                                                           : "no validation data") +
                "); choose another monitor or set train.early_stopping_patience = 0");
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < epochs.size(); ++i) {
    const auto v = monitored_value(epochs[i], monitor), b = monitored_value(epochs[best], monitor);
    if (v && (!b || (lower_is_better(monitor) ? *v < *b : *v > *b))) best = i;
  }
  return static_cast<std::int64_t>(epochs.size() - 1 - best) >= patience;
}

}  // namespace pulab
