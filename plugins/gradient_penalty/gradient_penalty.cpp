// GradPU's gradient penalty (Eq. 5), added to the objective as alpha * L_GP (Eq. 7):
//   L_GP = E_{x~ in int(X_p, X_u)} ||grad_x g(x~)||^2
// `where` chooses the points x~:
//   between    (the paper; Algorithm 1 lines 4-6) interpolates x~ = lambda x_p + (1 - lambda) x_u,
//              lambda ~ U(0, 1) per pair. Both sides are brought to B = max(|P_i|, |U_i|): a side
//              that already has B samples is kept as it is, in order (the engine's mini-batch is
//              already a random shuffle, so pairing index i with index i is a random pairing and
//              resampling it again would only add duplicates); the smaller side is drawn B times
//              with replacement. All draws (indices, lambda) use the global generator on the CPU.
//   positive   the labeled positives themselves; unlabeled: the unlabeled samples; all: both.
//              (Ablations; these consume no random numbers.)
// The gradient is taken of the raw score g, before tanh ("in practice, we find using the gradient
// before the tanh activation for penalizing is better"); on_link = true penalizes tanh(g) instead.
// ||.||^2 sums over every feature dimension of one sample; the mean runs over the samples.
// The gradient is built with create_graph so the penalty itself is differentiated w.r.t. the
// weights (double backward). alpha = 0 returns an undefined tensor without drawing a random
// number, so GradPU with alpha = 0 trains bit-identically to the risk alone.
#include <torch/torch.h>

#include <pulab/model.hpp>
#include <pulab/plugin.hpp>
#include <pulab/regularizer.hpp>

namespace {

class GradientPenalty final : public pulab::Regularizer {
 public:
  static pulab::Schema schema() {
    return {pulab::param::real("alpha", 0.2, "strength of the penalty (Eq. 7)").at_least(0),
            pulab::param::text("where", "between", "where the gradient is penalized: between P and U "
                                                   "(interpolates, the paper), positive, unlabeled or all")
                .one_of({"between", "positive", "unlabeled", "all"}),
            pulab::param::boolean("on_link", false,
                                  "false: penalize the gradient of g (the paper); true: of tanh(g)")};
  }
  explicit GradientPenalty(const pulab::Params& p)
      : alpha_(p.real("alpha")), where_(parse_where(p.text("where"))), on_link_(p.boolean("on_link")) {}

  torch::Tensor penalty(pulab::ScoreModel& model, const pulab::Batch& batch, const pulab::Scores&,
                        const pulab::Progress&) override {
    if (alpha_ == 0) return {};
    torch::Tensor x = points(batch);
    if (!x.defined() || x.size(0) == 0) return {};
    x = x.detach().requires_grad_(true);
    auto g = model.forward(x).reshape({-1});
    if (on_link_) g = torch::tanh(g);
    const auto grad = torch::autograd::grad({g.sum()}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
    return alpha_ * grad.flatten(1).square().sum(1).mean();
  }

 private:
  // Decided once in the constructor: the training step compares no strings.
  enum class Where { Between, Positive, Unlabeled, All };
  static Where parse_where(const std::string& w) {
    if (w == "positive") return Where::Positive;
    if (w == "unlabeled") return Where::Unlabeled;
    if (w == "all") return Where::All;
    return Where::Between;
  }

  torch::Tensor points(const pulab::Batch& batch) const {
    if (where_ == Where::Positive) return batch.x_p;
    if (where_ == Where::Unlabeled) return batch.x_u;
    if (where_ == Where::All) return torch::cat({batch.x_p, batch.x_u});
    const std::int64_t n_p = batch.x_p.size(0), n_u = batch.x_u.size(0);
    if (n_p == 0 || n_u == 0) return {};
    const std::int64_t b = std::max(n_p, n_u);
    const auto x_p = resample(batch.x_p, b), x_u = resample(batch.x_u, b);
    std::vector<std::int64_t> shape(x_p.dim(), 1);
    shape[0] = b;
    const auto lambda = torch::rand({b}).to(x_p.options()).view(shape);
    return lambda * x_p + (1 - lambda) * x_u;
  }

  // x itself when it already holds b samples, else b rows drawn with replacement.
  static torch::Tensor resample(const torch::Tensor& x, std::int64_t b) {
    if (x.size(0) == b) return x;
    const auto idx = torch::randint(x.size(0), {b}, torch::TensorOptions().dtype(torch::kLong));
    return x.index_select(0, idx.to(x.device()));
  }

  double alpha_;
  Where where_;
  bool on_link_;
};

}  // namespace

PULAB_PLUGIN("gradient_penalty", "1.0.0") {
  registrar.add<pulab::Regularizer, GradientPenalty>(
      "gradient_penalty", "GradPU's alpha * E ||grad_x g(x~)||^2 at P/U interpolates (Eq. 5)");
}
