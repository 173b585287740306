// LaGAM's parts (see lagam.hpp); experiments/methods/lagam.toml composes three of them,
// experiments/augmentation/mnist_1k_lagam.toml adds lagam_contrast (it needs augmentations).
#include <pulab/plugin.hpp>

#include "lagam.hpp"

PULAB_PLUGIN("lagam", "1.0.0") {
  registrar.add<pulab::RiskEstimator, pulab_lagam::LagamRisk>(
      "lagam", "LaGAM: class-balanced soft BCE of P u U against the targets (P: 1, U: pseudo_label)");
  registrar.add<pulab::Regularizer, pulab_lagam::MetaDisambiguation>(
      "lagam_meta", "LaGAM: meta disambiguation of U's targets by the exact one-step look-ahead meta-gradient of a PU meta objective");
  registrar.add<pulab::Regularizer, pulab_lagam::LagamMixup>(
      "lagam_mixup", "LaGAM: mixup of the batch with its targets, lambda ~ Beta(4, 4) >= 1/2, class-balanced BCE");
  registrar.add<pulab::Regularizer, pulab_lagam::LatentGroupContrast>(
      "lagam_contrast", "LaGAM: latent groups: instance contrast of two views + supervised contrast over same-cluster (k-means), same-label pairs");
}
