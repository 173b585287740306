// Augmentations for the methods that train on views of their data (pulab/augmentation.hpp).
#include <pulab/plugin.hpp>

#include "augmentations.hpp"

PULAB_PLUGIN("augmentations", "1.0.0") {
  registrar.add<pulab::Augmentation, pulab_augmentations::ImageAugmentation>(
      "image", "random flip, translation, cutout and Gaussian noise of the data set's images");
  registrar.add<pulab::Augmentation, pulab_augmentations::TabularAugmentation>(
      "tabular", "random feature masking (to 0) and Gaussian noise of tabular rows");
}
