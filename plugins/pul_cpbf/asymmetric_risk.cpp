// PUL-CPBF's asymmetric disambiguation-free risk (Li et al., ICML 2024, Section 2). Disambiguation-
// free: every unlabeled sample is treated as a negative. Asymmetric: the two sides get the weights
// (1 - beta) and beta,
//   R_beta(g) = (1 - beta) rho E_P[l(g(x), +1)] + beta (1 - rho) E_U[l(g(x), -1)],
// rho = n_P / (n_P + n_U), the share of labeled positives in the training set (the weights of the
// empirical training distribution). The abstract's theorem: the probability boundary of the
// minimiser is controlled by beta. Derivation (ours, the paper's body was not accessible): with a
// classification-calibrated loss the minimiser calls x positive where
// (1 - beta) rho p_P(x) > beta (1 - rho) p_U(x); under SCAR p_U = pi p_P + (1 - pi) p_N and the
// posterior of an unlabeled x is eta(x) = pi p_P(x) / p_U(x), so the boundary is
//   eta(x) = pi beta (1 - rho) / ((1 - beta) rho),
// which equals alpha for
//   beta(alpha) = alpha rho / (pi (1 - rho) + alpha rho).
// This is the formula PU-Bench's port uses (train/pulcpbf/trainer.py, `beta = alpha * prior_ /
// (prior - prior * prior_ + alpha * prior_)` with prior_ = rho), which confirms the weights above.
// Choice (`normalize = true`, the default): the risk is divided by (1 - beta) rho + beta (1 - rho),
// the sum of its two weights. The minimiser and its boundary do not change, and Adam is invariant
// to the scale of the objective, but not to the L2 weight decay it adds to the gradient: with
// rho = 1000 / 59500 on MNIST the literal risk is ~60 times smaller than a usual loss, and a
// weight decay of 5e-4 outweighed its gradient (a 5-epoch MNIST probe learned nothing: every score
// stayed near 0, the risk at 2 * 0.0165 log 2 = 0.0229). `normalize = false` keeps the literal weights.
// The loss is the logistic loss by default (PU-Bench's `loss: logistic`), any pulab margin loss
// otherwise (loss.hpp).
#include <torch/types.h>

#include "pul_cpbf.hpp"

namespace pulab_pul_cpbf {

double asymmetric_penalty(double alpha, double rho, double pi) {
  return alpha * rho / (pi * (1 - rho) + alpha * rho);
}

torch::Tensor asymmetric_risk(pulab::Loss loss, const torch::Tensor& g_p, const torch::Tensor& g_u, double beta,
                              double rho, bool normalize, const torch::Tensor& weights) {
  auto positive = pulab::loss_positive(loss, g_p);
  if (weights.defined()) positive = weights.to(positive.dtype()) * positive;
  double w_p = (1 - beta) * rho, w_u = beta * (1 - rho);
  if (normalize) {
    const double sum = w_p + w_u;
    w_p /= sum;
    w_u /= sum;
  }
  return w_p * positive.mean() + w_u * pulab::loss_negative(loss, g_u).mean();
}

}  // namespace pulab_pul_cpbf
