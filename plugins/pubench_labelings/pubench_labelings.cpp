// PU-Bench's biased labelings (PU-Bench, ICLR 2026; XiXiphus/PU-Bench, data/data_utils.py,
// selection strategies sar_lbeA, sar_lbeB, sar_pusb): which positives of the training pool get a
// label when the labeling is Selected At Random (SAR), i.e. depends on x. Written from PU-Bench's
// description and protocol; no code of it is reused.
//
// Common to the three: a class-posterior estimate p̂(x) = sigmoid(w.x + b) from an L2-regularized
// logistic regression fitted on the fully labeled pool (every positive and negative of input.x
// with its true class), PU-Bench's compute_pn_scores = sklearn LogisticRegression(C = 1, lbfgs,
// max_iter = 100) on the flattened features:
//      minimize  mean_i log(1 + exp(-t_i (w.x_i + b))) + l2/2 ||w||^2,   l2 = 1 / (C n),  t = ±1
// (sklearn's C * sum-of-losses + ||w||^2 / 2 divided by C n; the intercept is not penalized). Only
// the positives' p̂ is used. n_p = input.n_labeled positives are labeled, all distinct.
//
//  lbe_a (S2, "LBE-A", favours confident positives; Gong et al.'s LBE synthetic labeling):
//      e(x) ∝ (1 - uniform_mix) * p̂(x)^k / Σ_P p̂^k  +  uniform_mix / |P|,    k = 10, uniform_mix = 0.1
//  lbe_b (S3, "LBE-B", favours positives near the boundary):
//      e(x) ∝ (1.5 + δ - p̂(x))^k / Σ_P (1.5 + δ - p̂)^k,                        k = 10, δ = 1
//      (PU-Bench clips the weight at 0; with δ >= 0 the base is >= 0.5, so nothing is clipped.
//      uniform_mix is available here too, default 0 as in PU-Bench.)
//    Both draw n_p positives WITHOUT replacement with probabilities ∝ e, as numpy's
//    Generator.choice(replace=False, p=e) does: successive sampling (draw one ∝ e, remove it,
//    renormalize, repeat). Implemented exactly by its equivalent in one pass (Efraimidis &
//    Spirakis 2006): key_i = log(u_i) / e_i with u_i ~ U(0, 1); the n_p largest keys are drawn,
//    in the order successive sampling would draw them.
//  pusb (S4, PU-Bench's current sar_pusb, nnPUSB's accept-reject rule, Kato et al. 2019):
//      s(x) = (p̂(x) / mean_P p̂)^power, then s / max_P s;   power = 1
//    Each positive is accepted when s(x) > U(0, 1); the accepted ones are shuffled and the first
//    n_p kept. rule = "top_n" is PU-Bench's first release instead: the n_p positives of highest p̂
//    (its (p̂/mean)^20/max ranks as p̂ does), no randomness.
//
// Every random number comes from a CPU generator seeded with input.seed: the draw is
// deterministic per seed.
//
// Deviations from PU-Bench, each on purpose:
//  - Solver: pulab::fit_logistic_regression (shared with selection_bias): L-BFGS of LibTorch
//    (history 10, strong-Wolfe line search, from w = 0, b = 0, stopping
//    at max |gradient| <= 1e-4 or `iterations`), in float32, against sklearn's scipy L-BFGS-B in
//    float64 with the same tolerance and history. Both stop at 100 iterations by default, often
//    before convergence on image data, so p̂ agrees with PU-Bench's in kind, not digit for digit.
//  - Features: as the data set plugin delivers them (pulab's MNIST is in [0, 1], PU-Bench's in
//    [-1, 1]; pulab's csv standardizes with the training file's statistics when asked, PU-Bench's
//    Spambase loader with all rows'); the L2 term makes p̂ depend slightly on that scale.
//  - pusb: when one pass accepts fewer than n_p positives, PU-Bench keeps fewer labeled positives
//    than asked (n_p is then the number accepted); here further passes over the positives not yet
//    accepted, in new random orders, fill n_p, so split.n_labeled / label_frequency is what the
//    run gets. The first pass is PU-Bench's rule exactly (in distribution). When acceptance is so
//    low that max_rounds passes cannot plausibly reach n_p, select() throws instead of looping.
//  - lbe_a / lbe_b: a positive whose probability underflows to 0 (uniform_mix = 0 and a large k)
//    is never drawn; fewer than n_p drawable positives is an error naming the remedy (numpy
//    raises "Fewer non-zero entries in p than size" in that case).
//  - Random numbers: LibTorch's generator, not numpy's: the same seed picks other positives than
//    PU-Bench's run with that seed; the distribution is the same.
//  - Case-control: PU-Bench's default case-control U is the whole training set (|U| = |X|), as
//    split.scenario = "case_control"; its "story" mode (sizes rescaled by 1/(1 - c + c π), drawn
//    with replacement) is not offered.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include <torch/types.h>

