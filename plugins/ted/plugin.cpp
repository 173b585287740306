// (TED)^n's parts (see ted.hpp); experiments/methods/ted_n.toml composes them.
#include <pulab/plugin.hpp>

#include "ted.hpp"

PULAB_PLUGIN("ted", "1.0.0") {
  registrar.add<pulab::RiskEstimator, pulab_ted::CvirRisk>(
      "cvir", "(TED)^n's CVIR: cross-entropy of P vs the U samples the hook did not mark as ignored");
  registrar.add<pulab::TrainingHook, pulab_ted::TedN>(
      "ted_n", "(TED)^n: hold out P/U, re-estimate the prior with BBE each epoch, ignore the top-pi U (CVIR)");
}
