// Estimator `elkan_noto`: Elkan & Noto, "Learning classifiers from only positive and unlabeled
// data" (KDD 2008), estimators e1 and e3 of c = P(labeled | positive).
// With g(x) the classifier's P(labeled | x): on a region where only positives live, g = c; e1 is
// the mean of g over held-out labeled positives, e3 the largest g over all held-out samples:
//   e1 = (1/n_p) sum_{x in P} g(x)            e3 = max_{x in P u U} g(x)
// From c to the prior of U: the classifier weighs the labeled class rho times the unlabeled one
// (pulab's classifier sees the data's own ratio, rho = n_p / n_u), so on the positive-only region
// g = rho f_p / (rho f_p + pi f_p) = rho / (rho + pi), hence
//   pi^ = rho (1/c - 1).
// The paper's own formula (labeled fraction of one training set) is the case rho = n_p / n_u of an
// unweighted classifier; the derivation is the same. e1 overestimates pi when the classes overlap
// (g < c on positives that look negative), e3 underestimates it (the maximum of noisy scores).
#include <fmt/format.h>
#include <torch/torch.h>

#include <pulab/error.hpp>

#include "estimators.hpp"

namespace pulab_prior {

pulab::Schema ElkanNoto::schema() {
  return {pulab::param::text("estimator", "e1", "e1: mean score of labeled positives; e3: largest score")
              .one_of({"e1", "e3"})};
}

ElkanNoto::ElkanNoto(const pulab::Params& p) : e3_(p.text("estimator") == "e3") {}

pulab::PriorEstimate ElkanNoto::estimate(const pulab::PriorEstimationInput& in) {
  if (in.p_scores.numel() == 0) throw pulab::Error("Elkan-Noto needs scores of labeled positives");
  const double c = e3_ ? std::max(in.p_scores.max().item<double>(), in.u_scores.max().item<double>())
                       : in.p_scores.mean().item<double>();
  if (!(c > 0)) throw pulab::Error("Elkan-Noto: c = 0 (the classifier scores every positive 0)");
  return {in.labeled_to_unlabeled * (1.0 / c - 1.0), fmt::format("c = {:.4f}", c)};
}

}  // namespace pulab_prior
