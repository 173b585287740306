// Tests of the method plugins: each risk on tiny hand-computed tensors, nnPU's correction step,
// the gradient penalty against finite differences, the positive upweighting's formula and ramp,
// GradPU with alpha = 0 and beta_max = 0 being bit-identical to naive, every composition of
// experiments/methods/ training on synthetic data, and the CIFAR-10 CNN's shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <vector>

#include <torch/torch.h>

#include "pulab/model.hpp"
#include "pulab/regularizer.hpp"
#include "pulab/risk_estimator.hpp"
#include "pulab/sample_weighting.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using pulab::ParamValue;

namespace {

torch::Tensor doubles(std::vector<double> v) { return torch::tensor(v, torch::kDouble); }

double sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double dsig(double x) { return sig(x) * (1 - sig(x)); }

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

// Scores and a batch whose unlabeled samples carry the given true labels.
struct Case {
  std::vector<double> g_p, g_u;
  std::vector<bool> u_positive;
  pulab::Scores scores;
  pulab::Batch batch;
  torch::Tensor weights;
  Case(std::vector<double> p, std::vector<double> u, std::vector<bool> labels = {})
      : g_p(std::move(p)), g_u(std::move(u)), u_positive(std::move(labels)) {
    scores.p = doubles(g_p).requires_grad_(true);
    scores.u = doubles(g_u).requires_grad_(true);
    if (u_positive.empty()) u_positive.assign(g_u.size(), false);
    std::vector<std::int64_t> labels_int(u_positive.begin(), u_positive.end());
    batch.u_positive = torch::tensor(labels_int).to(torch::kBool);
  }
  pulab::RiskOutput run(pulab::RiskEstimator& risk, double prior) {
    return risk.compute({scores, weights, prior, batch});
  }
};

const std::vector<double> kGp{0.5, -1.0}, kGu{2.0, -0.3, 0.1}, kW{2.0, 0.5};

// ---------------------------------------------------------------- risks on hand-computed values

TEST(MethodsRisk, UpuValueWithAndWithoutWeights) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("upu");
  const double pi = 0.4;
  Case c(kGp, kGu);
  const double plain = pi * mean({sig(-0.5), sig(1.0)}) + mean({sig(2.0), sig(-0.3), sig(0.1)}) -
                       pi * mean({sig(0.5), sig(-1.0)});
  auto out = c.run(*risk, pi);
  EXPECT_NEAR(out.objective.item<double>(), plain, 1e-12);
  EXPECT_NEAR(out.reported.item<double>(), plain, 1e-12);

  c.weights = doubles(kW);
  const double weighted = pi * mean({2.0 * sig(-0.5), 0.5 * sig(1.0)}) + mean({sig(2.0), sig(-0.3), sig(0.1)}) -
                          pi * mean({2.0 * sig(0.5), 0.5 * sig(-1.0)});
  EXPECT_NEAR(c.run(*risk, pi).objective.item<double>(), weighted, 1e-12);

  // Another loss: logistic log(1 + e^{-yz}).
  auto logistic = pulab::test::make_component<pulab::RiskEstimator>("upu", {{"loss", std::string("logistic")}});
  Case d({0.3}, {-0.7});
  const double sp = std::log1p(std::exp(-0.3)), sn_u = std::log1p(std::exp(-0.7)), sn_p = std::log1p(std::exp(0.3));
  EXPECT_NEAR(d.run(*logistic, 0.5).objective.item<double>(), 0.5 * sp + sn_u - 0.5 * sn_p, 1e-12);
}

TEST(MethodsRisk, NnpuValueWhenTheNegativeRiskIsPositive) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("nnpu");
  const double pi = 0.4;
  Case c(kGp, kGu);
  const double positive = pi * mean({sig(-0.5), sig(1.0)});
  const double negative = mean({sig(2.0), sig(-0.3), sig(0.1)}) - pi * mean({sig(0.5), sig(-1.0)});
  ASSERT_GT(negative, 0);
  auto out = c.run(*risk, pi);
  EXPECT_NEAR(out.objective.item<double>(), positive + negative, 1e-12);
  EXPECT_NEAR(out.reported.item<double>(), positive + negative, 1e-12);
}

