#pragma once
// `pulab report`, part 1: the result files of finished (and failed) runs, read back into plain
// structs, and the labels a run gets for a grouping key ("compose", "experiment", a sweep key or
// a dotted config path). No LibTorch, no JSON types in this header.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pulab::report {

// One evaluation of a split (all values are fractions in [0, 1]).
struct Scores {
  double accuracy = 0, auc = 0, f1 = 0, precision = 0, recall = 0, error_p = 0, error_n = 0;
};

// The PU-only criteria of an epoch on validation (docs/reporting.md); absent when the file does
// not record one (null: not computable for the run; missing: written before it was recorded).
struct PuCriteria {
  std::optional<double> auc, proxy_accuracy, lee_liu, risk;
};

struct EpochScores {
  std::int64_t epoch = 0;
  double train_risk = 0;
  Scores val, test;
  PuCriteria val_pu;  // auc from "val_pu" or, in older files, "val_pu_auc"
};

// The `last` or `best_val` reading of a result file.
struct Reading {
  std::int64_t epoch = 0;
  Scores val, test;
};

struct RunResult {
  std::filesystem::path file;  // the result.json
  std::string experiment, run_id, status, error;
  std::int64_t seed = 0;
  std::map<std::string, std::string> sweep;   // sweep key -> value (as in the file), "compose" -> file stem
  std::map<std::string, std::string> config;  // flattened operative config: "config.split.n_labeled" -> "1000"
  std::vector<EpochScores> epochs;
  Reading last, best_val;
  double wall_seconds = 0;
  // Its epochs carry "val_pu" (PA, Lee & Liu, PU risk): false for files written before them.
  bool has_val_pu = false;

  bool finished() const { return status == "finished"; }
  // The raw value of a key: "experiment", "run_id", "compose", a sweep key, or a config path with
  // or without the "config." prefix (a sweep key is looked up in the config when not swept).
  // "A|B" names alternatives: the first of A, B the run has a non-empty value for ("report.row|compose":
  // an experiment's row label where it gives one, else the composed method).
  std::optional<std::string> value(const std::string& key) const;
  // The label of a run for a grouping key: the experiment name, the composed file's stem, or
  // "<last part of the key>-<value>" (numbers normalised: 30.0 -> 30), like the run ids.
  // "(none)" when the run has no such key.
  std::string label(const std::string& key) const;
};

struct ResultsIndex {
  std::vector<RunResult> runs;          // finished runs, in path order
  std::vector<RunResult> failed;        // status other than "finished"
  std::vector<std::string> unreadable;  // "path: why"
};

// Reads every result.json below the given folders (recursively; a folder may also be a result
// file itself). Throws pulab::Error when a folder does not exist.
ResultsIndex load_results(const std::vector<std::filesystem::path>& dirs);

// Parses one result file's text (exposed for tests); throws on malformed JSON.
RunResult parse_result(const std::string& text, const std::filesystem::path& file);

// 30.0 -> "30", "1e-4" -> "0.0001"; anything that is not a number is returned unchanged.
std::string normalize_number(const std::string& value);

// The config path a key names ("config.split.n_labeled" and "split.n_labeled" both name
// "split.n_labeled"); "" for "experiment", "compose" and "run_id".
std::string config_path_of(const std::string& key);

// The keys "A|B|..." names, in order ("A" alone for a plain key).
std::vector<std::string> key_alternatives(const std::string& key);

// Orders "beta_max-3" before "beta_max-10": digit runs compare as numbers.
bool natural_less(const std::string& a, const std::string& b);

}  // namespace pulab::report
