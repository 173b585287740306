// VPU (Chen et al. 2020): the variational PU loss and its MixUp consistency regularizer.
//
// Risk `vpu`, with phi = sigmoid(g) read as the model's estimate of p(y=+1|x) up to scale:
//   L = log(mean_U phi(x)) - mean_P log phi(x)
// computed in log space: logsumexp(logsigmoid(g_u)) - log|U| - mean(logsigmoid(g_p)), which stays
// finite for scores far below zero (where phi underflows). Positive weights, when present,
// multiply the per-sample terms -log phi(x_p).
// L is invariant to scaling phi, so sign(g) means nothing; the authors' decision rule is
//   positive iff log phi(x) - max_train log phi > log 0.5,
// the max taken over the training data (U and P). Since logsigmoid is increasing, that is a
// threshold on g: sigmoid(g) > 0.5 exp(m) with m = max logsigmoid(g_train), i.e.
//   g > logit(0.5 exp(m)) = (log 0.5 + m) - log(1 - 0.5 exp(m)),
// computed in that form so it stays finite when m is very negative.
//
// Regularizer `vpu_mixup`: x~ = lambda x_u + (1 - lambda) x_p with lambda ~ Beta(a, a) per
// unlabeled sample (a = mix_alpha, 0.3 in the paper) and x_p a labeled positive of the batch
// drawn at random for each unlabeled sample; the target is t = lambda phi(x_u) + (1 - lambda) * 1,
// phi(x_u) from the current model, detached by default (a target), and the penalty is
// lam * mean (log t - log phi(x~))^2. VPU's reference code differs in three ways, each an option
// (experiments/methods/vpu_stratified.toml sets them): one lambda per batch and a permutation of
// the batch's positives as partners (batch_lambda = true; its P and U batches have one size), and
// no detach: the gradient also flows through phi(x_u) in the target (detach_target = false). log t is computed as
// logaddexp(log lambda + logsigmoid(g_u), log(1 - lambda)) so it is finite even when phi(x_u)
// underflows. Beta draws come from two Gamma draws (torch::_standard_gamma) on the global generator.
#include <cmath>
#include <limits>

#include <torch/torch.h>

#include <pulab/model.hpp>
#include <pulab/plugin.hpp>
#include <pulab/regularizer.hpp>
#include <pulab/risk_estimator.hpp>

namespace {

class VpuRisk final : public pulab::RiskEstimator {
 public:
  static pulab::Schema schema() { return {}; }
  explicit VpuRisk(const pulab::Params&) {}

  pulab::RiskOutput compute(const pulab::RiskInput& in) override {
    const auto log_phi_u = torch::log_sigmoid(in.scores.u);
    auto log_phi_p = torch::log_sigmoid(in.scores.p);
    if (in.positive_weights.defined()) log_phi_p = log_phi_p * in.positive_weights;
    const double n_u = static_cast<double>(in.scores.u.numel());
    auto loss = torch::logsumexp(log_phi_u, 0) - std::log(n_u) - log_phi_p.mean();
    return {loss, loss};
  }

  bool needs_calibration() const override { return true; }

  double decision_threshold(const pulab::CalibrationInput& in) const override {
    double g_max = -std::numeric_limits<double>::infinity();
    for (const auto* t : {&in.unlabeled_scores, &in.positive_scores}) {
      if (t->defined() && t->numel() > 0) g_max = std::max(g_max, t->max().item<double>());
    }
    if (!std::isfinite(g_max)) return 0.0;
    // m = logsigmoid(g_max) = -softplus(-g_max), stable for either sign.
    const double m = g_max > 0 ? -std::log1p(std::exp(-g_max)) : g_max - std::log1p(std::exp(g_max));
    return (std::log(0.5) + m) - std::log1p(-0.5 * std::exp(m));
  }
};

// Beta(a, a) samples of the given count, on the CPU global generator.
torch::Tensor sample_beta(double a, std::int64_t count) {
  const auto alpha = torch::full({count}, a, torch::kDouble);
  const auto g1 = torch::_standard_gamma(alpha);
  const auto g2 = torch::_standard_gamma(alpha);
  const auto sum = g1 + g2;
  // Both draws can underflow to 0 for a small a; call that a fair coin's midpoint.
  return torch::where(sum > 0, g1 / sum, torch::full_like(sum, 0.5));
}

class VpuMixup final : public pulab::Regularizer {
 public:
  static pulab::Schema schema() {
    return {pulab::param::real("lam", 0.03, "weight of the MixUp consistency penalty").at_least(0),
            pulab::param::real("mix_alpha", 0.3, "lambda ~ Beta(mix_alpha, mix_alpha)").at_least(1e-6),
            pulab::param::boolean("detach_target", true, "no gradient through phi(x_u) in the target (false: VPU's code)"),
            pulab::param::boolean("batch_lambda", false,
                                  "one lambda per batch and a permutation of the batch's P as partners (VPU's code)")};
  }
  explicit VpuMixup(const pulab::Params& p)
      : lam_(p.real("lam")), mix_alpha_(p.real("mix_alpha")), detach_target_(p.boolean("detach_target")),
        batch_lambda_(p.boolean("batch_lambda")) {}

  torch::Tensor penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores& scores,
                        const pulab::Progress&) override {
    const std::int64_t n_u = batch.x_u.size(0), n_p = batch.x_p.size(0);
    if (lam_ == 0 || n_u == 0 || n_p == 0) return {};
    const auto device = batch.x_u.device();
    const auto long_options = torch::TensorOptions().dtype(torch::kLong);
    // VPU's code: one lambda and a permutation of the batch's positives as partners (its P and U
    // batches have one size); otherwise a lambda and a partner drawn for each unlabeled sample.
    // Lambda is drawn before the partners: the order in which the generator is used, kept from
    // the first version so that its results stay bit-identical.
    const auto lambda_d = batch_lambda_ ? sample_beta(mix_alpha_, 1).expand({n_u}) : sample_beta(mix_alpha_, n_u);
    const auto partner = (batch_lambda_ && n_p == n_u ? torch::randperm(n_p, long_options)
                                                      : torch::randint(n_p, {n_u}, long_options)).to(device);
    const auto lambda = lambda_d.to(batch.x_u.options());
    std::vector<std::int64_t> shape(batch.x_u.dim(), 1);
    shape[0] = n_u;
    const auto lambda_x = lambda.view(shape);
    const auto x_mix = lambda_x * batch.x_u + (1 - lambda_x) * batch.x_p.index_select(0, partner);
    // log t = log(lambda phi(x_u) + (1 - lambda)).
    const auto log_target = torch::logaddexp(
        torch::log(lambda) + torch::log_sigmoid(detach_target_ ? scores.u.detach() : scores.u), torch::log1p(-lambda));
    const auto log_phi_mix = torch::log_sigmoid(model.forward(x_mix).reshape({-1}));
    return lam_ * (log_target - log_phi_mix).square().mean();
  }

 private:
  double lam_, mix_alpha_;
  bool detach_target_, batch_lambda_;
};

}  // namespace

PULAB_PLUGIN("vpu", "1.0.0") {
  registrar.add<pulab::RiskEstimator, VpuRisk>(
      "vpu", "variational PU loss log mean_U phi - mean_P log phi, phi = sigmoid(g); VPU's decision rule");
  registrar.add<pulab::Regularizer, VpuMixup>(
      "vpu_mixup", "VPU's MixUp consistency: lam * mean (log t - log phi(x~))^2 at U/P interpolates");
}
