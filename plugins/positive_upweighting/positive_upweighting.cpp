// GradPU's unnormalized positive upweighting (Eq. 6):
//   w_p(x; beta) = 1 - beta log((1 + tanh g(x)) / 2)
// The paper writes g for the tanh output; pulab's g is the raw score, hence the tanh. Since
// (1 + tanh g) / 2 = sigmoid(2g), the weight is computed as 1 - beta * logsigmoid(2g): the same
// number, but finite for very negative scores (g = -1000 gives 1 + 2000 beta, where the literal
// formula gives log(0) = -inf). The weights are >= 1 and not normalized: badly fitted positives
// get more weight and the positive term is not rescaled (Figure 3).
// beta ramps linearly from 0 to beta_max over all iterations of the run (Algorithm 1 line 7):
// beta = batch.progress.fraction() * beta_max, which reaches beta_max at the last step; a large beta
// from the start makes training unstable, the paper says.
// detach (default true): w_p is a weight on the loss of each positive, not a path for gradients.
// With detach = false the gradient also flows through w_p itself and pushes g_p up through the
// weight (d w_p / d g < 0 multiplied by a positive loss), an extra term the paper does not describe.
// beta_max = 0 returns an undefined tensor: bit-identical to training without a weighting.
#include <torch/torch.h>

#include <pulab/plugin.hpp>
#include <pulab/sample_weighting.hpp>

namespace {

class PositiveUpweighting final : public pulab::SampleWeighting {
 public:
  static pulab::Schema schema() {
    return {pulab::param::real("beta_max", 30.0, "final upweighting strength (ramped from 0)").at_least(0),
            pulab::param::boolean("detach", true, "treat w_p as a constant (no gradient through the weight)")};
  }
  explicit PositiveUpweighting(const pulab::Params& p) : beta_max_(p.real("beta_max")), detach_(p.boolean("detach")) {}

  torch::Tensor positive_weights(const torch::Tensor& g_p, const pulab::Batch& batch) override {
    if (beta_max_ == 0) return {};
    const double beta = batch.progress.fraction() * beta_max_;
    const auto g = detach_ ? g_p.detach() : g_p;
    return 1.0 - beta * torch::log_sigmoid(2.0 * g);
  }

 private:
  double beta_max_;
  bool detach_;
};

}  // namespace

PULAB_PLUGIN("positive_upweighting", "1.0.0") {
  registrar.add<pulab::SampleWeighting, PositiveUpweighting>(
      "positive_upweighting", "GradPU's w_p = 1 - beta log((1 + tanh g)/2), beta ramped 0 -> beta_max (Eq. 6)");
}
