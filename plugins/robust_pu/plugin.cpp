// Robust-PU (Zhu et al., KDD 2023; see robust_pu.hpp): one risk that is also a training hook.
// experiments/methods/robust_pu.toml composes it.
#include <pulab/plugin.hpp>

#include "robust_pu.hpp"

PULAB_PLUGIN("robust_pu", "1.0.0") {
  registrar.add<pulab::RiskEstimator, pulab_robust_pu::RobustPu>(
      "robust_pu",
      "Robust-PU: nnPU pre-training, then episodes of P-vs-U cross-entropy with self-paced weights from each "
      "sample's hardness and a growing threshold (also a hook: re-weights every sample at each episode start)");
}
