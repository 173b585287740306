// Self-PU's parts (see self_pu.hpp); experiments/methods/self_pu.toml composes them.
#include <pulab/plugin.hpp>

#include "self_pu.hpp"

PULAB_PLUGIN("self_pu", "1.0.0") {
  registrar.add<pulab::RiskEstimator, pulab_self_pu::SelfPuRisk>(
      "self_pu", "Self-PU: nnPU on the U samples not pseudo-labeled + cross-entropy of the pseudo-labeled ones");
  registrar.add<pulab::TrainingHook, pulab_self_pu::SelfPacedSelection>(
      "self_paced_selection", "Self-PU: pseudo-label a growing fraction of the most confident U; update the prior");
  registrar.add<pulab::Regularizer, pulab_self_pu::MeanTeacher>(
      "mean_teacher", "EMA teacher (created through the engine) and the consistency penalty towards it");
}
