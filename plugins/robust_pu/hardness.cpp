// Robust-PU's hardness measure (Zhu et al., KDD 2023): how hard a sample is for the current model,
// given the label it is trained with. U is taken as negative (a noisy label), so an unlabeled
// sample the model scores as positive is hard (likely a positive hidden in U) and one it scores as
// clearly negative is easy:
//   h(x) = l(g(x) / tau_p, +1)   labeled positive
//   h(x) = l(g(x) / tau_n, -1)   unlabeled, taken as negative
// with l the logistic loss log(1 + e^{-yz}) (the default, `hardness = "logistic"`) or the sigmoid
// loss sigmoid(-yz), and tau a temperature that smooths the scores before the loss (tau > 1 spreads
// the hardness of confident samples less, tau < 1 more).
// Source of the formula: the authors' code (main.py, weighted_dataloader: the surrogate loss of the
// logit divided by temper_p / temper_n); the paper's full text was not available to this
// implementation. The code also offers CRPS, Brier, focal and feature-distance hardness; only the
// logistic (the code's default) and sigmoid ones are provided here.
#include <torch/types.h>

#include "robust_pu.hpp"

namespace pulab_robust_pu {

torch::Tensor hardness(pulab::Loss loss, const torch::Tensor& g, double temperature, bool labeled_positive) {
  const auto z = g / temperature;
  return labeled_positive ? pulab::loss_positive(loss, z) : pulab::loss_negative(loss, z);
}

}  // namespace pulab_robust_pu
