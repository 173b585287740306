#pragma once
// LaGAM's contrastive loss (regularizer `lagam_contrast`, latent_groups.cpp), header-only so
// tests/test_method_lagam_contrast.cpp checks it on hand-computed tensors. The paper's method
// section could not be read here: the terms are as the authors' code computes them
// (utils/utils_loss.py, ContLoss.forward), written anew. With q_i, k_i (i = 1..n) the
// L2-normalised projections of two views of the batch's samples (q: weak, k: strong), the 2n
// contrast rows z = (q_1..q_n, k_1..k_n) and temperature tau:
//   s_ij      = q_i . z_j / tau                                   (j = 1..2n)
//   log p_ij  = s_ij - log sum_{l != i} exp(s_il)                 (the anchor's own q_i left out)
//   L_inst    = -(1/n) sum_i log p_i,n+i                          (instance: the other view of i)
// and, once clusters exist (after the warm-up), with c the cluster of each sample, y^ its
// predicted label and both repeated for the k rows (c_{n+i} = c_i):
//   A(i)      = { j != i : c_j = c_i  [and y^_j = y^_i] }  u  kNN(i) \ {i}
//   L_group   = -(1/n) sum_i (1/|A(i)|) sum_{j in A(i)} log p_ij (supervised contrastive over groups)
// where the bracket applies with the code's --cont_cutoff (every README command) and kNN(i) are the
// `neighbours` rows z_j of largest q_i . z_j (the anchor itself among them, as in the code's topk;
// it is then left out), with the code's --knn_aug after its epoch 50. n + i is always in A(i), so
// |A(i)| >= 1. Anchors are the q rows only (the code's einsum over q); masks carry no gradient.
// Differences from the code, none changing the value beyond rounding: the log-sum-exp is taken
// stably (the code's instance term exponentiates s directly, its group term subtracts the row
// maximum and adds 1e-12 inside the log, left out here); both terms share log p.
#include <algorithm>
#include <cstdint>
#include <limits>

#include <torch/types.h>

namespace pulab_lagam {

// log p_ij, [n, 2n]; the entries j = i are finite but never used.
inline torch::Tensor contrast_log_prob(const torch::Tensor& q, const torch::Tensor& k, double temperature) {
  const std::int64_t n = q.size(0);
  const auto logits = q.matmul(torch::cat({q, k}).t()) / temperature;
  const auto self = torch::eye(n, 2 * n, q.options().dtype(torch::kBool));
  const auto others = logits.masked_fill(self, -std::numeric_limits<double>::infinity());
  return logits - others.logsumexp(1, /*keepdim=*/true);
}

inline torch::Tensor instance_contrastive_loss(const torch::Tensor& log_prob) {
  return -log_prob.diagonal(/*offset=*/log_prob.size(0)).mean();
}

// The positive mask A (bool [n, 2n]) for clusters c (int64 [n]), predicted labels (bool [n];
// undefined: no label condition) and `neighbours` nearest rows (0: none).
inline torch::Tensor group_positive_mask(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& cluster,
                                         const torch::Tensor& predicted, std::int64_t neighbours) {
  torch::NoGradGuard no_grad;
  const std::int64_t n = q.size(0);
  auto mask = cluster.unsqueeze(1).eq(torch::cat({cluster, cluster}).unsqueeze(0));
  if (predicted.defined()) mask = mask.logical_and(predicted.unsqueeze(1).eq(torch::cat({predicted, predicted}).unsqueeze(0)));
  if (neighbours > 0) {
    const auto similarity = q.matmul(torch::cat({q, k}).t());
    const auto nearest = std::get<1>(similarity.topk(std::min<std::int64_t>(neighbours, 2 * n), 1));
    mask = mask.logical_or(torch::zeros_like(mask).scatter_(1, nearest, true));
  }
  return mask.logical_and(torch::eye(n, 2 * n, mask.options()).logical_not());
}

inline torch::Tensor group_contrastive_loss(const torch::Tensor& log_prob, const torch::Tensor& mask) {
  const auto m = mask.to(log_prob.dtype());
  return -((m * log_prob).sum(1) / m.sum(1)).mean();
}

}  // namespace pulab_lagam
