#pragma once
// The [C, H, W] shape of one image sample from the data set's input shape (BuildContext::
// input_shape): [C, H, W] as given, [H, W] as one channel, a flat square vector (MNIST's 784) as
// 1 x side x side. Image models and image augmentations read their inputs' geometry from it.
#include <cstdint>
#include <string>
#include <vector>

namespace pulab {

// Throws pulab::ConfigError "<who> needs image inputs ([C, H, W], [H, W] or a flat square); got 3x7".
std::vector<std::int64_t> image_shape(const std::vector<std::int64_t>& input_shape, const std::string& who);

}  // namespace pulab