TEST(MethodsRisk, NnpuWeightsOnThePositiveRiskOnlyLeaveTheSubtractedTermUnweighted) {
  const double pi = 0.4;
  auto both = pulab::test::make_component<pulab::RiskEstimator>("nnpu");
  auto positive_only =
      pulab::test::make_component<pulab::RiskEstimator>("nnpu", {{"positive_weights_on", std::string("positive_risk")}});
  const double positive = pi * mean({2.0 * sig(-0.5), 0.5 * sig(1.0)});
  const double u_term = mean({sig(2.0), sig(-0.3), sig(0.1)});
  const double negative_both = u_term - pi * mean({2.0 * sig(0.5), 0.5 * sig(-1.0)});
  const double negative_unweighted = u_term - pi * mean({sig(0.5), sig(-1.0)});
  ASSERT_GT(negative_both, 0);
  ASSERT_GT(negative_unweighted, 0);
  Case a(kGp, kGu), b(kGp, kGu);
  a.weights = doubles(kW);
  b.weights = doubles(kW);
  EXPECT_NEAR(a.run(*both, pi).objective.item<double>(), positive + negative_both, 1e-12);
  EXPECT_NEAR(b.run(*positive_only, pi).objective.item<double>(), positive + negative_unweighted, 1e-12);
  // Without weights the two are the same risk.
  Case c(kGp, kGu), d(kGp, kGu);
  EXPECT_EQ(c.run(*both, pi).objective.item<double>(), d.run(*positive_only, pi).objective.item<double>());
  // An unknown value is refused by the schema, naming the key and the choices.
  const auto msg = pulab::test::error_message([] {
    pulab::test::resolve_text(pulab::test::quickstart_text(), {"risk.name=nnpu", "risk.positive_weights_on=all"});
  });
  EXPECT_NE(msg.find("positive_weights_on"), std::string::npos) << msg;
  EXPECT_NE(msg.find("positive_risk"), std::string::npos) << msg;
}

TEST(MethodsRisk, NnpuCorrectionStepFlipsTheUpdateBelowMinusBeta) {
  const double pi = 0.5;
  const std::vector<double> gp{3.0, 4.0}, gu{-3.0, -4.0};
  const double positive = pi * mean({sig(-3.0), sig(-4.0)});
  const double negative = mean({sig(-3.0), sig(-4.0)}) - pi * mean({sig(3.0), sig(4.0)});
  ASSERT_LT(negative, -0.4);

  for (double gamma : {1.0, 2.0}) {
    auto risk = pulab::test::make_component<pulab::RiskEstimator>("nnpu", {{"gamma", gamma}});
    Case c(gp, gu);
    auto out = c.run(*risk, pi);
    // The step minimises -gamma * negative (gradient ascent on the negative risk) ...
    EXPECT_NEAR(out.objective.item<double>(), -gamma * negative, 1e-12);
    // ... and reports Eq. 2: the positive risk plus max(0, negative) = the positive risk.
    EXPECT_NEAR(out.reported.item<double>(), positive, 1e-12);
    out.objective.backward();
    // d/dg_u = -gamma sigma'(g_u) / n_u < 0: descent raises g_u (the opposite of a normal step);
    // d/dg_p = +gamma pi sigma'(g_p) / n_p: only the negative part, no gradient of R_p^+.
    for (int i = 0; i < 2; ++i) {
      EXPECT_NEAR(c.scores.u.grad()[i].item<double>(), -gamma * dsig(gu[i]) / 2, 1e-12);
      EXPECT_LT(c.scores.u.grad()[i].item<double>(), 0);
      EXPECT_NEAR(c.scores.p.grad()[i].item<double>(), gamma * pi * dsig(gp[i]) / 2, 1e-12);
    }
  }

  // The same scores with uPU (no correction): the gradient on g_u has the normal sign.
  auto upu = pulab::test::make_component<pulab::RiskEstimator>("upu");
  Case u(gp, gu);
  u.run(*upu, pi).objective.backward();
  EXPECT_GT(u.scores.u.grad()[0].item<double>(), 0);

  // beta = 1 > -negative: no correction, the plain sum is minimised; the report stays Eq. 2.
  auto tolerant = pulab::test::make_component<pulab::RiskEstimator>("nnpu", {{"beta", 1.0}});
  Case t(gp, gu);
  auto out = t.run(*tolerant, pi);
  EXPECT_NEAR(out.objective.item<double>(), positive + negative, 1e-12);
  EXPECT_NEAR(out.reported.item<double>(), positive, 1e-12);
  out.objective.backward();
  EXPECT_GT(t.scores.u.grad()[0].item<double>(), 0);

  // beta = 0.1 < -negative: corrected; the report is still Eq. 2.
  auto strict = pulab::test::make_component<pulab::RiskEstimator>("nnpu", {{"beta", 0.1}});
  Case s(gp, gu);
  auto corrected = s.run(*strict, pi);
  EXPECT_NEAR(corrected.objective.item<double>(), -negative, 1e-12);
  EXPECT_NEAR(corrected.reported.item<double>(), positive, 1e-12);
}

