// Per-sample random image operations on a batch [B, C, H, W], vectorised over the batch. Every
// draw comes from LibTorch's global generator, in a fixed order per call, so that a run resumed
// from a checkpoint draws the same views.
#include <torch/torch.h>

#include "augmentations.hpp"

namespace pulab_augmentations {

torch::Tensor random_flip(const torch::Tensor& x, double p) {
  const auto flip = (torch::rand({x.size(0)}, x.options().dtype(torch::kFloat)) < p).view({-1, 1, 1, 1});
  return torch::where(flip, x.flip({3}), x);
}

// Pads by max_shift on every side, then gathers for each sample the H x W window starting at
// (max_shift + dy, max_shift + dx): rows first, then columns.
torch::Tensor random_shift(const torch::Tensor& x, std::int64_t max_shift) {
  const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const auto index = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  const auto dy = torch::randint(-max_shift, max_shift + 1, {b}, index);
  const auto dx = torch::randint(-max_shift, max_shift + 1, {b}, index);
  const auto padded = torch::constant_pad_nd(x, {max_shift, max_shift, max_shift, max_shift}, 0);
  const auto rows = (torch::arange(h, index).view({1, h}) + max_shift + dy.view({b, 1}));
  const auto cols = (torch::arange(w, index).view({1, w}) + max_shift + dx.view({b, 1}));
  const auto taken_rows = padded.gather(2, rows.view({b, 1, h, 1}).expand({b, c, h, w + 2 * max_shift}));
  return taken_rows.gather(3, cols.view({b, 1, 1, w}).expand({b, c, h, w}));
}

torch::Tensor random_cutout(const torch::Tensor& x, std::int64_t size) {
  const auto b = x.size(0), h = x.size(2), w = x.size(3);
  const auto index = torch::TensorOptions().dtype(torch::kLong).device(x.device());
  const auto cy = torch::randint(0, h, {b}, index).view({b, 1, 1});
  const auto cx = torch::randint(0, w, {b}, index).view({b, 1, 1});
  // The square covers rows [cy - size/2, cy - size/2 + size) and the same for columns.
  const auto top = cy - size / 2, left = cx - size / 2;
  const auto y = torch::arange(h, index).view({1, h, 1});
  const auto xs = torch::arange(w, index).view({1, 1, w});
  const auto inside = (y >= top) & (y < top + size) & (xs >= left) & (xs < left + size);
  return x.masked_fill(inside.unsqueeze(1), 0);
}

}  // namespace pulab_augmentations
