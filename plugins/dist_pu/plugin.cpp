// Dist-PU's parts (see dist_pu.hpp); experiments/methods/dist_pu.toml composes them.
#include <pulab/plugin.hpp>

#include "dist_pu.hpp"

PULAB_PLUGIN("dist_pu", "1.0.0") {
  registrar.add<pulab::RiskEstimator, pulab_dist_pu::LabelDistributionRisk>(
      "dist_pu", "Dist-PU: label-distribution consistency mean_P (1 - f) + |mean_U f - pi| / (2 pi), f = sigmoid(g)");
  registrar.add<pulab::Regularizer, pulab_dist_pu::DistPuStages>(
      "dist_pu", "Dist-PU: entropy on U (warm-up), then pseudo-labels, mixup and entropy terms (second stage)");
}
