// The class-prior estimators (estimators.hpp); an experiment picks one with split.prior =
// "estimate" and [prior_estimator] name = "...", and `pulab estimate-prior` compares them.
#include <pulab/plugin.hpp>

#include "estimators.hpp"

PULAB_PLUGIN("prior_estimators", "1.0.0") {
  registrar.add<pulab::PriorEstimator, pulab_prior::Bbe>(
      "bbe", "Best Bin Estimation (Garg et al. 2021): the top bin of P-vs-U scores with an upper confidence bound");
  registrar.add<pulab::PriorEstimator, pulab_prior::Dedpul>(
      "dedpul", "DEDPUL (Ivanov 2020): density ratio of P-vs-U scores, monotonised, prior by EM");
  registrar.add<pulab::PriorEstimator, pulab_prior::ElkanNoto>(
      "elkan_noto", "Elkan & Noto (2008): c = P(labeled | positive) from the classifier (e1: mean on P, e3: max)");
  registrar.add<pulab::PriorEstimator, pulab_prior::Km2>(
      "km2", "KM2 (Ramaswamy et al. 2016): kernel mean embeddings, gradient threshold of the C_S distance");
}
