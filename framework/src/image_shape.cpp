#include "pulab/image_shape.hpp"

#include <cmath>

#include "pulab/error.hpp"

namespace pulab {

std::vector<std::int64_t> image_shape(const std::vector<std::int64_t>& shape, const std::string& who) {
  if (shape.size() == 3) return shape;
  if (shape.size() == 2) return {1, shape[0], shape[1]};
  if (shape.size() == 1) {
    const auto side = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(shape[0]))));
    if (side * side == shape[0]) return {1, side, side};
  }
  std::string s;
  for (auto d : shape) s += (s.empty() ? "" : "x") + std::to_string(d);
  throw ConfigError(who + " needs image inputs ([C, H, W], [H, W] or a flat square); got " + (s.empty() ? "none" : s));
}

}  // namespace pulab
