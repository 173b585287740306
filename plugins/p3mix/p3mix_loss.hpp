#pragma once
// P3Mix's objective on a mixed mini-batch (Li, Li, Feng, Ouyang, ICLR 2022, Sec. 3), header-only
// so tests/test_method_p3mix.cpp checks it on hand-computed tensors. With z the scores of the
// mixed rows (n_p rows mixed from a labeled positive first, then the rows mixed from an unlabeled
// sample), y~ their mixed targets, t~ their mixed early-learning targets (P3Mix-E only) and
//   p = clamp(sigmoid(z), eps, 1 - eps):
//   CE(p, y)  = -(y log p + (1 - y) log(1 - p))
//   H(p)      = -(p log p + (1 - p) log(1 - p))                  entropy minimisation
//   ELR(p, t) = log(1 - (t p + (1 - t)(1 - p)))                  early-learning regularisation
//                                                               (Liu et al., NeurIPS 2020), binary
//   L = w_p mean_{P rows} w_i CE + w_u mean_{U rows} CE + beta mean_{all} H + eta mean_{all} ELR
// (w_i the positive weights of a SampleWeighting, 1 without one). The P and U rows are averaged
// separately (the authors' code does; the paper writes one average per set).
// Choice: probabilities clamped to [eps, 1 - eps] (eps = 1e-4 in the authors' code) in every term,
// which keeps ELR finite where t = p in {0, 1}; beyond the clamp the terms have no gradient, as
// in that code.
#include <cstdint>

#include <torch/types.h>

namespace pulab_p3mix {

struct LossWeights {
  double positive = 1.0;   // w_p
  double unlabeled = 1.0;  // w_u
  double entropy = 0.1;    // beta
  double elr = 0.0;        // eta; 0: the ELR term is not computed and t may be undefined
  double eps = 1e-4;       // probability clamp
};

struct LossTerms {
  torch::Tensor total, positive, unlabeled, entropy, elr;  // elr undefined when eta = 0
};

// `weights` (the positive weights, [n_p]) may be undefined. A side without rows contributes 0.
inline LossTerms p3mix_loss(const torch::Tensor& z, const torch::Tensor& y, const torch::Tensor& t, std::int64_t n_p,
                            const torch::Tensor& weights, const LossWeights& w) {
  const auto p = torch::sigmoid(z).clamp(w.eps, 1.0 - w.eps);
  const auto log_p = torch::log(p), log_q = torch::log(1 - p);
  const auto ce = -(y * log_p + (1 - y) * log_q);
  const std::int64_t n = z.size(0);
  LossTerms out;
  auto ce_p = ce.slice(0, 0, n_p);
  if (weights.defined()) ce_p = ce_p * weights.to(ce_p.dtype());
  out.positive = n_p > 0 ? ce_p.mean() : torch::zeros({}, z.options());
  out.unlabeled = n > n_p ? ce.slice(0, n_p).mean() : torch::zeros({}, z.options());
  out.entropy = -(p * log_p + (1 - p) * log_q).mean();
  out.total = w.positive * out.positive + w.unlabeled * out.unlabeled + w.entropy * out.entropy;
  if (w.elr > 0) {
    out.elr = torch::log(1 - (t * p + (1 - t) * (1 - p))).mean();
    out.total = out.total + w.elr * out.elr;
  }
  return out;
}

}  // namespace pulab_p3mix
