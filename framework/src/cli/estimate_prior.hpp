#pragma once
// `pulab estimate-prior FILE`: class-prior estimates for the splits of an experiment, without
// training a method. Each distinct split (data set, labeling, split keys, seed) is drawn once; the
// P-vs-U classifier is trained once per split and shared by every estimator that reads it.
#include <filesystem>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "plugin/plugin_host.hpp"

namespace pulab {

// One estimator's view of the experiment: the same sweep, resolved with its [prior_estimator].
struct EstimatorVariant {
  std::string label;  // "bbe", "elkan_noto:estimator=e3"
  std::vector<RunSpec> runs;
};

struct EstimatePriorOptions {
  std::filesystem::path out_dir;  // estimates.csv and summary.md go here when not empty
  std::int64_t threads = 0;
  bool quiet = false;
};

// Prints one line per (split, estimator) and a summary table (mean |error| over seeds per data
// setting and estimator). Returns the exit status. Throws ConfigError / pulab::Error on bad input.
// Every variant must come from the same sweep (runs aligned by index).
int estimate_prior_command(const std::vector<EstimatorVariant>& variants, const PluginHost& host,
                           const EstimatePriorOptions& options);

}  // namespace pulab
