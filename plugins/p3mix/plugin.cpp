// P3Mix's parts (see p3mix.hpp); experiments/methods/p3mix_c.toml and p3mix_e.toml compose them.
#include <pulab/plugin.hpp>

#include "p3mix.hpp"

PULAB_PLUGIN("p3mix", "1.0.0") {
  registrar.add<pulab::RiskEstimator, pulab_p3mix::P3MixRisk>(
      "p3mix", "P3Mix: U-as-negative cross-entropy on heuristically mixed batches (+ C: label correction, "
               "E: early-learning regularisation)");
  registrar.add<pulab::TrainingHook, pulab_p3mix::CandidatePool>(
      "p3mix_pool", "P3Mix: candidate mixup pool, the labeled positives of highest entropy, every epoch");
  registrar.add<pulab::TrainingHook, pulab_p3mix::EmaTeacher>(
      "p3mix_teacher", "P3Mix-E: mean teacher (EMA once per epoch) whose probabilities are the ELR targets");
}
