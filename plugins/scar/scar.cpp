// SCAR labeling: the labeled positives are drawn uniformly from the positives of the pool
// (Selected Completely At Random).
#include <torch/torch.h>

#include <pulab/labeling_mechanism.hpp>
#include <pulab/plugin.hpp>

namespace {

class Scar final : public pulab::LabelingMechanism {
 public:
  static pulab::Schema schema() { return {}; }
  explicit Scar(const pulab::Params&) {}

  torch::Tensor select(const pulab::LabelingInput& in) override {
    const auto positives = in.positive.nonzero().squeeze(1);
    auto gen = at::detail::createCPUGenerator(in.seed);
    const auto order = torch::randperm(positives.size(0), gen, torch::kLong);
    return positives.index_select(0, order.slice(0, 0, in.n_labeled));
  }
};

}  // namespace

PULAB_PLUGIN("scar", "1.0.0") {
  registrar.add<pulab::LabelingMechanism, Scar>("scar", "labeled positives drawn uniformly from the positives");
}