TEST(MethodsRisk, NnpusbTrainsLikeNnpuWithLogisticLossAndCalibratesOnU) {
  const auto* c = pulab::test::builtin_host().registries().risks.find("nnpusb");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(pulab::Params::defaults(c->schema).text("loss"), "logistic");
  auto sb = pulab::test::make_component<pulab::RiskEstimator>("nnpusb");
  auto nn = pulab::test::make_component<pulab::RiskEstimator>("nnpu", {{"loss", std::string("logistic")}});
  Case a(kGp, kGu), b(kGp, kGu);
  EXPECT_DOUBLE_EQ(a.run(*sb, 0.4).objective.item<double>(), b.run(*nn, 0.4).objective.item<double>());

  EXPECT_TRUE(sb->needs_calibration());
  EXPECT_FALSE(nn->needs_calibration());
  const auto u = torch::randperm(100, torch::kDouble);  // the scores 0..99 in some order
  for (double pi : {0.3, 0.55}) {
    const double threshold = sb->decision_threshold({u, doubles({1000.0}), pi});
    EXPECT_EQ((u > threshold).sum().item<std::int64_t>(), std::llround(100 * pi)) << "pi " << pi;
  }
}

TEST(MethodsRisk, SupervisedUsesOnlyTheTrueNegativesOfU) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("supervised");
  Case c(kGp, kGu, {true, false, false});
  const double expected = mean({sig(-0.5), sig(1.0)}) + mean({sig(-0.3), sig(0.1)});
  EXPECT_NEAR(c.run(*risk, 0.4).objective.item<double>(), expected, 1e-12);

  c.weights = doubles(kW);
  const double weighted = mean({2.0 * sig(-0.5), 0.5 * sig(1.0)}) + mean({sig(-0.3), sig(0.1)});
  EXPECT_NEAR(c.run(*risk, 0.4).objective.item<double>(), weighted, 1e-12);

  // A batch without a negative: only the positive term.
  Case none(kGp, kGu, {true, true, true});
  auto out = none.run(*risk, 0.4);
  EXPECT_NEAR(out.objective.item<double>(), mean({sig(-0.5), sig(1.0)}), 1e-12);
  out.objective.backward();
  const auto gu = none.scores.u.grad();
  EXPECT_TRUE(!gu.defined() || gu.abs().sum().item<double>() == 0);
}

TEST(MethodsRisk, VpuVariationalLossAndItsStability) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("vpu");
  Case c(kGp, kGu);
  const double expected = std::log(mean({sig(2.0), sig(-0.3), sig(0.1)})) -
                          mean({std::log(sig(0.5)), std::log(sig(-1.0))});
  EXPECT_NEAR(c.run(*risk, 0.4).objective.item<double>(), expected, 1e-12);

  c.weights = doubles(kW);
  const double weighted = std::log(mean({sig(2.0), sig(-0.3), sig(0.1)})) -
                          mean({2.0 * std::log(sig(0.5)), 0.5 * std::log(sig(-1.0))});
  EXPECT_NEAR(c.run(*risk, 0.4).objective.item<double>(), weighted, 1e-12);

  // phi underflows for these scores; the log-space form stays exact:
  // log((e^-1000 + e^-1001)/2) + 1000 = log((1 + e^-1)/2).
  Case far({-1000.0}, {-1000.0, -1001.0});
  const double v = far.run(*risk, 0.4).objective.item<double>();
  EXPECT_TRUE(std::isfinite(v));
  EXPECT_NEAR(v, std::log((1 + std::exp(-1.0)) / 2), 1e-9);
}

TEST(MethodsRisk, VpuDecisionRuleAsAThresholdOnG) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("vpu");
  EXPECT_TRUE(risk->needs_calibration());
  // m = max log phi over U and P = log sigmoid(3); positive iff log phi(x) - m > log 0.5.
  const double t = risk->decision_threshold({doubles({-2.0, 0.5}), doubles({1.5, 3.0}), 0.4});
  const double m = std::log(sig(3.0));
  EXPECT_NEAR(std::log(sig(t)) - m, std::log(0.5), 1e-12);
  EXPECT_LT(t, 0);
  // The max may come from U.
  const double tu = risk->decision_threshold({doubles({4.0}), doubles({1.0}), 0.4});
  EXPECT_NEAR(std::log(sig(tu)) - std::log(sig(4.0)), std::log(0.5), 1e-12);
  // Very negative scores: sigmoid(t) = 0.5 e^m with m = -800, t = -800 + log 0.5.
  const double tf = risk->decision_threshold({doubles({-900.0}), doubles({-800.0}), 0.4});
  EXPECT_NEAR(tf, -800 + std::log(0.5), 1e-9);
}

