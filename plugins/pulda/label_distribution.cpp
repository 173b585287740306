// PULDA's label distribution alignment (Jiang et al., TPAMI 2023; Dist-PU, Zhao et al., CVPR 2022):
// with s(x) = sigmoid(g(x)) the predicted P(y = +1 | x), the label distribution predicted on the
// labeled positives should be that of the positive class (expectation 1) and the one predicted on U
// that of the mixture (expectation pi, the class prior of U):
//   R_lab = 2 pi (1 - E_P[s]) + d_tau(E_U[s], pi)
// The P term is linear (E_P[s] <= 1, no distance needed); the U term is a smooth absolute value,
//   d_tau(a, b) = softplus_tau(a - b) + softplus_tau(b - a),  softplus_tau(x) = log(1 + e^{tau x}) / tau,
// tau = 3.5 (the authors' default `tmpr`). The factor 2 pi and the softplus form are those of the
// authors' public code (losses/distributionLoss.py): the paper text was not accessible here, so the
// form of the terms is taken from that code (see /work/drafts/pulda.md, "Sources").
// This file holds the distance and the (weighted) mean; pulda_risk.cpp assembles the terms.
#include <torch/types.h>

#include "pulda.hpp"

namespace pulab_pulda {

torch::Tensor softplus_distance(const torch::Tensor& a, const torch::Tensor& b, double tau) {
  const auto diff = a - b;
  // torch's softplus(x, beta) is log(1 + e^{beta x}) / beta, linear above beta x = 20.
  return torch::softplus(diff, tau, 20.0) + torch::softplus(-diff, tau, 20.0);
}

torch::Tensor weighted_mean(const torch::Tensor& values, const torch::Tensor& weights) {
  // A SampleWeighting reweights the empirical distribution of P (as pulab/unbiased_risk.hpp does):
  // mean(w v), so uniform weights 1 give the plain mean.
  return weights.defined() ? (weights.to(values.dtype()) * values).mean() : values.mean();
}

}  // namespace pulab_pulda
