#pragma once
// Reusing finished runs of other sweeps (`pulab run FILE --reuse-from DIR`).
//
// Sweeps overlap: a learning-rate search contains the Table 1 run at the default rate, the
// label-frequency grid contains the typical setting's c = 0.1, a labeling sweep its SCAR column.
// A run whose computation (its whole configuration but the names experiment and run_id, and
// where results and data live) equals that of a finished run under one of the given folders is
// not trained again: its result is the source's, named as this run, with "reused_from" saying
// which file it came from. Training is deterministic per configuration and seed (a resumed or
// parallel run is bit-identical, tested), so the numbers are those the run would produce.
// No LibTorch here.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/experiment.hpp"

namespace pulab {

class ReusableResults {
 public:
  // Indexes every finished result.json below `folders` (recursively). A folder that does not
  // exist is a ConfigError naming it (a mistyped --reuse-from must not silently train everything).
  explicit ReusableResults(const std::vector<std::filesystem::path>& folders);

  // The finished result of the same computation as `spec`, if one was indexed (never the run's
  // own result file).
  std::optional<std::filesystem::path> find(const RunSpec& spec) const;

 private:
  std::map<std::string, std::filesystem::path> by_computation_;  // fingerprint -> result.json
};

// Writes `spec`'s result.json (atomically) and its config.toml from the finished result at
// `source`, and removes a checkpoint or prior estimate the run may have left.
void reuse_result(const RunSpec& spec, const std::filesystem::path& source);

}  // namespace pulab