// ---------------------------------------------------------------- regularizers

// g(x) = 0.5 ||x||^2 per sample: grad g = x, so ||grad g(x~)||^2 = ||x~||^2.
class Quadratic final : public pulab::ScoreModel {
 public:
  torch::Tensor forward(const torch::Tensor& x) override { return 0.5 * x.flatten(1).square().sum(1); }
};

std::shared_ptr<pulab::ScoreModel> small_mlp() {
  torch::manual_seed(3);
  auto model = pulab::test::make_component<pulab::ScoreModel>("mlp", {{"hidden", std::vector<std::int64_t>{5}}}, {3});
  model->to(torch::kDouble);
  return model;
}

// alpha * mean_i ||grad_x f(x_i)||^2 by central differences, f = g or tanh(g).
double finite_difference_penalty(pulab::ScoreModel& model, const torch::Tensor& x, double alpha, bool on_link) {
  torch::NoGradGuard no_grad;
  const double h = 1e-6;
  double total = 0;
  for (std::int64_t i = 0; i < x.size(0); ++i) {
    double norm2 = 0;
    for (std::int64_t d = 0; d < x.size(1); ++d) {
      auto plus = x.slice(0, i, i + 1).clone(), minus = plus.clone();
      plus[0][d] += h;
      minus[0][d] -= h;
      double gp = model.forward(plus).item<double>(), gm = model.forward(minus).item<double>();
      if (on_link) gp = std::tanh(gp), gm = std::tanh(gm);
      const double derivative = (gp - gm) / (2 * h);
      norm2 += derivative * derivative;
    }
    total += norm2;
  }
  return alpha * total / double(x.size(0));
}

TEST(MethodsGradientPenalty, MatchesFiniteDifferencesOnAnMlp) {
  auto model = small_mlp();
  torch::manual_seed(11);
  pulab::Batch batch;
  batch.x_p = torch::randn({4, 3}, torch::kDouble);
  batch.x_u = torch::randn({6, 3}, torch::kDouble);
  const auto all = torch::cat({batch.x_p, batch.x_u});
  for (bool on_link : {false, true}) {
    auto gp = pulab::test::make_component<pulab::Regularizer>("gradient_penalty",
                                       {{"alpha", 0.7}, {"where", std::string("all")}, {"on_link", on_link}});
    const double got = gp->penalty(*model, batch, {}, {}).item<double>();
    const double expected = finite_difference_penalty(*model, all, 0.7, on_link);
    EXPECT_GT(expected, 1e-4);
    EXPECT_NEAR(got, expected, 1e-6 * expected) << "on_link " << on_link;
  }
  // "positive" and "unlabeled" average over their own samples; "all" over both.
  auto at = [&](const std::string& where) {
    return pulab::test::make_component<pulab::Regularizer>("gradient_penalty", {{"alpha", 1.0}, {"where", where}})
        ->penalty(*model, batch, {}, {})
        .item<double>();
  };
  EXPECT_NEAR(at("positive"), finite_difference_penalty(*model, batch.x_p, 1.0, false), 1e-6);
  EXPECT_NEAR((4 * at("positive") + 6 * at("unlabeled")) / 10, at("all"), 1e-12);
}

TEST(MethodsGradientPenalty, IsDifferentiableWithRespectToTheWeights) {
  // A linear model: grad_x g = w everywhere, so the penalty is alpha ||w||^2 for any interpolate
  // and its gradient is 2 alpha w (double backward), 0 for the bias.
  torch::manual_seed(5);
  auto model = pulab::test::make_component<pulab::ScoreModel>("linear", {}, {3});
  model->to(torch::kDouble);
  pulab::Batch batch;
  batch.x_p = torch::randn({3, 3}, torch::kDouble);
  batch.x_u = torch::randn({7, 3}, torch::kDouble);
  auto gp = pulab::test::make_component<pulab::Regularizer>("gradient_penalty", {{"alpha", 0.5}});
  auto penalty = gp->penalty(*model, batch, {}, {});
  const auto w = model->named_parameters()["fc.weight"];
  EXPECT_NEAR(penalty.item<double>(), 0.5 * w.square().sum().item<double>(), 1e-12);
  model->zero_grad();
  penalty.backward();
  EXPECT_TRUE(torch::allclose(w.grad(), w.detach(), 1e-12, 1e-12));  // 2 * 0.5 * w
  const auto b = model->named_parameters()["fc.bias"];
  EXPECT_TRUE(!b.grad().defined() || b.grad().abs().sum().item<double>() == 0);
}