#include <pulab/error.hpp>
#include <pulab/labeling_mechanism.hpp>
#include <pulab/logistic_regression.hpp>
#include <pulab/plugin.hpp>

namespace {

using Clock = std::chrono::steady_clock;

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The schema keys of the logistic regression, shared by the three labelings.
void add_fit_params(pulab::Schema& s) {
  s.add(pulab::param::real("C", 1.0,
                           "inverse L2 strength as sklearn's LogisticRegression(C) (PU-Bench: the default 1); the "
                           "objective is mean log-loss + l2/2 ||w||^2 with l2 = 1/(C n), n = pool size")
            .at_least(1e-12));
  s.add(pulab::param::integer("iterations", 100, "L-BFGS iterations of the logistic fit (sklearn's max_iter: 100)")
            .range(1, 100000));
  s.add(pulab::param::boolean("verbose", true, "print one line with the fit and the draw"));
}

// Base: fits p̂ on the pool and hands the positives' logits to the draw.
class PosteriorLabeling : public pulab::LabelingMechanism {
 public:
  PosteriorLabeling(const pulab::Params& p, std::string name)
      : name_(std::move(name)), c_(p.real("C")), iterations_(p.integer("iterations")), verbose_(p.boolean("verbose")) {}

  torch::Tensor select(const pulab::LabelingInput& in) final {
    const auto t0 = Clock::now();
    const std::int64_t n = in.x.size(0);
    const auto positive = in.positive.to(torch::kBool).reshape({n});
    const auto pos_idx = positive.nonzero().squeeze(1);
    const std::int64_t n_pos = pos_idx.size(0);
    if (in.n_labeled > n_pos) {
      throw pulab::Error(name_ + ": n_labeled = " + std::to_string(in.n_labeled) + " but the pool holds only " +
                         std::to_string(n_pos) + " positives");
    }
    if (in.n_labeled <= 0) return torch::empty({0}, torch::kLong);

    double train_acc = 0;
    const auto logit = fit(in.x, positive, &train_acc).index_select(0, pos_idx).to(torch::kDouble);
    const double fit_s = seconds_since(t0);
    const auto t1 = Clock::now();
    auto gen = at::detail::createCPUGenerator(in.seed);
    const auto chosen = draw(logit, in.n_labeled, gen);  // positions among the positives
    if (verbose_) {
      const auto p = torch::sigmoid(logit);
      std::fprintf(stderr,
                   "[%s] logistic fit on %lld x %lld (l2 %.3g): train accuracy %.4f, %.2f s; drew %lld of %lld "
                   "positives, %.2f s; mean p(y=+1|x) labeled %.4f vs all positives %.4f\n",
                   name_.c_str(), static_cast<long long>(n),
                   static_cast<long long>(in.x.numel() / std::max<std::int64_t>(n, 1)), 1.0 / (c_ * double(n)),
                   train_acc, fit_s, static_cast<long long>(chosen.size(0)), static_cast<long long>(n_pos),
                   seconds_since(t1), p.index_select(0, chosen).mean().item<double>(), p.mean().item<double>());
    }
    return pos_idx.index_select(0, chosen);
  }

 protected:
  // n distinct positions in [0, logit.size(0)) of the positives to label; logit = w.x + b (double).
  virtual torch::Tensor draw(const torch::Tensor& logit, std::int64_t n, at::Generator& gen) = 0;

  const std::string name_;

