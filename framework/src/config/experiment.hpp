#pragma once
// An experiment file checked against the schemas and turned into typed run specifications.
//
// Layout of an experiment (docs/experiment-format.md has every key):
//   name, output_dir, data_dir, run_id     top-level keys of the host
//   [dataset] [labeling] [model] [risk] [weighting]   one component each: `name` + its parameters
//   [regularizer.<name>]                   zero or more regularizers, keyed by component name
//   [hook.<name>]                          zero or more training hooks, keyed by component name
//   [augmentation.<role>]                  zero or more augmentations, keyed by the role a component
//                                          asks for (context.augmentation("strong")), each naming one
//   [sampler]                              the batch sampler: `name` + its parameters (default joint)
//   [split] [train] [report]               the host's own tables
//   [prior_estimator]                      the class-prior estimator (split.prior = "estimate")
//   [sweep]                                dotted key = [values] ... and compose = [files]
// No LibTorch here.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "config/config_node.hpp"
#include "pulab/params.hpp"
#include "pulab/registry.hpp"

namespace pulab {

struct ComponentConfig {
  std::string name;
  Params params;
};

struct TrainConfig {
  std::int64_t epochs = 0;
  std::int64_t batch_size = 0;
  double lr = 0;
  double weight_decay = 0;
  double adam_beta1 = 0.9;
  double adam_beta2 = 0.999;
  std::string lr_schedule;  // constant | linear | cosine | step
  double lr_final_factor = 0.1;
  std::int64_t lr_step_epochs = 20;
  double lr_step_factor = 0.5;
  std::int64_t seed = 0;
  std::int64_t threads = 0;  // 0 = all cores (split between parallel runs)
  std::string device;
  std::int64_t eval_batch_size = 0;
  std::string precision;  // float32 | bfloat16 (autocast of the training forward passes)
  std::int64_t early_stopping_patience = 0;  // 0 = train every epoch
  std::string early_stopping_monitor;        // val_accuracy | pu_auc | pa | lee_liu | pu_risk
};

struct SplitConfig {
  std::vector<std::int64_t> positive_classes;  // empty = the data set's default
  std::int64_t n_labeled = 0;
  double label_frequency = 0;  // > 0: n_labeled = floor(c * positives of the pool) instead (n_labeled unused)
  std::int64_t n_validation = 0;
  std::string scenario;  // single | case_control
  double prior = -1;     // < 0: the true class prior of the unlabeled data
  bool estimate_prior = false;  // split.prior = "estimate": the [prior_estimator] gives it
};

// [prior_estimator]: the estimator (name + its parameters) and the host's keys for the P-vs-U
// classifier the engine trains for it. estimator.name is "" when the table is absent.
struct PriorEstimationConfig {
  ComponentConfig estimator;
  std::int64_t folds = 5;                // cross-fitting: every sample scored by a classifier that never saw it
  std::int64_t classifier_epochs = 5;    // passes over the training folds' unlabeled data
  std::int64_t classifier_batch_size = 512;
  double classifier_lr = 1e-3;
  std::string out_of_range = "clip";     // an estimate outside [min_prior, max_prior]: clip (and warn) | fail
  double min_prior = 0.01, max_prior = 0.99;
};

// One run, fully resolved: every default filled in.
struct RunSpec {
  std::string experiment;
  std::string run_id;
  std::filesystem::path output_dir;  // the experiment's folder; the run writes output_dir/run_id/
  std::filesystem::path data_dir;
  ComponentConfig dataset, labeling, model, risk;
  ComponentConfig weighting;  // name "" = no weighting (every weight 1)
  std::vector<ComponentConfig> regularizers;  // in name order
  std::vector<ComponentConfig> hooks;         // in name order
  // [augmentation.<role>]: (role, component), in role order; built when a component asks for its role.
  std::vector<std::pair<std::string, ComponentConfig>> augmentations;
  ComponentConfig sampler;                    // "joint" unless [sampler] says otherwise
  TrainConfig train;
  SplitConfig split;
  PriorEstimationConfig prior_estimation;
  std::vector<std::pair<std::string, std::string>> sweep_values;  // what this run varies
  ConfigNode resolved;  // the operative configuration, written next to the results

  std::filesystem::path run_dir() const { return output_dir / run_id; }
};

// A run of a sweep before it is checked against the schemas.
struct RunConfig {
  std::string run_id;
  std::vector<std::pair<std::string, std::string>> sweep_values;
  ConfigNode config;  // without [sweep]
};

// The most runs one experiment may expand to: a larger sweep is refused before it is expanded
// (5 axes of 30 values would otherwise take gigabytes just to list).
constexpr std::uint64_t kMaxSweepRuns = 100000;

// Expands [sweep] into the cartesian product of its axes, in a stable order: `compose` first,
// then the other keys in name order, the last axis varying fastest. No [sweep]: one run.
// `compose = []` means no compose axis. An axis "<stem>:dotted.key" applies only to the runs of
// the composed file with that stem. `overrides` (--set, already applied to `experiment`) are
// applied again after each composed file, so that --set wins over compose files too.
// Throws ConfigError for a sweep of more than kMaxSweepRuns runs and for a run id that is not a
// plain folder name.
std::vector<RunConfig> expand_sweep(const ConfigNode& experiment, const std::vector<std::string>& overrides = {});

// Checks a run against the host's and the components' schemas; throws ConfigError naming
// file:line:column of the offending key or value.
RunSpec resolve_run(const RunConfig& run, const Registries& registries);

// Host schemas, for `pulab describe` and the docs.
const Schema& train_schema();
const Schema& split_schema();
const Schema& top_level_schema();
const Schema& report_schema();
const Schema& prior_estimator_schema();  // the host's keys of [prior_estimator]

// Checks a table against a schema (unknown keys, types, ranges, choices) and fills defaults.
// `table_name` appears in messages ("[train]").
Params check_against_schema(const ConfigNode& table, const Schema& schema, const std::string& table_name,
                            const std::vector<std::string>& ignored_keys = {});

}  // namespace pulab
