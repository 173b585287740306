// Robust-PU's self-paced weights (Zhu et al., KDD 2023). Self-paced learning minimises
//   sum_i v_i l_i + G(v; lambda)   over the model and v in [0, 1]^n,
// and for a fixed model each v_i has a closed form in the sample's hardness h_i and the threshold
// (the "age") lambda, set by the self-paced regularizer G:
//   hard    v = 1 if h < lambda, else 0                     (Kumar et al. 2010)
//   linear  v = max(0, 1 - h / lambda)
//   welsch  v = exp(-h / lambda^2)                           (Welsch M-estimator)
//   cauchy  v = 1 / (1 + h / lambda^2)                       (Cauchy M-estimator)
// Small lambda keeps only the easiest samples; as lambda grows, harder ones enter. The authors'
// code (spl_utills.py, calculate_spl_weights) uses these formulas with welsch as its default; it
// also has log, mixture, logistic, polynomial, Huber and L1-L2 regularizers, which are not provided
// here. The weights are constants for the step (computed without gradient by the hook).
#include <torch/types.h>

#include <pulab/error.hpp>

#include "robust_pu.hpp"

namespace pulab_robust_pu {

SelfPaced parse_self_paced(const std::string& name) {
  if (name == "hard") return SelfPaced::Hard;
  if (name == "linear") return SelfPaced::Linear;
  if (name == "welsch") return SelfPaced::Welsch;
  if (name == "cauchy") return SelfPaced::Cauchy;
  throw pulab::Error("unknown self-paced regularizer '" + name + "' (expected hard, linear, welsch or cauchy)");
}

torch::Tensor self_paced_weights(SelfPaced kind, const torch::Tensor& h, double lambda) {
  switch (kind) {
    case SelfPaced::Hard: return (h < lambda).to(h.dtype());
    case SelfPaced::Linear: return (1.0 - h / lambda).clamp_min(0.0);
    case SelfPaced::Welsch: return torch::exp(-h / (lambda * lambda));
    case SelfPaced::Cauchy: return 1.0 / (1.0 + h / (lambda * lambda));
  }
  throw pulab::Error("unknown self-paced regularizer");
}

}  // namespace pulab_robust_pu
