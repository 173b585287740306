// Selection-bias labeling (PUSB, Kato, Teshima & Honda 2019, Table 4): the positives that look
// "most positive" are the likeliest to be labeled, so the labeled set is not a SCAR sample.
//
//  1. Fit an L2-regularized logistic regression on the fully labeled pool (every positive and
//     negative of input.x with its true class). Inputs are flattened and max-normalized: each
//     feature is divided by its largest absolute value over the pool (a constant-zero feature
//     is left as is).
//     The objective is sklearn's LogisticRegression(C) divided by C*n:
//        mean_i log(1 + exp(-t_i (w.x_i + b))) + l2/2 * ||w||^2,   l2 = 1 / (C * n)
//     (n = pool size; the intercept is not penalized, as sklearn's lbfgs solver). PUSB used
//     C = 0.01. Setting `l2` >= 0 gives the coefficient directly and ignores C.
//     Solver: pulab::fit_logistic_regression (pulab/logistic_regression.hpp, shared with
//     PU-Bench's labelings): full-batch L-BFGS with a strong-Wolfe line search from w = 0, b = 0,
//     so the fit is deterministic (no random initialisation); here with history 20 and
//     tolerances 1e-7 (gradient) / 1e-10 (change).
//  2. Score every positive with p = p(y=+1|x) and turn it into a selection probability
//        s = p^power, then  normalize = "max":            s / max s
//                                       "mean_then_max":  (s / mean s) / max(s / mean s)
//     ("mean_then_max" is nnPUSB's wording; dividing by the mean first does not change the
//     result beyond rounding, it is kept so that configurations can name either protocol.)
//     power = 20 is PUSB's linear setting, power = 1 with mean_then_max nnPUSB's.
//  3. Rejection sampling without replacement: in each round the positives not yet drawn are
//     visited in a random order and x is kept when s(x) > U(0, 1), until n_labeled are kept.
//     Every random number comes from a generator seeded with input.seed: the draw is
//     deterministic. When acceptance is so rare that max_rounds cannot plausibly reach
//     n_labeled, select() throws instead of looping for ever.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include <torch/types.h>

#include <pulab/error.hpp>
#include <pulab/labeling_mechanism.hpp>
#include <pulab/logistic_regression.hpp>
#include <pulab/plugin.hpp>

namespace {

using Clock = std::chrono::steady_clock;

std::string fmt_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

class SelectionBias final : public pulab::LabelingMechanism {
 public:
  static pulab::Schema schema() {
    return {
        pulab::param::real("C", 0.01,
                           "inverse L2 strength as sklearn's LogisticRegression(C); the objective is "
                           "mean log-loss + l2/2 ||w||^2 with l2 = 1/(C n), n = pool size (PUSB: 0.01)")
            .at_least(1e-12),
        pulab::param::real("l2", -1.0,
                           "L2 coefficient of the mean-log-loss objective (mean loss + l2/2 ||w||^2); "
                           "negative = derive it from C")
            .range(-1, 1e6),
        pulab::param::integer("iterations", 200, "L-BFGS iterations of the full-batch logistic fit").range(1, 100000),
        pulab::param::real("power", 20.0, "selection probability ~ p(y=+1|x)^power (PUSB linear: 20; nnPUSB: 1)")
            .range(0, 1000),
        pulab::param::text("normalize", "max",
                           "max: divide by the max (PUSB); mean_then_max: divide by the mean, then by the "
                           "max (nnPUSB's wording; the same probabilities up to rounding)")
            .one_of({"max", "mean_then_max"}),
        pulab::param::integer("max_rounds", 100000,
                              "rejection-sampling rounds over the remaining positives before giving up")
            .range(1, 100000000),
        pulab::param::boolean("verbose", true, "print one line with the fit and the draw (times, acceptance)"),
    };
  }

  explicit SelectionBias(const pulab::Params& p)
      : c_(p.real("C")), l2_(p.real("l2")), iterations_(p.integer("iterations")), power_(p.real("power")),
        mean_then_max_(p.text("normalize") == "mean_then_max"), max_rounds_(p.integer("max_rounds")),
        verbose_(p.boolean("verbose")) {}

