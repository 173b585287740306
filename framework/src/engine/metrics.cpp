#include "engine/metrics.hpp"

#include <torch/torch.h>

namespace pulab {

double roc_auc(const torch::Tensor& scores, const torch::Tensor& positive) {
  const auto s = scores.to(torch::kDouble).flatten();
  const auto y = positive.to(torch::kBool).flatten();
  const double n_pos = y.sum().item<double>();
  const double n_neg = double(y.numel()) - n_pos;
  if (n_pos == 0 || n_neg == 0) return 0.5;
  // Mann-Whitney U with average ranks for ties.
  const auto order = torch::argsort(s);
  const auto sorted = s.index_select(0, order);
  auto ranks = torch::empty_like(s);
  const auto* v = sorted.data_ptr<double>();
  const auto* o = order.data_ptr<std::int64_t>();
  auto* r = ranks.data_ptr<double>();
  const auto n = s.numel();
  for (std::int64_t i = 0; i < n;) {
    std::int64_t j = i;
    while (j + 1 < n && v[j + 1] == v[i]) ++j;
    const double avg = 0.5 * double(i + j) + 1.0;
    for (std::int64_t k = i; k <= j; ++k) r[o[k]] = avg;
    i = j + 1;
  }
  const double rank_sum = ranks.masked_select(y).sum().item<double>();
  return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg);
}

Metrics compute_metrics(const torch::Tensor& scores, const torch::Tensor& positive, double threshold) {
  Metrics m;
  const auto y = positive.to(torch::kBool).flatten();
  const auto pred = scores.flatten() > threshold;
  const double tp = (pred & y).sum().item<double>();
  const double fp = (pred & ~y).sum().item<double>();
  const double fn = (~pred & y).sum().item<double>();
  const double tn = (~pred & ~y).sum().item<double>();
  const double n = tp + fp + fn + tn;
  m.accuracy = n > 0 ? (tp + tn) / n : 0;
  m.precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  m.recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
  m.error_p = tp + fn > 0 ? fn / (tp + fn) : 0;
  m.error_n = tn + fp > 0 ? fp / (tn + fp) : 0;
  m.auc = roc_auc(scores, y);
  return m;
}

}  // namespace pulab