 private:
  // Logits w.x + b of every pool row from the logistic fit on the fully labeled pool.
  torch::Tensor fit(const torch::Tensor& x_in, const torch::Tensor& positive, double* train_acc) const {
    const std::int64_t n = x_in.size(0);
    pulab::LogisticFitOptions options;
    options.l2 = 1.0 / (c_ * double(n));
    options.iterations = iterations_;
    const auto fit = pulab::fit_logistic_regression(x_in.detach().reshape({n, -1}).to(torch::kFloat).contiguous(),
                                                    positive, options);
    if (!fit.finite) {
      throw pulab::Error(name_ + ": the logistic regression diverged (non-finite scores); lower labeling.C");
    }
    *train_acc = fit.train_accuracy;
    return fit.logits;
  }

  double c_;
  std::int64_t iterations_;
  bool verbose_;
};

// LBE-A and LBE-B: successive sampling without replacement with probabilities ∝ e.
class LbeLabeling : public PosteriorLabeling {
 public:
  static void add_common(pulab::Schema& s, double default_mix) {
    s.add(pulab::param::real("k", 10.0, "the exponent k of the propensity (PU-Bench, after LBE: 10)").range(0, 1000));
    s.add(pulab::param::real("uniform_mix", default_mix,
                             "share of the uniform distribution mixed into the probabilities (LBE-A: 0.1, LBE-B: 0)")
              .range(0, 1));
    add_fit_params(s);
  }

  LbeLabeling(const pulab::Params& p, std::string name)
      : PosteriorLabeling(p, std::move(name)), k_(p.real("k")), mix_(p.real("uniform_mix")) {}

 protected:
  // log of the unnormalized weight of each positive.
  virtual torch::Tensor log_weight(const torch::Tensor& logit) const = 0;

  torch::Tensor draw(const torch::Tensor& logit, std::int64_t n, at::Generator& gen) override {
    const std::int64_t m = logit.size(0);
    auto prob = torch::softmax(log_weight(logit), 0);  // w / Σ w without overflow
    if (mix_ > 0) prob = (1 - mix_) * prob + mix_ / double(m);
    const auto drawable = (prob > 0).sum().item<std::int64_t>();
    if (drawable < n) {
      throw pulab::Error(name_ + ": only " + std::to_string(drawable) + " of " + std::to_string(m) +
                         " positives have a non-zero labeling probability (it underflows), fewer than n_labeled = " +
                         std::to_string(n) + "; lower labeling.k or raise labeling.uniform_mix");
    }
    // Efraimidis-Spirakis: the n largest log(u)/p are a successive-sampling draw, largest first.
    const auto u = torch::rand({m}, gen, torch::kDouble);
    const auto keys = torch::where(prob > 0, torch::log(u) / prob,
                                   torch::full_like(prob, -std::numeric_limits<double>::infinity()));
    return std::get<1>(torch::topk(keys, n, 0, /*largest=*/true, /*sorted=*/true));
  }

  double k_, mix_;
};

class LbeA final : public LbeLabeling {
 public:
  static pulab::Schema schema() {
    pulab::Schema s;
    add_common(s, 0.1);
    return s;
  }
  explicit LbeA(const pulab::Params& p) : LbeLabeling(p, "lbe_a") {}

 protected:
  torch::Tensor log_weight(const torch::Tensor& logit) const override { return k_ * torch::log_sigmoid(logit); }
};

class LbeB final : public LbeLabeling {
 public:
  static pulab::Schema schema() {
    pulab::Schema s;
    s.add(pulab::param::real("delta", 1.0, "delta of (1.5 + delta - p)^k (PU-Bench's ShrinkCoef: 1)").range(0, 100));
    add_common(s, 0.0);
    return s;
  }
  explicit LbeB(const pulab::Params& p) : LbeLabeling(p, "lbe_b"), delta_(p.real("delta")) {}

 protected:
  torch::Tensor log_weight(const torch::Tensor& logit) const override {
    return k_ * torch::log(1.5 + delta_ - torch::sigmoid(logit));  // base >= 0.5 for delta >= 0
  }

