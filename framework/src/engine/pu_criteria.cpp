#include "engine/pu_criteria.hpp"

#include <cmath>

#include <torch/torch.h>

namespace pulab {

void decision_criteria(const torch::Tensor& scores, const torch::Tensor& labeled, double threshold, double prior,
                       PuCriteria& out) {
  const auto is_labeled = labeled.to(torch::kBool).flatten();
  const auto predicted = scores.flatten() > threshold;  // the decision rule of compute_metrics
  const double n = static_cast<double>(predicted.numel());
  const double n_labeled = is_labeled.sum().item<double>();
  const double n_unlabeled = n - n_labeled;
  out.proxy_accuracy.reset();
  out.lee_liu.reset();
  if (n_labeled == 0) return;
  const double tpr = (predicted & is_labeled).sum().item<double>() / n_labeled;
  const double called_positive = predicted.sum().item<double>() / n;
  out.lee_liu = called_positive > 0 ? tpr * tpr / called_positive : 0.0;
  if (n_unlabeled == 0 || !std::isfinite(prior) || prior < 0 || prior > 1) return;
  const double r_u = (predicted & ~is_labeled).sum().item<double>() / n_unlabeled;
  out.proxy_accuracy = 1 - prior - r_u + 2 * prior * tpr;
}

std::optional<double> validation_risk(RiskEstimator& risk, const torch::Tensor& x_val, const torch::Tensor& scores,
                                      const torch::Tensor& labeled, double prior, const Progress& progress) {
  const StateUse use = risk.state_use();
  if (use.oracle || !use.reads.empty()) return std::nullopt;
  const auto is_labeled = labeled.to(torch::kBool).flatten().to(scores.device());
  const auto ids_p = is_labeled.nonzero().flatten();
  const auto ids_u = (~is_labeled).nonzero().flatten();
  if (ids_p.numel() == 0 || ids_u.numel() == 0) return std::nullopt;
  torch::NoGradGuard no_grad;
  Batch batch;  // no sample ids, no state, no labels of U: only what a PU risk may read
  batch.x_p = x_val.index_select(0, ids_p.to(x_val.device()));
  batch.x_u = x_val.index_select(0, ids_u.to(x_val.device()));
  batch.prior = prior;
  batch.progress = progress;
  const auto g = scores.flatten().to(torch::kFloat);
  const Scores parts{g.index_select(0, ids_p), g.index_select(0, ids_u)};
  const torch::Tensor no_weights;
  const RiskOutput out = risk.compute({parts, no_weights, prior, batch});
  if (!out.reported.defined()) return std::nullopt;
  const double value = out.reported.item<double>();
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace pulab
