// Augmentation `tabular`: each feature of each row is set to 0 with probability mask_probability
// (0 is a standardised feature's training mean), then Gaussian noise of noise_std is added: the
// corruption views of tabular self-supervised and consistency methods (e.g. VIME's masking).
// No rescaling of the kept features (unlike dropout): a view should look like a data row.
#include <torch/torch.h>

#include "augmentations.hpp"

namespace pulab_augmentations {

pulab::Schema TabularAugmentation::schema() {
  return {pulab::param::real("mask_probability", 0.0, "set each feature to 0 with this probability").range(0, 1),
          pulab::param::real("noise_std", 0.0, "add Gaussian noise of this standard deviation").at_least(0)};
}

TabularAugmentation::TabularAugmentation(const pulab::Params& p)
    : mask_probability_(p.real("mask_probability")), noise_std_(p.real("noise_std")) {}

torch::Tensor TabularAugmentation::apply(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  auto out = x;
  if (mask_probability_ > 0) out = out.masked_fill(torch::rand_like(out, torch::kFloat) < mask_probability_, 0);
  if (noise_std_ > 0) out = out + noise_std_ * torch::randn_like(out);
  return out;
}

}  // namespace pulab_augmentations
