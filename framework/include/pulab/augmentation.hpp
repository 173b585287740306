#pragma once
// Augmentation: a random view of a batch of inputs, for the methods that train on transformed
// copies of their data (consistency terms, FixMatch-style pseudo-labels, contrastive views).
//
// An experiment names its augmentations by role, one table each:
//   [augmentation.weak]    name = "image", max_shift = 2
//   [augmentation.strong]  name = "image", max_shift = 4, cutout = 10, noise_std = 0.1
// and a component that is also a TrainingHook asks for one in on_run_start with
// context.augmentation("strong") (an error names the missing table), keeps the reference, and calls
// apply() in its training-step code: no look-up by name happens during training.
//
// An augmentation draws its randomness from LibTorch's global generator only (checkpoints save it,
// so a resumed run draws the same views) and is built with the data set's input shape
// (BuildContext::input_shape), so image operations know height, width and channels of the
// flattened rows the data set stores.
#include <torch/types.h>

namespace pulab {

class Augmentation {
 public:
  virtual ~Augmentation();

  // A random view of every row of x ([batch, input...] as the data set gives it), same shape,
  // dtype and device. Not differentiable with respect to x (views are inputs, not parameters).
  virtual torch::Tensor apply(const torch::Tensor& x) = 0;
};

}  // namespace pulab
