// MixUp (Zhang et al. 2018) as a PU regularizer: the baseline of the paper's Table 2, on the naive
// view of the data (labeled positives as +1, every unlabeled sample as -1).
// Each sample i of the mini-batch (P and U together) is mixed with a random partner j (a random
// permutation of the batch): x~ = lambda x_i + (1 - lambda) x_j, lambda ~ Beta(alpha, alpha) drawn
// per sample (two Gamma draws on the global generator), and
//   penalty = weight * mean_i [lambda l(g(x~), y_i) + (1 - lambda) l(g(x~), y_j)].
// The penalty is ADDED to the experiment's risk (usually naive), it does not replace it: the clean
// samples keep their loss terms, as the other regularizers of Table 2 do. The positive weights of a
// SampleWeighting do not apply to the mixed samples. `loss` should match the risk's loss.
// weight = 0 returns an undefined tensor without drawing random numbers.
#include <torch/torch.h>

#include <pulab/loss.hpp>
#include <pulab/model.hpp>
#include <pulab/plugin.hpp>
#include <pulab/regularizer.hpp>

namespace {

class Mixup final : public pulab::Regularizer {
 public:
  static pulab::Schema schema() {
    return {pulab::param::real("alpha", 1.0, "lambda ~ Beta(alpha, alpha)").at_least(1e-6),
            pulab::param::real("weight", 1.0, "weight of the mixed loss added to the risk").at_least(0),
            pulab::loss_param("sigmoid")};
  }
  explicit Mixup(const pulab::Params& p)
      : alpha_(p.real("alpha")), weight_(p.real("weight")), loss_(pulab::parse_loss(p.text("loss"))) {}

  torch::Tensor penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores&,
                        const pulab::Progress&) override {
    if (weight_ == 0) return {};
    const auto x = torch::cat({batch.x_p, batch.x_u});
    const std::int64_t n = x.size(0), n_p = batch.x_p.size(0);
    if (n == 0) return {};
    const auto is_positive = torch::arange(n, torch::kLong) < n_p;  // y = +1 for P, -1 for U
    const auto a = torch::full({n}, alpha_, torch::kDouble);
    const auto g1 = torch::_standard_gamma(a), g2 = torch::_standard_gamma(a);
    const auto sum = g1 + g2;
    const auto lambda_cpu = torch::where(sum > 0, g1 / sum, torch::full_like(sum, 0.5));
    const auto partner = torch::randperm(n, torch::TensorOptions().dtype(torch::kLong));

    const auto lambda = lambda_cpu.to(x.options());
    std::vector<std::int64_t> shape(x.dim(), 1);
    shape[0] = n;
    const auto lambda_x = lambda.view(shape);
    const auto x_mix = lambda_x * x + (1 - lambda_x) * x.index_select(0, partner.to(x.device()));
    const auto z = model.forward(x_mix).reshape({-1});
    const auto loss_pos = pulab::loss_positive(loss_, z), loss_neg = pulab::loss_negative(loss_, z);
    const auto y1 = is_positive.to(x.device());
    const auto y2 = is_positive.index_select(0, partner).to(x.device());
    const auto l1 = torch::where(y1, loss_pos, loss_neg);
    const auto l2 = torch::where(y2, loss_pos, loss_neg);
    return weight_ * (lambda * l1 + (1 - lambda) * l2).mean();
  }

 private:
  double alpha_, weight_;
  pulab::Loss loss_;
};

}  // namespace

PULAB_PLUGIN("mixup", "1.0.0") {
  registrar.add<pulab::Regularizer, Mixup>(
      "mixup", "MixUp on the naive labels (P +1, U -1), added to the risk (Table 2 baseline)");
}
