#pragma once
// A run's data: the data set loaded and checked, and its PU split drawn (deterministic per seed).
// The trainer and `pulab estimate-prior` share it.
#include <cstdint>
#include <vector>

#include "config/experiment.hpp"
#include "data/pu_split.hpp"
#include "pulab/registry.hpp"

namespace pulab {

// Loads the run's data set, checks its tensors, and draws the PU split; `input_shape` receives one
// sample's shape. Throws DataError / pulab::Error naming the data set.
PUData load_run_split(const RunSpec& spec, const Registries& registries, const BuildContext& context,
                      std::vector<std::int64_t>& input_shape);

}  // namespace pulab
