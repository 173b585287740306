#include "pulab/unbiased_risk.hpp"

#include <torch/torch.h>

namespace pulab {

UnbiasedRiskTerms unbiased_risk_terms(Loss loss, const RiskInput& in) {
  return unbiased_risk_terms(loss, in, PositiveWeightsOn::kBothAverages);
}

UnbiasedRiskTerms unbiased_risk_terms(Loss loss, const RiskInput& in, PositiveWeightsOn weights_on) {
  auto pos_plus = loss_positive(loss, in.scores.p);
  auto pos_minus = loss_negative(loss, in.scores.p);
  if (in.positive_weights.defined()) {
    pos_plus = pos_plus * in.positive_weights;
    if (weights_on == PositiveWeightsOn::kBothAverages) pos_minus = pos_minus * in.positive_weights;
  }
  return {in.prior * pos_plus.mean(), loss_negative(loss, in.scores.u).mean() - in.prior * pos_minus.mean()};
}

RiskOutput nonnegative_risk(const UnbiasedRiskTerms& terms, double beta, double gamma) {
  const auto reported = (terms.positive + torch::clamp_min(terms.negative, 0.0)).detach();
  if (terms.negative.item<double>() < -beta) return {-gamma * terms.negative, reported};
  return {terms.positive + terms.negative, reported};
}

}  // namespace pulab
