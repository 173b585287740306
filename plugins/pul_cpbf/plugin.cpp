// PUL-CPBF (see pul_cpbf.hpp); experiments/methods/pul_cpbf.toml composes it.
#include <pulab/plugin.hpp>

#include "pul_cpbf.hpp"

PULAB_PLUGIN("pul_cpbf", "1.0.0") {
  registrar.add<pulab::RiskEstimator, pulab_pul_cpbf::CpbfRisk>(
      "pul_cpbf", "PUL-CPBF: a fence of asymmetric-risk classifiers gives U stochastic labels, then self-training");
}
