// LBE (Gong et al., TPAMI 2021): the component's parameters and what it declares (lbe.hpp has the
// model and the equations).
//   warmup_fraction the share of train.epochs spent pre-training both models on the observed
//                   labels before the first E-step (EM needs a starting point): round(f E)
//                   epochs, at least 1 when f > 0, at most E - 1 (lbe.hpp, warmup_epochs_for;
//                   default 0.05: 5 of 100 epochs, 1 of a 5-epoch test run). The authors' code
//                   pre-trains each model with 100 full-batch Adam steps on the class-balanced
//                   P-vs-U loss (as PU-Bench reports, train/lbe/trainer.py,
//                   config/methods/lbe.yaml); pulab pre-trains both together on the run's
//                   mini-batches for whole epochs. EM hardly moves the classifier from where the
//                   warm-up leaves it, so its length matters: on MNIST 1k (GradPU's protocol)
//                   the balanced P-vs-U fit peaks in validation accuracy after 5 epochs and then
//                   overfits (test accuracy 84.7, 89.4, 92.7% after 1, 3, 5 epochs, 87.0% after
//                   10; docs/methods.md). A share rather than a count so that short runs
//                   (train.epochs = 3) keep EM epochs.
//   keep_fraction   the small-loss fraction of the classifier's M-step (lbe_objective.cpp);
//                   1 = EM as written (default), 0.8 = the authors' code.
//   propensity_warmup  how the propensity model is pre-trained: "observed" (default; pulab's
//                   choice) fits P(s = 1 | x), labeled vs unlabeled at their own ratio, which is
//                   eta's maximum-likelihood fit when h = 1; "balanced" uses the classifier's
//                   class-balanced loss, as the authors' code does. Why pulab deviates: the
//                   likelihood sum_L log(h eta) + sum_U log(1 - h eta) is symmetric in h and eta
//                   and, for flexible models, identifies only the product h eta = P(s = 1 | x).
//                   With both models pre-trained alike, EM lands where h is about as small as
//                   eta: on the synthetic test data accuracy falls from 91% after the warm-up to
//                   76% (keep 0.8) and 67% (keep 1) within 4 EM epochs, where "observed" rises
//                   to 96% and 95% (docs/methods.md).
// LBE does not use the class prior: the run's prior is neither read nor updated.
#include <torch/types.h>

#include "lbe.hpp"

namespace pulab_lbe {

pulab::Schema Lbe::schema() {
  return {pulab::param::real("warmup_fraction", 0.05,
                             "share of train.epochs (at least 1, at most all but one) pre-training both models "
                             "on the observed labels (P vs U) before EM")
              .range(0, 0.9),
          pulab::param::real("keep_fraction", 1.0,
                             "EM epochs: fraction of each batch (smallest classifier losses) the M-step keeps")
              .range(0.01, 1.0),
          pulab::param::text("propensity_warmup", "observed",
                             "pre-training of the propensity: 'observed' (labeled vs unlabeled, P(s=1|x)) or "
                             "'balanced' (class-balanced, as the classifier; the authors' code)")
              .one_of({"observed", "balanced"})};
}

Lbe::Lbe(const pulab::Params& p)
    : warmup_fraction_(p.real("warmup_fraction")),
      keep_fraction_(p.real("keep_fraction")),
      balanced_propensity_warmup_(p.text("propensity_warmup") == "balanced") {}

pulab::StateUse Lbe::state_use() const {
  pulab::StateUse use;
  use.reads = {"pseudo_label"};
  use.writes = {"pseudo_label"};
  return use;
}

}  // namespace pulab_lbe
