#pragma once
// Class-prior estimators (pulab/prior_estimator.hpp), each written from its paper; the header
// comment of each .cpp gives the equations and every choice the paper leaves open.
//   bbe         Best Bin Estimation (Garg et al., NeurIPS 2021)          on P-vs-U scores
//   dedpul      DEDPUL (Ivanov, ICMLA 2020)                              on P-vs-U scores
//   elkan_noto  Elkan & Noto (KDD 2008), estimators e1 and e3            on P-vs-U scores
//   km2         KM2 (Ramaswamy, Scott & Tewari, ICML 2016)               on the inputs (kernel embeddings)
#include <pulab/params.hpp>
#include <pulab/prior_estimator.hpp>

namespace pulab_prior {

class Bbe final : public pulab::PriorEstimator {
 public:
  static pulab::Schema schema();
  explicit Bbe(const pulab::Params& p);
  pulab::PriorEstimate estimate(const pulab::PriorEstimationInput& in) override;

 private:
  double delta_, gamma_;
};

class Dedpul final : public pulab::PriorEstimator {
 public:
  static pulab::Schema schema();
  explicit Dedpul(const pulab::Params& p);
  pulab::PriorEstimate estimate(const pulab::PriorEstimationInput& in) override;

 private:
  double bandwidth_p_, bandwidth_u_, max_ratio_, max_diff_, step_;
};

class ElkanNoto final : public pulab::PriorEstimator {
 public:
  static pulab::Schema schema();
  explicit ElkanNoto(const pulab::Params& p);
  pulab::PriorEstimate estimate(const pulab::PriorEstimationInput& in) override;

 private:
  bool e3_;
};

class Km2 final : public pulab::PriorEstimator {
 public:
  static pulab::Schema schema();
  explicit Km2(const pulab::Params& p);
  bool needs_classifier() const override { return false; }
  pulab::PriorEstimate estimate(const pulab::PriorEstimationInput& in) override;

 private:
  std::int64_t max_unlabeled_, max_positive_;
  double lambda_max_, epsilon_;
};

}  // namespace pulab_prior
