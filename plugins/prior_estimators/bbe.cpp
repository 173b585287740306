// Estimator `bbe`: Best Bin Estimation (Garg, Wu, Smola, Balakrishnan, Lipton, "Mixture Proportion
// Estimation and PU Learning: A Modern Approach", NeurIPS 2021, Algorithm 1). On held-out scores of
// a P-vs-U classifier, with q_p(c), q_u(c) the fractions of labeled positives and unlabeled samples
// scoring at least c:
//   c^  = argmin_c  q_u(c)/q_p(c) + (1 + gamma)/q_p(c) * ( sqrt(log(4/delta)/(2 n_u)) + sqrt(log(4/delta)/(2 n_p)) )
//   pi^ = q_u(c^) / q_p(c^)
// The paper's held-out split is our k-fold cross-fitting: every score comes from a classifier that
// did not see the sample, and all n_p and n_u samples count (the paper holds out one part only).
// delta = 0.1 and gamma = 0.01 as in the paper's experiments. The search over c is
// pulab::bbe_estimate (pulab/mixture_proportion.hpp), shared with (TED)^n.
#include <fmt/format.h>

#include <pulab/mixture_proportion.hpp>

#include "estimators.hpp"

namespace pulab_prior {

pulab::Schema Bbe::schema() {
  return {pulab::param::real("delta", 0.1, "confidence level of the upper bound").range(1e-6, 1),
          pulab::param::real("gamma", 0.01, "slack of the upper bound").range(0, 1)};
}

Bbe::Bbe(const pulab::Params& p) : delta_(p.real("delta")), gamma_(p.real("gamma")) {}

pulab::PriorEstimate Bbe::estimate(const pulab::PriorEstimationInput& in) {
  const auto e = pulab::bbe_estimate(in.p_scores, in.u_scores, delta_, gamma_);
  return {e.prior, fmt::format("c^ = {:.4f}, q_p = {:.4f}, q_u = {:.4f}", e.threshold, e.q_p, e.q_u)};
}

}  // namespace pulab_prior
