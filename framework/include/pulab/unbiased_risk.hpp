#pragma once
// The two halves of the unbiased PU risk (du Plessis et al.), shared by uPU, nnPU and nnPUSB:
//   positive = pi R_p^+          negative = R_u^- - pi R_p^-
// When a SampleWeighting is present, both averages over the labeled positives (R_p^+ and R_p^-)
// use the weights w_p: the weights reweight the empirical distribution of P, so the estimate stays
// consistent with itself. R_u^- is never weighted.
#include <torch/types.h>

#include "pulab/loss.hpp"
#include "pulab/risk_estimator.hpp"

namespace pulab {

struct UnbiasedRiskTerms {
  torch::Tensor positive;  // pi R_p^+
  torch::Tensor negative;  // R_u^- - pi R_p^-
};

UnbiasedRiskTerms unbiased_risk_terms(Loss loss, const RiskInput& input);

// Which averages over P the weights w_p multiply. kBothAverages is the default above. With
// kPositiveRiskOnly the subtracted pi R_p^- stays unweighted: a weighting then only raises the cost
// of misclassified positives, and nnPU's correction step (gradient ascent on the negative term)
// gets no w_p-scaled push of the positives towards the negative side (docs/results.md "GradPU's
// parts on other methods": with both averages weighted, GradPU's upweighting collapses nnPU).
enum class PositiveWeightsOn { kBothAverages, kPositiveRiskOnly };
UnbiasedRiskTerms unbiased_risk_terms(Loss loss, const RiskInput& input, PositiveWeightsOn weights_on);

// nnPU's step on the two terms (Kiryo et al., official code): when the negative term is below
// -beta, the objective is -gamma * negative (gradient ascent on it alone); otherwise
// positive + negative. The reported risk is always positive + max(0, negative) (Eq. 2).
RiskOutput nonnegative_risk(const UnbiasedRiskTerms& terms, double beta, double gamma);

}  // namespace pulab
