// The class-balanced soft binary cross-entropy of LaGAM's training objective (the authors'
// utils/utils_loss.py, BCELoss, with ent_loss off as in every command of their README): each
// class's cross-entropy is averaged over the mass of that class's (soft) labels,
//   L(g; t1, t0) = sum_i t1_i softplus(-g_i) / sum_i t1_i  +  sum_i t0_i softplus(g_i) / sum_i t0_i,
// softplus(-g) = -log sigmoid(g), softplus(g) = -log(1 - sigmoid(g)). With two-column labels
// (1 - y, y) this is the code's loss; t1 and t0 are kept apart so that the meta step can perturb
// each column on its own, as the code's eps of shape [batch, 2] does.
// Choices beyond the code:
//   - no clamp: the code clamps sigmoid(g) to [1e-4, 1 - 1e-4] before the log, which zeroes the
//     gradient of samples with |g| > 9.2; here the log terms come from softplus, finite for any g;
//   - a class whose weights sum to 0 contributes 0 (the code divides by 0); the denominator is
//     clamped at 1e-12, so its numerator (also 0) decides.
#include <torch/types.h>

#include "lagam.hpp"

namespace pulab_lagam {

torch::Tensor balanced_bce(const torch::Tensor& g, const torch::Tensor& t1, const torch::Tensor& t0) {
  const auto positive = (t1 * torch::softplus(-g)).sum() / t1.sum().clamp_min(1e-12);
  const auto negative = (t0 * torch::softplus(g)).sum() / t0.sum().clamp_min(1e-12);
  return positive + negative;
}

}  // namespace pulab_lagam