TEST(MethodsGradientPenalty, InterpolatesBetweenPAndU) {
  Quadratic model;
  auto gp = pulab::test::make_component<pulab::Regularizer>("gradient_penalty", {{"alpha", 2.0}});
  pulab::Batch batch;
  // One pair: nothing is resampled, so the first random draw is lambda; x~ = lambda a + (1-lambda) b
  // with a = (1,0,0), b = (-1,0,0) has ||x~||^2 = (2 lambda - 1)^2.
  batch.x_p = doubles({1, 0, 0}).view({1, 3});
  batch.x_u = doubles({-1, 0, 0}).view({1, 3});
  torch::manual_seed(21);
  const double lambda = torch::rand({1}).item<double>();
  torch::manual_seed(21);
  EXPECT_NEAR(gp->penalty(model, batch, {}, {}).item<double>(), 2.0 * std::pow(2 * lambda - 1, 2), 1e-6);
  // Many pairs (P resampled to |U|): lambda ~ U(0,1), E (2 lambda - 1)^2 = 1/3.
  batch.x_u = doubles({-1, 0, 0}).view({1, 3}).repeat({4000, 1});
  const double avg = gp->penalty(model, batch, {}, {}).item<double>() / 2.0;
  EXPECT_NEAR(avg, 1.0 / 3.0, 0.02);
  // The penalty never looks outside the segment: ||x~|| <= 1 here.
  EXPECT_LE(avg, 1.0);
}

TEST(MethodsGradientPenalty, AlphaZeroComputesNothing) {
  Quadratic model;
  pulab::Batch batch;
  batch.x_p = torch::randn({2, 3});
  batch.x_u = torch::randn({3, 3});
  auto gp = pulab::test::make_component<pulab::Regularizer>("gradient_penalty", {{"alpha", 0.0}});
  torch::manual_seed(1);
  EXPECT_FALSE(gp->penalty(model, batch, {}, {}).defined());
  const double next = torch::rand({1}).item<double>();
  torch::manual_seed(1);
  EXPECT_EQ(torch::rand({1}).item<double>(), next);  // no random number was consumed
}

TEST(MethodsRegularizers, MixupOnAConstantModel) {
  // g = 0 everywhere: l(0, +1) = l(0, -1) = 0.5 with the sigmoid loss, so the mixed loss is 0.5
  // whatever lambda and the pairing; weight scales it.
  torch::manual_seed(2);
  auto model = pulab::test::make_component<pulab::ScoreModel>("linear", {}, {3});
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.zero_();
  }
  pulab::Batch batch;
  batch.x_p = torch::randn({5, 3});
  batch.x_u = torch::randn({9, 3});
  auto mixup = pulab::test::make_component<pulab::Regularizer>("mixup", {{"weight", 2.0}});
  EXPECT_NEAR(mixup->penalty(*model, batch, {}, {}).item<double>(), 1.0, 1e-6);
  EXPECT_FALSE(pulab::test::make_component<pulab::Regularizer>("mixup", {{"weight", 0.0}})->penalty(*model, batch, {}, {}).defined());
}