  torch::Tensor select(const pulab::LabelingInput& in) override {
    const auto t0 = Clock::now();
    const std::int64_t n = in.x.size(0);
    const auto positive = in.positive.to(torch::kBool).reshape({n});
    const auto pos_idx = positive.nonzero().squeeze(1);
    const std::int64_t n_pos = pos_idx.size(0);
    if (in.n_labeled > n_pos) {
      throw pulab::Error("selection_bias: n_labeled = " + std::to_string(in.n_labeled) + " but the pool holds only " +
                         std::to_string(n_pos) + " positives");
    }
    if (in.n_labeled <= 0) return torch::empty({0}, torch::kLong);

    // 1. Logistic regression on the fully labeled pool.
    torch::Tensor logit_pos;
    double train_acc = 0, lambda = 0;
    {
      auto x = in.x.detach().reshape({n, -1}).to(torch::kFloat).contiguous();
      auto scale = x.abs().amax(0);
      scale = torch::where(scale > 0, scale, torch::ones_like(scale));
      x = x / scale;
      lambda = l2_ >= 0 ? l2_ : 1.0 / (c_ * double(n));
      pulab::LogisticFitOptions options;
      options.l2 = lambda;
      options.iterations = iterations_;
      options.history_size = 20;
      options.tolerance_grad = 1e-7;
      options.tolerance_change = 1e-10;
      const auto fit = pulab::fit_logistic_regression(x, positive, options);
      if (!fit.finite) {
        throw pulab::Error("selection_bias: the logistic regression diverged (non-finite scores); raise l2 or lower C");
      }
      train_acc = fit.train_accuracy;
      logit_pos = fit.logits.index_select(0, pos_idx).to(torch::kDouble);
    }
    const auto t_fit = Clock::now();

    // 2. Selection probabilities of the positives: p^power, normalized (in log space: no underflow
    //    of p^20 before the normalization).
    auto log_s = power_ * torch::log_sigmoid(logit_pos);
    auto s = torch::exp(log_s - log_s.max());  // = p^power / max p^power
    if (mean_then_max_) {
      s = s / s.mean();
      s = s / s.max();
    }
    const auto n_nonzero = (s > 0).sum().item<std::int64_t>();
    if (n_nonzero < in.n_labeled) {
      throw pulab::Error("selection_bias: only " + std::to_string(n_nonzero) + " of " + std::to_string(n_pos) +
                         " positives have a non-zero selection probability (p^power underflows), fewer than "
                         "n_labeled = " + std::to_string(in.n_labeled) + "; lower labeling.power");
    }

    // 3. Rejection sampling without replacement.
    auto gen = at::detail::createCPUGenerator(in.seed);
    auto taken = torch::zeros({n_pos}, torch::kBool);
    std::vector<torch::Tensor> picked;
    std::int64_t n_picked = 0, rounds = 0;
    while (n_picked < in.n_labeled) {
      const auto free_idx = (~taken).nonzero().squeeze(1);
      const auto s_free = s.index_select(0, free_idx);
      const double mass = s_free.sum().item<double>();
      const std::int64_t need = in.n_labeled - n_picked;
      // Each round keeps `mass` positives on average (fewer as the likely ones are used up).
      if (rounds >= max_rounds_ || mass * double(max_rounds_ - rounds) < double(need)) {
        throw pulab::Error("selection_bias: acceptance is too low to draw n_labeled = " +
                           std::to_string(in.n_labeled) + " positives: " + std::to_string(n_picked) + " drawn in " +
                           std::to_string(rounds) + " rounds, the remaining " + std::to_string(free_idx.size(0)) +
                           " positives accept " + fmt_double(mass) + " per round on average, max_rounds = " +
                           std::to_string(max_rounds_) + " (lower labeling.power or n_labeled)");
      }
      const auto order = torch::randperm(free_idx.size(0), gen, torch::kLong);
      const auto u = torch::rand({free_idx.size(0)}, gen, torch::kDouble);
      const auto accept = s_free.index_select(0, order) > u;
      auto kept = order.masked_select(accept);  // positions in free_idx, in visiting order
      if (kept.size(0) > need) kept = kept.slice(0, 0, need);
      if (kept.size(0) > 0) {
        const auto chosen = free_idx.index_select(0, kept);
        taken.index_put_({chosen}, true);
        picked.push_back(chosen);
        n_picked += kept.size(0);
      }
      ++rounds;
    }
    const auto chosen = torch::cat(picked);
    const auto t_draw = Clock::now();

    if (verbose_) {
      const auto p_all = torch::sigmoid(logit_pos);
      const double mean_all = p_all.mean().item<double>();
      const double mean_lab = p_all.index_select(0, chosen).mean().item<double>();
      std::fprintf(stderr,
                   "[selection_bias] logistic fit on %lld x %lld (l2 %.3g): train accuracy %.4f, %.2f s; drew %lld "
                   "of %lld positives in %lld rounds, %.2f s; mean p(y=+1|x) labeled %.4f vs all positives %.4f\n",
                   static_cast<long long>(n), static_cast<long long>(in.x.numel() / std::max<std::int64_t>(n, 1)),
                   lambda, train_acc, std::chrono::duration<double>(t_fit - t0).count(),
                   static_cast<long long>(n_picked), static_cast<long long>(n_pos), static_cast<long long>(rounds),
                   std::chrono::duration<double>(t_draw - t_fit).count(), mean_lab, mean_all);
    }
    return pos_idx.index_select(0, chosen);
  }

 private:
  double c_, l2_;
  std::int64_t iterations_;
  double power_;
  bool mean_then_max_;
  std::int64_t max_rounds_;
  bool verbose_;
};

}  // namespace

PULAB_PLUGIN("selection_bias", "1.0.0") {
  registrar.add<pulab::LabelingMechanism, SelectionBias>(
      "selection_bias",
      "PUSB's biased labeling: logistic regression on the labeled pool, positives kept with probability "
      "~ p(y=+1|x)^power (rejection sampling)");
}
