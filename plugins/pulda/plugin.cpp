// PULDA's parts (see pulda.hpp); experiments/methods/pulda.toml composes them.
#include <pulab/plugin.hpp>

#include "pulda.hpp"

PULAB_PLUGIN("pulda", "1.0.0") {
  registrar.add<pulab::RiskEstimator, pulab_pulda::PuldaRisk>(
      "pulda", "PULDA: label distribution alignment 2pi(1-E_P s) + d(E_U s, pi) + two-way sigmoid margin term, EMA");
  registrar.add<pulab::Regularizer, pulab_pulda::PuldaMixup>(
      "pulda_mixup", "PULDA's second stage: mixup BCE towards pseudo-labels the model keeps updating");
}