TEST(MethodsRegularizers, VpuMixupIsBoundedAndScalesWithLam) {
  torch::manual_seed(2);
  auto model = pulab::test::make_component<pulab::ScoreModel>("linear", {}, {3});
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->parameters()) p.zero_();
  }
  pulab::Batch batch;
  batch.x_p = torch::randn({5, 3});
  batch.x_u = torch::randn({9, 3});
  pulab::Scores scores{torch::zeros({5}), torch::zeros({9})};
  // phi = 0.5 everywhere: t = 1 - lambda/2, (log t - log 0.5)^2 lies in [0, log(2)^2].
  auto small = pulab::test::make_component<pulab::Regularizer>("vpu_mixup", {{"lam", 0.1}});
  auto large = pulab::test::make_component<pulab::Regularizer>("vpu_mixup", {{"lam", 1.0}});
  torch::manual_seed(9);
  const double a = small->penalty(*model, batch, scores, {}).item<double>();
  torch::manual_seed(9);
  const double b = large->penalty(*model, batch, scores, {}).item<double>();
  EXPECT_GT(b, 0);
  EXPECT_LE(b, std::log(2.0) * std::log(2.0));
  EXPECT_NEAR(a * 10, b, 1e-6);
  EXPECT_FALSE(pulab::test::make_component<pulab::Regularizer>("vpu_mixup", {{"lam", 0.0}})->penalty(*model, batch, scores, {}).defined());
  // Underflowing phi(x_u) keeps the penalty finite.
  pulab::Scores far{torch::zeros({5}), torch::full({9}, -1000.0)};
  EXPECT_TRUE(std::isfinite(large->penalty(*model, batch, far, {}).item<double>()));
}

TEST(MethodsRegularizers, InputNoiseAddsGaussianNoiseToTheBatch) {
  auto noise = pulab::test::make_component<pulab::Regularizer>("input_noise", {{"std", 0.2}});
  pulab::Batch batch;
  batch.x_p = torch::zeros({2000, 5});
  batch.x_u = torch::zeros({4000, 5});
  torch::manual_seed(4);
  noise->prepare(batch, {});
  for (const auto& x : {batch.x_p, batch.x_u}) {
    EXPECT_NEAR(x.std().item<double>(), 0.2, 0.01);
    EXPECT_NEAR(x.mean().item<double>(), 0.0, 0.01);
  }
  Quadratic model;
  EXPECT_FALSE(noise->penalty(model, batch, {}, {}).defined());
  pulab::Batch clean;
  clean.x_p = torch::ones({3, 2});
  clean.x_u = torch::ones({3, 2});
  pulab::test::make_component<pulab::Regularizer>("input_noise", {{"std", 0.0}})->prepare(clean, {});
  EXPECT_TRUE(torch::equal(clean.x_p, torch::ones({3, 2})));
}

// ---------------------------------------------------------------- positive upweighting

TEST(MethodsUpweighting, FormulaRampAndStability) {
  auto w = pulab::test::make_component<pulab::SampleWeighting>("positive_upweighting", {{"beta_max", 3.0}});
  const std::vector<double> g{-2.0, 0.0, 1.5, 10.0};
  pulab::Batch last;
  last.progress = {9, 10, 0};  // fraction 1: beta = beta_max
  const auto weights = w->positive_weights(doubles(g), last);
  for (std::size_t i = 0; i < g.size(); ++i) {
    EXPECT_NEAR(weights[i].item<double>(), 1 - 3.0 * std::log((1 + std::tanh(g[i])) / 2), 1e-12);
    EXPECT_GE(weights[i].item<double>(), 1.0);
  }
  // Halfway through the run beta is half of beta_max.
  pulab::Batch half;
  half.progress = {4, 10, 0};
  ASSERT_DOUBLE_EQ(half.progress.fraction(), 0.5);
  EXPECT_NEAR(w->positive_weights(doubles({0.0}), half).item<double>(), 1 - 1.5 * std::log(0.5), 1e-12);
  EXPECT_NEAR(w->positive_weights(doubles({-2.0}), half).item<double>(),
              1 - 1.5 * std::log((1 + std::tanh(-2.0)) / 2), 1e-12);
  // g = -1000: (1 + tanh g)/2 underflows to 0 in the literal formula; the weight is 1 + 2000 beta.
  for (auto dtype : {torch::kFloat, torch::kDouble}) {
    const double v = w->positive_weights(torch::full({1}, -1000.0, dtype), last).item<double>();
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_NEAR(v, 1 + 3.0 * 2000, 1e-3);
  }
}

TEST(MethodsUpweighting, DetachAndOff) {
  const auto g = doubles({0.3, -0.2}).requires_grad_(true);
  pulab::Batch p;
  p.progress = {0, 2, 0};
  EXPECT_FALSE(pulab::test::make_component<pulab::SampleWeighting>("positive_upweighting")->positive_weights(g, p).requires_grad());
  EXPECT_TRUE(pulab::test::make_component<pulab::SampleWeighting>("positive_upweighting", {{"detach", false}})
                  ->positive_weights(g, p)
                  .requires_grad());
  EXPECT_FALSE(
      pulab::test::make_component<pulab::SampleWeighting>("positive_upweighting", {{"beta_max", 0.0}})->positive_weights(g, p).defined());
  EXPECT_FALSE(pulab::test::make_component<pulab::SampleWeighting>("uniform")->positive_weights(g, p).defined());
}