 private:
  double delta_;
};

class Pusb final : public PosteriorLabeling {
 public:
  static pulab::Schema schema() {
    pulab::Schema s;
    s.add(pulab::param::text("rule", "accept_reject",
                             "accept_reject: PU-Bench's current S4 (nnPUSB's rule); top_n: its first release, the "
                             "n_labeled positives of highest p")
              .one_of({"accept_reject", "top_n"}));
    s.add(pulab::param::real("power", 1.0, "accept_reject: s = (p / mean p)^power / max (PU-Bench: 1)").range(0, 1000));
    s.add(pulab::param::integer("max_rounds", 100000,
                                "accept_reject: passes over the positives not yet accepted before giving up")
              .range(1, 100000000));
    add_fit_params(s);
    return s;
  }
  explicit Pusb(const pulab::Params& p)
      : PosteriorLabeling(p, "pusb"),
        top_n_(p.text("rule") == "top_n"),
        power_(p.real("power")),
        max_rounds_(p.integer("max_rounds")) {}

 protected:
  torch::Tensor draw(const torch::Tensor& logit, std::int64_t n, at::Generator& gen) override {
    const std::int64_t m = logit.size(0);
    if (top_n_) return std::get<1>(torch::topk(logit, n, 0, /*largest=*/true, /*sorted=*/true));
    // s = (p / mean p)^power normalized by its max, in log space (no underflow before normalizing).
    const auto log_p = torch::log_sigmoid(logit);
    const auto log_ratio = power_ * (log_p - std::log(torch::exp(log_p).mean().item<double>()));
    const auto s = torch::exp(log_ratio - log_ratio.max()).clamp(0, 1);
    auto taken = torch::zeros({m}, torch::kBool);
    std::vector<torch::Tensor> picked;
    std::int64_t n_picked = 0, rounds = 0;
    while (n_picked < n) {
      const auto free_idx = (~taken).nonzero().squeeze(1);
      const auto s_free = s.index_select(0, free_idx);
      const double mass = s_free.sum().item<double>();
      const std::int64_t need = n - n_picked;
      // A pass keeps `mass` positives on average; give up when max_rounds passes cannot reach n.
      if (rounds >= max_rounds_ || mass * double(max_rounds_ - rounds) < double(need)) {
        throw pulab::Error("pusb: acceptance is too low to draw n_labeled = " + std::to_string(n) + " positives: " +
                           std::to_string(n_picked) + " drawn in " + std::to_string(rounds) + " passes, the remaining " +
                           std::to_string(free_idx.size(0)) + " positives accept " + fmt(mass) +
                           " per pass on average, max_rounds = " + std::to_string(max_rounds_) +
                           " (lower labeling.power or the number labeled)");
      }
      // Visiting in a random order and keeping the first `need` accepted = PU-Bench's
      // accept all, shuffle, truncate.
      const auto order = torch::randperm(free_idx.size(0), gen, torch::kLong);
      const auto u = torch::rand({free_idx.size(0)}, gen, torch::kDouble);
      auto kept = order.masked_select(s_free.index_select(0, order) > u);
      if (kept.size(0) > need) kept = kept.slice(0, 0, need);
      if (kept.size(0) > 0) {
        const auto chosen = free_idx.index_select(0, kept);
        taken.index_put_({chosen}, true);
        picked.push_back(chosen);
        n_picked += kept.size(0);
      }
      ++rounds;
    }
    return torch::cat(picked);
  }

 private:
  bool top_n_;
  double power_;
  std::int64_t max_rounds_;
};

}  // namespace

PULAB_PLUGIN("pubench_labelings", "1.0.0") {
  registrar.add<pulab::LabelingMechanism, LbeA>(
      "lbe_a", "PU-Bench S2 (LBE-A): positives drawn without replacement ~ 0.9 p^10/sum p^10 + 0.1/|P|, p a logistic "
               "regression on the fully labeled pool");
  registrar.add<pulab::LabelingMechanism, LbeB>(
      "lbe_b", "PU-Bench S3 (LBE-B): positives drawn without replacement ~ (1.5 + delta - p)^10, favouring the "
               "boundary");
  registrar.add<pulab::LabelingMechanism, Pusb>(
      "pusb", "PU-Bench S4 (PUSB): each positive accepted with probability (p/mean p)/max, accepted ones "
              "shuffled and truncated");
}
