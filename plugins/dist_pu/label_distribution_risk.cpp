// Risk `dist_pu`: Dist-PU's label-distribution consistency (Zhao et al., CVPR 2022, Sec. 3; the
// paper's Fig. 2: "minimizing the L1-distances between the expectations of the predicted and the
// ground-truth labels from X_L and X_U"). With f = sigmoid(g) standing in for the predicted label,
// the expected label is 1 on the labeled positives and the class prior pi on U, so
//   R = mean_P (1 - f(x)) + 1/(2 pi) * | mean_U f(x) - pi |.
// (|1 - mean_P f| = mean_P (1 - f) because f <= 1.)
// Choices beyond the paper, each checked against the authors' code (losses/distributionLoss.py):
// - The relative weight 1 : 1/(2 pi) of the two distances is the authors' code's (its one-bin
//   "histogram" with the polar proxy reduces exactly to these two means); it equals
//   (2 pi mean_P (1 - f) + |mean_U f - pi|) / (2 pi). The overall scale is the code's, so its
//   weights of the entropy and mixup terms (regularizer `dist_pu`) apply unchanged.
// - Positive weights of a SampleWeighting, when present, multiply the terms 1 - f(x_p).
// - A batch side with no sample contributes 0 (as in the authors' code).
// - The authors clamp g to [-10, 10] before the sigmoid in their second stage; pulab does not (the
//   clamp only zeroes the gradient of samples with |g| > 10).
// The method needs the class prior: a prior outside (0, 1) is an error that names split.prior.
#include <string>

#include <torch/types.h>

#include <pulab/error.hpp>

#include "dist_pu.hpp"

namespace pulab_dist_pu {

pulab::Schema LabelDistributionRisk::schema() { return {}; }

LabelDistributionRisk::LabelDistributionRisk(const pulab::Params&) {}

pulab::RiskOutput LabelDistributionRisk::compute(const pulab::RiskInput& in) {
  const double pi = in.prior;
  if (!(pi > 0 && pi < 1)) {
    throw pulab::Error("risk 'dist_pu' needs the class prior of the unlabeled data in (0, 1), got " +
                       std::to_string(pi) + ": set split.prior (or split.prior = \"estimate\" with a [prior_estimator])");
  }
  const torch::Tensor& g_p = in.scores.p;
  const torch::Tensor& g_u = in.scores.u;
  torch::Tensor risk = torch::zeros({}, g_u.defined() && g_u.numel() > 0 ? g_u.options() : g_p.options());
  if (g_p.numel() > 0) {
    auto miss = 1 - torch::sigmoid(g_p);
    if (in.positive_weights.defined()) miss = miss * in.positive_weights;
    risk = risk + miss.mean();
  }
  if (g_u.numel() > 0) risk = risk + (torch::sigmoid(g_u).mean() - pi).abs() / (2 * pi);
  return {risk, risk};
}

}  // namespace pulab_dist_pu
