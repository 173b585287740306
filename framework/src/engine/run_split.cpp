#include "engine/run_split.hpp"

#include <torch/torch.h>

#include "engine/run_components.hpp"
#include "pulab/dataset_source.hpp"
#include "pulab/error.hpp"
#include "pulab/labeling_mechanism.hpp"

namespace pulab {
namespace {

void check_data(const LabeledData& data, const std::string& dataset) {
  auto check = [&](const LabeledSet& s, const char* which) {
    if (!s.x.defined() || !s.y.defined() || s.x.dim() < 2 || s.y.dim() != 1 || s.x.size(0) != s.y.size(0)) {
      throw DataError("dataset '" + dataset + "': the " + which + " set is malformed (x must be [n, ...], y [n])");
    }
    if (s.x.scalar_type() != torch::kFloat) throw DataError("dataset '" + dataset + "': x must be float32");
  };
  check(data.train, "training");
  check(data.test, "test");
}

}  // namespace

// Loads the data set and draws the PU split (deterministic per seed).
PUData load_run_split(const RunSpec& spec, const Registries& registries, const BuildContext& context,
                  std::vector<std::int64_t>& input_shape) {
  auto source = build_component(registries.datasets, spec.dataset, context);
  const LabeledData data = source->load();
  check_data(data, spec.dataset.name);
  input_shape.assign(data.train.x.sizes().begin() + 1, data.train.x.sizes().end());
  auto labeling = build_component(registries.labelings, spec.labeling, context);
  return make_pu_split(data, spec.split, *labeling, static_cast<std::uint64_t>(spec.train.seed));
}

}  // namespace pulab
