#pragma once
// Mixture proportion estimation from a P-vs-U classifier's scores: the fraction of positives in
// the unlabeled data (the class prior of U), without any label of U.
#include <torch/types.h>

namespace pulab {

struct BbeEstimate {
  double prior = 0;      // the estimate of the class prior of U
  double threshold = 0;  // the chosen bin's lower edge c^
  double q_p = 0, q_u = 0;  // fractions of held-out P and U with score >= c^
};

// Best Bin Estimation (Garg, Wu, Smola, Balakrishnan, Lipton, NeurIPS 2021, Algorithm 1). With
// q_p(c), q_u(c) the fractions of the held-out labeled positives and unlabeled samples whose score
// is at least c (scores of any classifier trained to tell P from U, higher = more positive):
//   c^ = argmin_c  q_u(c)/q_p(c) + (1 + gamma)/q_p(c) * (sqrt(log(4/delta)/(2 n_u)) + sqrt(log(4/delta)/(2 n_p)))
//   pi^ = q_u(c^) / q_p(c^)
// c ranges over the positives' scores (every bin that holds at least one positive). The estimate
// is clamped to [0, 1]. Throws pulab::Error when either set is empty.
BbeEstimate bbe_estimate(const torch::Tensor& p_scores, const torch::Tensor& u_scores, double delta = 0.1,
                         double gamma = 0.01);

}  // namespace pulab