// ---------------------------------------------------------------- models

TEST(MethodsModels, Cnn13Shapes) {
  const std::vector<std::vector<std::int64_t>> shapes{{3, 32, 32}, {1, 28, 28}};
  for (const auto& shape : shapes) {
    auto model = pulab::test::make_component<pulab::ScoreModel>("cnn13", {}, shape);
    const std::int64_t flat = shape[1] == 32 ? 10 * 8 * 8 : 10 * 7 * 7;
    EXPECT_EQ(model->named_parameters()["fc1.weight"].size(1), flat);
    EXPECT_EQ(model->named_parameters()["fc1.weight"].size(0), 1000);
    EXPECT_EQ(model->named_parameters()["conv1.weight"].size(0), 96);
    EXPECT_EQ(model->named_parameters()["conv4.weight"].size(0), 192);
    torch::NoGradGuard no_grad;
    const auto g = model->forward(torch::randn({2, shape[0], shape[1], shape[2]}));
    EXPECT_EQ(g.sizes(), (std::vector<std::int64_t>{2}));
  }
  auto narrow = pulab::test::make_component<pulab::ScoreModel>("cnn13", {{"channels1", std::int64_t{8}}, {"channels2", std::int64_t{16}},
                                                  {"hidden", std::int64_t{32}}},
                                        {3, 32, 32});
  torch::NoGradGuard no_grad;
  EXPECT_EQ(narrow->forward(torch::randn({4, 3, 32, 32})).sizes(), (std::vector<std::int64_t>{4}));
}

// The MLP's ReLU is pulab::relu, whose backward has no path back into the forward graph (a
// cheaper double backward). The scores, the penalty and every weight gradient of risk + gradient
// penalty must equal those of the same network written with torch::relu, exactly: the change may
// only remove work.
TEST(MethodsModels, PulabReluGradientsEqualTorchRelu) {
  torch::manual_seed(3);
  auto model = pulab::test::make_component<pulab::ScoreModel>("mlp", {{"hidden", std::vector<std::int64_t>{16, 16, 16}}}, {12});
  const auto params = model->named_parameters();
  auto reference = [&](const torch::Tensor& x) {
    auto h = x;
    for (int i = 0; i < 3; ++i) {
      const std::string layer = "fc" + std::to_string(i);
      h = torch::relu(torch::nn::functional::linear(h, params[layer + ".weight"], params[layer + ".bias"]));
    }
    return torch::nn::functional::linear(h, params["out.weight"], params["out.bias"]).squeeze(1);
  };
  // Half of the hidden units are off on some rows, so both ReLU branches are exercised.
  const auto x = torch::randn({40, 12});
  const auto x_mix = torch::randn({40, 12});
  auto objective_of = [&](const std::function<torch::Tensor(const torch::Tensor&)>& f) {
    const auto g = f(x);
    const auto xm = x_mix.clone().requires_grad_(true);
    const auto grad = torch::autograd::grad({f(xm).sum()}, {xm}, {}, true, true)[0];
    return torch::tanh(g).abs().mean() + 0.2 * grad.square().sum(1).mean();
  };
  auto gradients = [&](const torch::Tensor& objective) {
    std::vector<torch::Tensor> grads = torch::autograd::grad({objective}, model->parameters());
    return grads;
  };
  const auto ours = objective_of([&](const torch::Tensor& in) { return model->forward(in); });
  const auto theirs = objective_of(reference);
  EXPECT_EQ(ours.item<float>(), theirs.item<float>());
  const auto g_ours = gradients(ours), g_theirs = gradients(theirs);
  ASSERT_EQ(g_ours.size(), g_theirs.size());
  for (std::size_t i = 0; i < g_ours.size(); ++i) {
    EXPECT_TRUE(torch::equal(g_ours[i], g_theirs[i])) << "parameter " << i;
    EXPECT_GT(g_ours[i].abs().sum().item<float>(), 0) << "parameter " << i;
  }
}

// ---------------------------------------------------------------- training runs

const std::string kSyntheticBase = pulab::test::synthetic_methods_base("methods_test");

fs::path write_text(const std::string& name, const std::string& text) {
  const fs::path file = pulab::test::temp_dir("methods") / name;
  std::ofstream(file) << text;
  return file;
}

