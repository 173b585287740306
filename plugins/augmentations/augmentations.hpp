#pragma once
// The augmentations of plugins/augmentations: `image` (flip, translation, cutout, noise on the
// data set's images) and `tabular` (feature masking and noise). See pulab/augmentation.hpp for how
// a method asks for one; each draws from LibTorch's global generator only.
#include <cstdint>
#include <vector>

#include <pulab/augmentation.hpp>
#include <pulab/params.hpp>
#include <pulab/registry.hpp>

namespace pulab_augmentations {

// Batch operations on images x [B, C, H, W] (image_ops.cpp); each sample gets its own draw.
// Mirror left-right with probability p.
torch::Tensor random_flip(const torch::Tensor& x, double p);
// Translate by whole pixels, dy and dx uniform in [-max_shift, max_shift], filling with 0.
torch::Tensor random_shift(const torch::Tensor& x, std::int64_t max_shift);
// Zero one size x size square whose centre is uniform over the image (it may reach past an edge).
torch::Tensor random_cutout(const torch::Tensor& x, std::int64_t size);

class ImageAugmentation final : public pulab::Augmentation {
 public:
  static pulab::Schema schema();
  ImageAugmentation(const pulab::Params& p, const pulab::BuildContext& ctx);
  torch::Tensor apply(const torch::Tensor& x) override;

 private:
  std::vector<std::int64_t> shape_;  // [C, H, W]
  double flip_probability_;
  std::int64_t max_shift_, cutout_;
  double noise_std_;
};

class TabularAugmentation final : public pulab::Augmentation {
 public:
  static pulab::Schema schema();
  explicit TabularAugmentation(const pulab::Params& p);
  torch::Tensor apply(const torch::Tensor& x) override;

 private:
  double mask_probability_, noise_std_;
};

}  // namespace pulab_augmentations
