// PULDA's margin term against the trivial solution of the alignment (every U prediction equal to
// pi satisfies d(E_U[s], pi) = 0 without separating anything). Two-way sigmoid losses with margin m:
//   l+(z) = sigmoid(z) sigmoid(m - z)      a bump on (0, m): a positive scored inside the margin
//   l-(z) = sigmoid(z + m) sigmoid(-z)     a bump on (-m, 0): a negative scored inside the margin
// and, since negatives are not labeled, the negative class's term is estimated from U and P as in
// the unbiased PU risk, (1 - pi) C_N^- = C_U^- - pi C_P^-, kept non-negative by the smooth absolute
// value d_1 of label_distribution.cpp:
//   R_margin = pi C_P^+ + d_1(C_U^-, pi C_P^-),  C_P^+ = E_P[l+(g)], C_P^- = E_P[l-(g)], C_U^- = E_U[l-(g)]
// m = 0.6 (the authors' default). The slopes of the sigmoids and the temperature of d are 1: the
// authors' code (losses/twoWaySigmoidLoss.py) takes a temperature argument but sets it to 1.0 for
// both; pulab keeps them fixed at 1 and says so. As for label_distribution.cpp, the form comes from
// that code (the paper text was not accessible here).
#include <torch/types.h>

#include "pulda.hpp"

namespace pulab_pulda {

torch::Tensor two_way_positive(const torch::Tensor& z, double margin) {
  return torch::sigmoid(z) * torch::sigmoid(margin - z);
}

torch::Tensor two_way_negative(const torch::Tensor& z, double margin) {
  return torch::sigmoid(z + margin) * torch::sigmoid(-z);
}

}  // namespace pulab_pulda
