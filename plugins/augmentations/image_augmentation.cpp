// Augmentation `image`: x -> noise(cutout(shift(flip(x)))), each step skipped when its strength is 0,
// the usual weak/strong views of semi-supervised and PU methods on images (FixMatch's weak view is
// flip + translation; strong views add occlusion and noise). Inputs are the data set's rows,
// reshaped to [C, H, W] by pulab::image_shape and back: a flat MNIST row is a 1 x 28 x 28 image.
// Padding and cutout fill with 0 (MNIST's background; the mean of standardised inputs). No
// RandAugment: its photometric operations assume natural RGB images, which pulab's CPU data
// sets are not; a plugin can add one as another augmentation.
#include <torch/torch.h>

#include <pulab/error.hpp>
#include <pulab/image_shape.hpp>

#include "augmentations.hpp"

namespace pulab_augmentations {

pulab::Schema ImageAugmentation::schema() {
  return {pulab::param::real("flip_probability", 0.0, "mirror left-right with this probability (0 for digits)").range(0, 1),
          pulab::param::integer("max_shift", 0, "translate by up to this many pixels in each direction").at_least(0),
          pulab::param::integer("cutout", 0, "zero one square of this side at a random place (0 = none)").at_least(0),
          pulab::param::real("noise_std", 0.0, "add Gaussian noise of this standard deviation").at_least(0)};
}

ImageAugmentation::ImageAugmentation(const pulab::Params& p, const pulab::BuildContext& ctx)
    : shape_(pulab::image_shape(ctx.input_shape, "augmentation image")),
      flip_probability_(p.real("flip_probability")),
      max_shift_(p.integer("max_shift")),
      cutout_(p.integer("cutout")),
      noise_std_(p.real("noise_std")) {
  if (max_shift_ >= shape_[1] || max_shift_ >= shape_[2]) {
    throw pulab::ConfigError("augmentation image: max_shift = " + std::to_string(max_shift_) +
                             " must be smaller than the image (" + std::to_string(shape_[1]) + " x " +
                             std::to_string(shape_[2]) + ")");
  }
  if (cutout_ > shape_[1] || cutout_ > shape_[2]) {
    throw pulab::ConfigError("augmentation image: cutout = " + std::to_string(cutout_) + " is larger than the image (" +
                             std::to_string(shape_[1]) + " x " + std::to_string(shape_[2]) + ")");
  }
}

torch::Tensor ImageAugmentation::apply(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  auto images = x.reshape({x.size(0), shape_[0], shape_[1], shape_[2]});
  if (flip_probability_ > 0) images = random_flip(images, flip_probability_);
  if (max_shift_ > 0) images = random_shift(images, max_shift_);
  if (cutout_ > 0) images = random_cutout(images, cutout_);
  if (noise_std_ > 0) images = images + noise_std_ * torch::randn_like(images);
  return images.reshape(x.sizes());
}

}  // namespace pulab_augmentations