fs::path methods_dir() { return fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods"; }

// The base experiment with a composition merged on top, plus `extra` (own keys win).
std::string composed(const fs::path& base, const fs::path& method, const std::string& extra = "") {
  return "base = [\"" + base.string() + "\", \"" + method.string() + "\"]\n" + extra;
}

TEST(MethodsTraining, GradpuWithoutPenaltyAndUpweightingIsBitIdenticalToNaive) {
  const auto base = write_text("base.toml", kSyntheticBase);
  const std::vector<std::string> small{"model.hidden=[32, 32]", "train.epochs=3", "dataset.separation=6.0"};
  auto naive = pulab::test::train_text("base = \"" + base.string() + "\"\n[risk]\nloss = \"abs\"\n", small);
  const std::string off = "[regularizer.gradient_penalty]\nalpha = 0.0\n[weighting]\nbeta_max = 0.0\n";
  auto gradpu = pulab::test::train_text(composed(base, methods_dir() / "gradpu.toml", off), small);
  ASSERT_EQ(naive["epochs"].size(), 3u);
  ASSERT_EQ(gradpu["epochs"].size(), 3u);
  EXPECT_EQ(gradpu["config"]["risk"]["loss"], "abs");
  for (std::size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(naive["epochs"][e]["train_risk"].get<double>(), gradpu["epochs"][e]["train_risk"].get<double>());
    EXPECT_EQ(naive["epochs"][e]["train_objective"].get<double>(),
              gradpu["epochs"][e]["train_objective"].get<double>());
    EXPECT_EQ(naive["epochs"][e]["test"]["accuracy"].get<double>(),
              gradpu["epochs"][e]["test"]["accuracy"].get<double>());
  }
  // The comparison can tell: a real penalty changes the trajectory.
  auto with_gp = pulab::test::train_text(
      composed(base, methods_dir() / "gradpu.toml", "[weighting]\nbeta_max = 0.0\n"), small);
  EXPECT_NE(naive["epochs"][0]["train_objective"].get<double>(), with_gp["epochs"][0]["train_objective"].get<double>());
}

TEST(MethodsTraining, EveryCompositionLearnsSyntheticData) {
  const auto base = write_text("base.toml", kSyntheticBase);
  // A beta_max = 30 schedule squeezed into 5 epochs calls everything positive; the short runs use 1.
  // Self-PU's own optimiser (lr 5e-4, weight decay 5e-3) and selection schedule (epochs 10-50) are
  // for 100 epochs; the 5-epoch run uses the base's optimiser and selects after epochs 2-4.
  // Holistic-PU records U's scores 15 times (every 8 steps) before it labels U: 2 times here.
  // Robust-PU pre-trains with nnPU for 50 epochs before its self-paced episodes: 4 here, so one
  // episode runs (each starts a new Adam, whose first steps at this lr of 1e-3 cost a few points:
  // 0.879 after two episodes; the authors' episodes use a tenth of the pre-training lr). LaGAM warms up for 20 epochs before its meta steps: 1 here, so four epochs of
  // meta steps run.
  const std::map<std::string, std::string> extra{
      {"gradpu.toml", "[weighting]\nbeta_max = 1.0\n"},
      {"gradpu_no_gp.toml", "[weighting]\nbeta_max = 1.0\n"},
      {"gradpu_undetached.toml", "[weighting]\nbeta_max = 1.0\n"},
      {"holistic_pu.toml", "[hook.predictive_trend]\nrecord_epochs = 2\n"},
      {"lagam.toml", "[regularizer.lagam_meta]\nwarmup_epochs = 1\n"},
      {"robust_pu.toml", "[risk]\npretrain_epochs = 4\n"},
      {"selfpu.toml", "[train]\nlr = 1e-3\nweight_decay = 1e-4\n"
                      "[hook.self_paced_selection]\nstart_epoch = 2\nstop_epoch = 4\nevery = 1\n"}};
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(methods_dir())) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 12u);
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    const auto it = extra.find(name);
    auto result = pulab::test::train_text(composed(base, file, it == extra.end() ? "" : it->second));
    const double accuracy = result["last"]["test"]["accuracy"].get<double>();
    std::printf("[ methods  ] %-28s last test accuracy %.4f (threshold %.4f, %.1f s)\n", name.c_str(), accuracy,
                result["epochs"].back()["threshold"].get<double>(), result["wall_seconds"].get<double>());
    // Chance is about 0.5 (positive_fraction 0.5); a clean PN classifier gets ~1.0 here.
    EXPECT_GE(accuracy, 0.9) << name;
  }
}

}  // namespace
