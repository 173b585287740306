// LBE (Gong et al., TPAMI 2021): one component, a risk that is also a training hook (lbe.hpp);
// experiments/methods/lbe.toml composes it.
#include <pulab/plugin.hpp>

#include "lbe.hpp"

PULAB_PLUGIN("lbe", "1.0.0") {
  registrar.add<pulab::RiskEstimator, pulab_lbe::Lbe>(
      "lbe", "LBE: EM over the latent true label with a second model for the instance-dependent labeling "
             "propensity P(s=1|y=1,x)");
}
