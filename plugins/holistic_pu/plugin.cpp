// Holistic-PU's parts (see holistic_pu.hpp); experiments/methods/holistic_pu.toml composes them.
#include <pulab/plugin.hpp>

#include "holistic_pu.hpp"

PULAB_PLUGIN("holistic_pu", "1.0.0") {
  registrar.add<pulab::RiskEstimator, pulab_holistic_pu::TrendLabelRisk>(
      "holistic_pu", "Holistic-PU: cross-entropy of P as positive and of U against state.pseudo_label (trend labels)");
  registrar.add<pulab::TrainingHook, pulab_holistic_pu::PredictiveTrend>(
      "predictive_trend", "Holistic-PU: record U's scores every epoch or every k steps, label U by the natural break of its trend scores");
}
