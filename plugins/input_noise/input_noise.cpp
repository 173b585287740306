// Input noise (a Table 2 baseline): Gaussian noise N(0, std^2) added to every training input of
// the mini-batch (labeled positives and unlabeled) before the forward pass; evaluation sees clean
// data (prepare() runs only in training). The noise comes from the global generator, drawn on the
// CPU and moved to the batch's device so a seed gives the same noise on any device.
// It adds no penalty; std = 0 leaves the batch untouched and draws nothing.
#include <torch/torch.h>

#include <pulab/plugin.hpp>
#include <pulab/regularizer.hpp>

namespace {

class InputNoise final : public pulab::Regularizer {
 public:
  static pulab::Schema schema() {
    return {pulab::param::real("std", 0.1, "standard deviation of the Gaussian input noise").at_least(0)};
  }
  explicit InputNoise(const pulab::Params& p) : std_(p.real("std")) {}

  void prepare(pulab::Batch& batch, const pulab::Progress&) override {
    if (std_ == 0) return;
    batch.x_p = add_noise(batch.x_p);
    batch.x_u = add_noise(batch.x_u);
  }

  torch::Tensor penalty(pulab::ScoreModel&, const pulab::Batch&, const pulab::Scores&,
                        const pulab::Progress&) override {
    return {};
  }

 private:
  torch::Tensor add_noise(const torch::Tensor& x) const {
    const auto noise = torch::randn(x.sizes(), torch::TensorOptions().dtype(x.scalar_type()));
    return x + std_ * noise.to(x.device());
  }

  double std_;
};

}  // namespace

PULAB_PLUGIN("input_noise", "1.0.0") {
  registrar.add<pulab::Regularizer, InputNoise>("input_noise", "adds N(0, std^2) noise to the training inputs");
}
