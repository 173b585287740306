// LaGAM's meta objective in pulab: the loss on the meta set that the meta step's look-ahead model
// should lower. The authors' code uses its class-balanced BCE (balanced_bce.cpp) on a small
// validation set with TRUE labels of both classes (utils/utils_data.py: n_valid = 500 samples,
// n_valid / #classes of every class, binarized true labels). A pulab hook never sees a negative
// label (TrainingContext exposes the validation set's PU view only), so the meta objective here is
// the unbiased PU estimate of that same class-balanced cross-entropy, from labeled positives P and
// unlabeled samples U of prior pi (E_N[f] = (E_U[f] - pi E_P[f]) / (1 - pi)):
//   L_meta = mean_P softplus(-g) + (mean_U softplus(g) - pi mean_P softplus(g)) / (1 - pi).
// Its expectation, and the expectation of its gradient, equal the PN objective's, so the meta
// gradient (linear in grad L_meta) is an unbiased estimate of the one a labeled meta set gives.
// It is not clipped at 0 (nnPU's correction): the meta step reads only its gradient direction.
#include <torch/types.h>

#include "lagam.hpp"

namespace pulab_lagam {

torch::Tensor pu_meta_objective(const torch::Tensor& g_p, const torch::Tensor& g_u, double prior) {
  const auto positive = torch::softplus(-g_p).mean();
  const auto negative = (torch::softplus(g_u).mean() - prior * torch::softplus(g_p).mean()) / (1.0 - prior);
  return positive + negative;
}

}  // namespace pulab_lagam
