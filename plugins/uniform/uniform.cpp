// The uniform weighting: every labeled positive weighs 1. It returns an undefined tensor, which
// the risks read as "all ones", so it is exactly the same as naming no weighting at all; it exists
// so that a composition can switch GradPU's upweighting off by name ([weighting] name = "uniform").
#include <torch/torch.h>

#include <pulab/plugin.hpp>
#include <pulab/sample_weighting.hpp>

namespace {

class Uniform final : public pulab::SampleWeighting {
 public:
  static pulab::Schema schema() { return {}; }
  explicit Uniform(const pulab::Params&) {}
  torch::Tensor positive_weights(const torch::Tensor&, const pulab::Batch&) override { return {}; }
};

}  // namespace

PULAB_PLUGIN("uniform", "1.0.0") {
  registrar.add<pulab::SampleWeighting, Uniform>("uniform", "every positive weighs 1 (same as no weighting)");
}
