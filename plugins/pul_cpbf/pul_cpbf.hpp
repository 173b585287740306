#pragma once
// PUL-CPBF (Li, Dai, Feng, Li, Wang, Ouyang: "Positive and Unlabeled Learning with Controlled
// Probability Boundary Fence", ICML 2024, PMLR 235) as one risk that is also a hook;
// experiments/methods/pul_cpbf.toml composes it, /work/drafts/pul_cpbf.md (docs/methods.md) gives
// the equations and every choice. The paper's body was not accessible here: the method is built
// from its abstract (two stages, a fence of weak classifiers, stochastic labels, self-training),
// the asymmetric risk whose boundary the abstract's theorem states (derived in
// asymmetric_risk.cpp), and protocol facts of PU-Bench's port (XiXiphus/PU-Bench,
// train/pulcpbf/trainer.py, config/methods/pulcpbf.yaml), the only public code.
//   asymmetric_risk.cpp  the asymmetric disambiguation-free risk and the penalty beta(alpha) that
//                        puts its probability boundary at P(y = +1 | x) = alpha
//   fence.cpp            locating a posterior between the fence's boundaries; the stochastic label
//   cpbf_risk.cpp        risk + hook `pul_cpbf`: stage 1 trains the fence (extra models) and warms
//                        the run's model up; stage 2 self-trains the run's model on P and on U
//                        with the stochastic labels (state column pseudo_label)
#include <cstdint>
#include <memory>
#include <vector>

#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include <pulab/loss.hpp>
#include <pulab/params.hpp>
#include <pulab/risk_estimator.hpp>
#include <pulab/training_hook.hpp>

namespace pulab_pul_cpbf {

// ---------------------------------------------------------------- asymmetric_risk.cpp

// The penalty that puts the boundary of the asymmetric risk at posterior alpha, with rho the share
// of labeled positives in the training set and pi the class prior of U:
//   beta = alpha rho / (pi (1 - rho) + alpha rho)
double asymmetric_penalty(double alpha, double rho, double pi);

// R_beta = (1 - beta) rho mean_P w l(g_p, +1) + beta (1 - rho) mean_U l(g_u, -1); `weights` (a
// SampleWeighting's) multiply the positive terms, undefined = 1. `normalize` divides by the sum of
// the two weights, (1 - beta) rho + beta (1 - rho): the same minimiser and boundary, a scale
// independent of rho.
torch::Tensor asymmetric_risk(pulab::Loss loss, const torch::Tensor& g_p, const torch::Tensor& g_u, double beta,
                              double rho, bool normalize, const torch::Tensor& weights = {});

// ---------------------------------------------------------------- fence.cpp

// The interval [lo, hi] of each sample's posterior from the fence's votes: `positive` is bool
// [K, n], row k the verdict g_k(x) > 0 of the classifier whose boundary is boundaries[k]
// (ascending). With c = the number of positive votes of a sample, its posterior lies in
// [b_c, b_{c+1}] with b_0 = 0, b_{K+1} = 1 (for a monotone fence the positive votes are exactly
// the classifiers with b_k < eta(x); counting is robust to a non-monotone one). Returns {lo, hi}.
std::pair<torch::Tensor, torch::Tensor> locate_posterior(const torch::Tensor& positive,
                                                          const std::vector<double>& boundaries);

// The stochastic label of each sample: eta~ ~ U(lo, hi), then y~ ~ Bernoulli(eta~) ("bernoulli") or
// y~ = [eta~ >= 1/2] ("threshold", PU-Bench's binarized variant). Float 0/1; global generator.
torch::Tensor stochastic_labels(const torch::Tensor& lo, const torch::Tensor& hi, bool bernoulli);

// ---------------------------------------------------------------- cpbf_risk.cpp

class CpbfRisk final : public pulab::RiskEstimator, public pulab::TrainingHook {
 public:
  static pulab::Schema schema();
  explicit CpbfRisk(const pulab::Params& p);

  pulab::RiskOutput compute(const pulab::RiskInput& in) override;
  pulab::StateUse state_use() const override;

  void on_run_start(pulab::TrainingContext& context) override;
  void after_step(pulab::TrainingContext& context, const pulab::Batch& batch) override;
  void on_epoch_end(pulab::TrainingContext& context) override;

  // The number of stage-1 epochs in a run of `epochs` epochs.
  std::int64_t fence_epochs(std::int64_t epochs) const;

 private:
  pulab::Loss loss_;
  std::vector<double> fence_;  // ascending boundaries alpha_k
  double alpha_, fence_fraction_, lambda_, lambda_u_;
  bool bernoulli_, normalize_;
  std::int64_t stage2_start_ = 0;
  double rho_ = 0;
  struct FenceMember {
    double alpha;  // its boundary; beta follows from the current prior
    std::shared_ptr<pulab::ScoreModel> model;
    std::shared_ptr<torch::optim::Optimizer> optimizer;
  };
  std::vector<FenceMember> members_;
};

}  // namespace pulab_pul_cpbf
