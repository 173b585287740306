// Dist-PU's entropy minimisation (Zhao et al., CVPR 2022): the label-distribution consistency on
// U is also met by a classifier that predicts f(x) = pi for every unlabeled x; minimising the
// binary entropy of f pushes each prediction towards 0 or 1 and rules that trivial solution out.
//   H(g) = -mean [f log f + (1 - f) log(1 - f)],  f = sigmoid(g).
// Computed from the score g in log space (log f = logsigmoid(g), log(1 - f) = logsigmoid(-g)),
// finite for any g. The authors' code evaluates the same expression on sigmoid(clamp(g, -10, 10))
// to keep log f finite; pulab needs no clamp (which would also zero the gradient for |g| > 10).
#include <torch/types.h>

#include "dist_pu.hpp"

namespace pulab_dist_pu {

torch::Tensor mean_binary_entropy(const torch::Tensor& g) {
  if (g.numel() == 0) return torch::zeros({}, g.options());
  const auto f = torch::sigmoid(g);
  return -(f * torch::log_sigmoid(g) + (1 - f) * torch::log_sigmoid(-g)).mean();
}

}  // namespace pulab_dist_pu
