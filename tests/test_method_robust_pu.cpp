// Robust-PU (plugins/robust_pu/, risk `robust_pu` that is also a hook): the objective of both phases on
// hand-computed tensors, the schema's and the run's errors, the hook's per-sample weights (hardness,
// self-paced regularizers, training schedulers, episodes, momentum) on a tiny case through a fake
// TrainingContext, and a short synthetic run whose pre-training epochs are nnPU's, bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine/results.hpp"
#include "engine/trainer.hpp"
#include "pulab/risk_estimator.hpp"
#include "pulab/sample_state.hpp"
#include "pulab/training_hook.hpp"
#include "context_double.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using pulab::ParamValue;

namespace {

fs::path composition() { return fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "robust_pu.toml"; }

// The component with the schema's defaults and `set` on top (the composition's values are the defaults).
std::shared_ptr<pulab::RiskEstimator> make_robust_pu(const std::map<std::string, ParamValue>& set = {}) {
  const auto* component = pulab::test::builtin_host().registries().risks.find("robust_pu");
  if (!component) throw std::runtime_error("risk 'robust_pu' is not loaded");
  pulab::Params params = pulab::Params::defaults(component->schema);
  for (const auto& [key, value] : set) params.set(key, value);
  return component->factory(params, {});
}

pulab::TrainingHook& as_hook(const std::shared_ptr<pulab::RiskEstimator>& risk) {
  auto* hook = dynamic_cast<pulab::TrainingHook*>(risk.get());
  if (!hook) throw std::runtime_error("risk 'robust_pu' is not a hook");
  return *hook;
}

double sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplus(double x) { return std::log1p(std::exp(x)); }

// A TrainingContext whose "model" scores sample id i as scores[i]; it counts the scoring calls.
class FakeContext final : public pulab::test::ContextDouble {
 public:
  FakeContext(std::vector<double> scores, std::int64_t n_labeled, std::int64_t epochs)
      : ContextDouble(n_labeled, std::int64_t(scores.size()) - n_labeled, 0.4, epochs),
        scores_(torch::tensor(scores, torch::kFloat)) {}

  torch::Tensor score(const torch::Tensor& ids, pulab::ScoreModel* /*model*/) override {
    ++score_calls;
    return scores_.index_select(0, ids);
  }
  void set_prior(double) override { throw std::logic_error("robust_pu must not set the prior"); }

  // Calls the hook's epoch start as the engine does at 0-based `epoch`.
  void start_epoch(pulab::TrainingHook& hook, std::int64_t epoch) {
    now.epoch = epoch;
    hook.on_epoch_start(*this);
  }
  std::vector<double> weights() const {
    const auto w = state_.weight.to(torch::kDouble).contiguous();
    return std::vector<double>(w.data_ptr<double>(), w.data_ptr<double>() + w.numel());
  }
  void set_scores(std::vector<double> scores) { scores_ = torch::tensor(scores, torch::kFloat); }

  int score_calls = 0;

 private:
  torch::Tensor scores_;
};

void expect_weights(const std::vector<double>& actual, const std::vector<double>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], 1e-6 * std::max(1.0, std::abs(expected[i]))) << what << ", sample " << i;
  }
}

// A batch of 2 labeled positives (ids 0, 1) and 3 unlabeled samples (ids 2, 3, 4) at 0-based `epoch`.
struct TinyBatch {
  pulab::SampleState state{2, 3, 0.4, torch::kCPU};
  pulab::Batch batch;
  pulab::Scores scores;
  explicit TinyBatch(std::int64_t epoch) {
    batch.state = &state;
    batch.ids_p = torch::tensor({0L, 1L});
    batch.ids_u = torch::tensor({2L, 3L, 4L});
    batch.progress.epoch = epoch;
    scores.p = torch::tensor({0.5, -1.0}, torch::kDouble).requires_grad_(true);
    scores.u = torch::tensor({2.0, -0.3, 0.1}, torch::kDouble).requires_grad_(true);
  }
};

const std::string kSynthetic = pulab::test::synthetic_methods_base("robust_pu_test", 5, false);

}  // namespace

// ---------------------------------------------------------------- the objective

TEST(MethodRobustPu, PretrainingEpochsMinimiseNnpuOnHandComputedTensors) {
  auto risk = make_robust_pu({{"pretrain_epochs", std::int64_t(2)}});
  TinyBatch t(1);                                                 // epoch 2 of 2 pre-training epochs
  t.state.weight.copy_(torch::tensor({0.0f, 5.0f, 0.0f, 3.0f, 0.0f}));  // ignored while pre-training
  const torch::Tensor no_weights;
  const auto out = risk->compute({t.scores, no_weights, 0.4, t.batch});
  // nnPU, sigmoid loss, pi = 0.4: positive = 0.4 (sig(-0.5) + sig(1)) / 2 = 0.221720,
  // negative = (sig(2) + sig(-0.3) + sig(0.1)) / 3 - 0.4 (sig(0.5) + sig(-1)) / 2 = 0.432164 > 0.
  const double positive = 0.4 * (sig(-0.5) + sig(1.0)) / 2;
  const double negative = (sig(2.0) + sig(-0.3) + sig(0.1)) / 3 - 0.4 * (sig(0.5) + sig(-1.0)) / 2;
  EXPECT_NEAR(positive + negative, 0.6538842818529812, 1e-12);
  EXPECT_NEAR(out.objective.item<double>(), positive + negative, 1e-12);
  EXPECT_NEAR(out.reported.item<double>(), positive + negative, 1e-12);
  EXPECT_FALSE(risk->needs_calibration());
}

TEST(MethodRobustPu, EpisodesMinimiseTheWeightedCrossEntropyOfPAgainstU) {
  auto risk = make_robust_pu({{"pretrain_epochs", std::int64_t(2)}});
  TinyBatch t(2);  // the first self-paced epoch
  t.state.weight.copy_(torch::tensor({1.0f, 0.5f, 0.2f, 0.0f, 1.0f}));
  const torch::Tensor no_weights;
  // Logistic loss, P as +1 and U as -1, divided by the batch size 5 (not by the weights' sum):
  // (1 sp(-0.5) + 0.5 sp(1) + 0.2 sp(2) + 0 sp(-0.3) + 1 sp(0.1)) / 5 = 0.460098, sp = softplus.
  const double expected =
      (softplus(-0.5) + 0.5 * softplus(1.0) + 0.2 * softplus(2.0) + 0.0 * softplus(-0.3) + softplus(0.1)) / 5;
  EXPECT_NEAR(expected, 0.46009801804427675, 1e-12);
  // The prior is not used after pre-training: 0 is no error here.
  auto out = risk->compute({t.scores, no_weights, 0.0, t.batch});
  EXPECT_NEAR(out.objective.item<double>(), expected, 1e-6);  // the weights are float
  EXPECT_NEAR(out.reported.item<double>(), expected, 1e-6);
  out.objective.backward();
  // d/dg of w l: a weight-0 sample gets no gradient; 0.2 sig(2) / 5 = 0.035232 on U id 2;
  // -0.5 sig(1) / 5 = -0.073106 on P id 1.
  EXPECT_EQ(t.scores.u.grad()[1].item<double>(), 0.0);
  EXPECT_NEAR(t.scores.u.grad()[0].item<double>(), 0.2 * sig(2.0) / 5, 1e-7);
  EXPECT_NEAR(t.scores.p.grad()[1].item<double>(), -0.5 * sig(1.0) / 5, 1e-7);

  // A SampleWeighting's positive weights multiply the state's weights of P.
  TinyBatch u(7);
  u.state.weight.copy_(torch::tensor({1.0f, 0.5f, 0.2f, 0.0f, 1.0f}));
  const auto positive_weights = torch::tensor({2.0, 0.5}, torch::kDouble);
  const double weighted =
      (2.0 * softplus(-0.5) + 0.25 * softplus(1.0) + 0.2 * softplus(2.0) + softplus(0.1)) / 5;  // 0.489250
  EXPECT_NEAR(risk->compute({u.scores, positive_weights, 0.4, u.batch}).objective.item<double>(), weighted, 1e-6);
}

TEST(MethodRobustPu, EpisodeRiskNnpuWeightsEverySamplesLossInsideNnpu) {
  auto risk = make_robust_pu({{"pretrain_epochs", std::int64_t(2)},
                              {"episode_risk", std::string("nnpu")},
                              {"loss", std::string("sigmoid")}});
  TinyBatch t(2);
  t.state.weight.copy_(torch::tensor({1.0f, 0.5f, 0.2f, 0.0f, 1.0f}));
  const torch::Tensor no_weights;
  // pi = 0.4, sigmoid loss: positive = 0.4 (1 sig(-0.5) + 0.5 sig(1)) / 2 = 0.148614,
  // negative = (0.2 sig(2) + 0 sig(-0.3) + 1 sig(0.1)) / 3 - 0.4 (1 sig(0.5) + 0.5 sig(-1)) / 2 = 0.082327 > 0.
  const double positive = 0.4 * (sig(-0.5) + 0.5 * sig(1.0)) / 2;
  const double negative = (0.2 * sig(2.0) + 0.0 * sig(-0.3) + sig(0.1)) / 3 - 0.4 * (sig(0.5) + 0.5 * sig(-1.0)) / 2;
  EXPECT_NEAR(positive, 0.14861399, 1e-6);
  EXPECT_NEAR(negative, 0.08232686, 1e-6);
  const auto out = risk->compute({t.scores, no_weights, 0.4, t.batch});
  EXPECT_NEAR(out.objective.item<double>(), positive + negative, 1e-6);
  // With a negative part below 0 the correction step of nnPU applies: all U weights 0.
  TinyBatch c(2);
  c.state.weight.copy_(torch::tensor({1.0f, 1.0f, 0.0f, 0.0f, 0.0f}));
  const double below = -0.4 * (sig(0.5) + sig(-1.0)) / 2;
  const auto corrected = risk->compute({c.scores, no_weights, 0.4, c.batch});
  EXPECT_NEAR(corrected.objective.item<double>(), -below, 1e-6);  // -gamma * negative, gamma = 1
  EXPECT_NEAR(corrected.reported.item<double>(), 0.4 * (sig(-0.5) + sig(1.0)) / 2, 1e-6);
  // The prior is needed here too.
  const auto msg = pulab::test::error_message([&] { risk->compute({t.scores, no_weights, 0.0, t.batch}); });
  EXPECT_NE(msg.find("split.prior"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- errors

TEST(MethodRobustPu, BadValuesAndAMissingPriorAreErrorsNamingTheKey) {
  const std::string base = "base = \"" + composition().string() + "\"\n" + kSynthetic;
  // Each bad value in the experiment text (not --set, whose location would name the key anyway).
  const std::map<std::string, std::string> bad{
      {"temperature_n = 0.0", "risk (robust_pu).temperature_n = 0.0 is out of range"},
      {"momentum = 1.0", "risk (robust_pu).momentum = 1.0 is out of range"},
      {"inner_epochs = 0", "risk (robust_pu).inner_epochs = 0 is out of range"},
      {"threshold_start_p = 0.0", "risk (robust_pu).threshold_start_p = 0.0 is out of range"},
      {"concave_base = 1.0", "risk (robust_pu).concave_base = 1.0 is out of range"},
      {"spl = \"gauss\"", "risk (robust_pu).spl = \"gauss\" is not allowed"},
      {"schedule_n = \"cosine\"", "risk (robust_pu).schedule_n = \"cosine\" is not allowed"}};
  for (const auto& [line, expected] : bad) {
    const auto msg = pulab::test::error_message([&] { pulab::test::resolve_text(base + "[risk]\n" + line + "\n"); });
    EXPECT_NE(msg.find(expected), std::string::npos) << line << ": " << msg;
  }
  // The composition itself resolves.
  EXPECT_EQ(pulab::test::resolve_text(base).front().risk.name, "robust_pu");

  // nnPU pre-training without a usable prior names the key to set.
  auto risk = make_robust_pu({{"pretrain_epochs", std::int64_t(3)}});
  TinyBatch t(0);
  const torch::Tensor no_weights;
  for (double prior : {0.0, 1.0, std::nan("")}) {
    const auto msg = pulab::test::error_message([&] { risk->compute({t.scores, no_weights, prior, t.batch}); });
    EXPECT_NE(msg.find("split.prior"), std::string::npos) << msg;
  }
}

// ---------------------------------------------------------------- the hook

TEST(MethodRobustPu, EpisodeStartsWriteWelschWeightsOfTheHardness) {
  // P = {3, -1}, U = {-4, 0, 2.5}; episodes of 2 epochs after 2 pre-training epochs; tau_n = 2.
  auto risk = make_robust_pu({{"pretrain_epochs", std::int64_t(2)},
                              {"inner_epochs", std::int64_t(2)},
                              {"temperature_n", 2.0}});
  auto& hook = as_hook(risk);
  FakeContext context({3.0, -1.0, -4.0, 0.0, 2.5}, 2, 10);
  for (std::int64_t epoch : {0, 1}) context.start_epoch(hook, epoch);  // pre-training: nothing
  EXPECT_EQ(context.score_calls, 0);
  EXPECT_EQ(context.optimizer_resets, 0);
  expect_weights(context.weights(), {1, 1, 1, 1, 1}, "pre-training");

  // Hardness: P sp(-g) = 0.048587, 1.313262; U sp(g / 2) = 0.126928, 0.693147, 1.501929.
  const std::vector<double> h{softplus(-3.0), softplus(1.0), softplus(-2.0), softplus(0.0), softplus(1.25)};
  EXPECT_NEAR(h[0], 0.04858735157374206, 1e-12);
  EXPECT_NEAR(h[4], 1.501929081345373, 1e-12);
  auto welsch = [&](double lambda) {
    std::vector<double> w;
    for (double x : h) w.push_back(std::exp(-x / (lambda * lambda)));
    return w;
  };
  context.start_epoch(hook, 2);  // episode 0: lambda = 0.1; w = exp(-100 h): 0.007760, ~0, 3.07e-6, ~0, ~0
  EXPECT_EQ(context.score_calls, 1);
  EXPECT_EQ(context.optimizer_resets, 1);  // every episode starts a new Adam
  expect_weights(context.weights(), welsch(0.1), "episode 0");
  EXPECT_NEAR(context.weights()[0], 0.007760293235863638, 1e-8);

  context.start_epoch(hook, 3);  // inside episode 0: unchanged
  EXPECT_EQ(context.score_calls, 1);
  EXPECT_EQ(context.optimizer_resets, 1);
  expect_weights(context.weights(), welsch(0.1), "epoch 4");

  context.start_epoch(hook, 4);  // episode 1: lambda = 0.1 + 1.9 / 10 = 0.29; w_0 = 0.561169
  EXPECT_EQ(context.score_calls, 2);
  EXPECT_EQ(context.optimizer_resets, 2);
  expect_weights(context.weights(), welsch(0.29), "episode 1");
  EXPECT_NEAR(context.weights()[0], 0.561169054127562, 1e-6);
  // Easy samples weigh more than hard ones: the confident negative of U more than the U sample
  // scored positive (a likely positive hidden in U).
  EXPECT_GT(context.weights()[2], context.weights()[4]);
}

TEST(MethodRobustPu, FreshOptimizerFalseKeepsTheRunsAdam) {
  auto risk = make_robust_pu({{"pretrain_epochs", std::int64_t(1)}, {"fresh_optimizer", false}});
  FakeContext context({3.0, -1.0, -4.0, 0.0, 2.5}, 2, 10);
  for (std::int64_t epoch : {0, 1, 2, 3}) context.start_epoch(as_hook(risk), epoch);
  EXPECT_EQ(context.score_calls, 3);  // episodes start at epochs 2, 3, 4 (1-based)
  EXPECT_EQ(context.optimizer_resets, 0);
}

TEST(MethodRobustPu, SelfPacedRegularizersAndTrainingSchedulers) {
  // The four regularizers at lambda = 0.8 (episode 0 of a const schedule), U scores {-3, -0.5, 1, 4}:
  // h = sp(g) = 0.048587, 0.474077, 1.313262, 4.018150.
  const std::vector<double> g_u{-3.0, -0.5, 1.0, 4.0};
  std::vector<double> h;
  for (double g : g_u) h.push_back(softplus(g));
  const double lambda = 0.8;
  const std::map<std::string, std::function<double(double)>> rules{
      {"hard", [&](double x) { return x < lambda ? 1.0 : 0.0; }},
      {"linear", [&](double x) { return std::max(0.0, 1.0 - x / lambda); }},
      {"welsch", [&](double x) { return std::exp(-x / (lambda * lambda)); }},
      {"cauchy", [&](double x) { return 1.0 / (1.0 + x / (lambda * lambda)); }}};
  for (const auto& [name, rule] : rules) {
    auto risk = make_robust_pu({{"pretrain_epochs", std::int64_t(0)},
                                {"spl", name},
                                {"schedule_n", std::string("const")},
                                {"threshold_start_n", lambda}});
    FakeContext context({5.0, g_u[0], g_u[1], g_u[2], g_u[3]}, 1, 10);
    context.start_epoch(as_hook(risk), 0);
    const auto w = context.weights();
    for (std::size_t i = 0; i < g_u.size(); ++i) {
      EXPECT_NEAR(w[i + 1], rule(h[i]), 1e-6) << name << ", U sample " << i;
    }
  }
  // hard keeps the two easiest (h < 0.8), linear: 1 - 0.048587 / 0.8 = 0.939266.
  {
    auto risk = make_robust_pu({{"pretrain_epochs", std::int64_t(0)}, {"spl", std::string("linear")},
                                {"schedule_n", std::string("const")}, {"threshold_start_n", lambda}});
    FakeContext context({5.0, g_u[0], g_u[1], g_u[2], g_u[3]}, 1, 10);
    context.start_epoch(as_hook(risk), 0);
    EXPECT_NEAR(context.weights()[1], 0.939266, 1e-6);
    EXPECT_EQ(context.weights()[4], 0.0);
  }

  // Schedules, read off Welsch weights at g = 0 (h = log 2 on both sides): w = 2^(-1 / lambda^2).
  // start 0.1, max 2.0, 10 episodes, exp rate 1.1, concave base 0.5; episodes 0, 3, 10, 15.
  const std::map<std::string, std::vector<double>> lambdas{
      {"const", {0.1, 0.1, 0.1, 0.1}},
      {"linear", {0.1, 0.67, 2.0, 2.0}},
      {"convex", {0.1, 0.1 + 1.9 * std::sin(0.15 * M_PI), 2.0, 2.0}},  // 0.962586; held at 2 after 10
      {"concave", {0.1, 0.1 + 1.9 * 0.875, 0.1 + 1.9 * (1 - 1.0 / 1024), 0.1 + 1.9 * (1 - 1.0 / 32768)}},
      {"exp", {0.1, 0.1 * 1.331, 0.1 * std::pow(1.1, 10), 0.1 * std::pow(1.1, 15)}}};
  const std::vector<std::int64_t> episodes{0, 3, 10, 15};
  for (const auto& [name, expected] : lambdas) {
    auto risk = make_robust_pu({{"pretrain_epochs", std::int64_t(0)}, {"schedule_p", name}, {"schedule_n", name}});
    FakeContext context({0.0, 0.0}, 1, 20);
    for (std::size_t e = 0; e < episodes.size(); ++e) {
      context.start_epoch(as_hook(risk), episodes[e]);
      const double w = std::pow(2.0, -1.0 / (expected[e] * expected[e]));
      expect_weights(context.weights(), {w, w}, name + " episode " + std::to_string(episodes[e]));
    }
  }
  // A schedule that shrinks (start above max) is clamped from above.
  auto shrinking = make_robust_pu({{"pretrain_epochs", std::int64_t(0)}, {"threshold_start_n", 2.0},
                                   {"threshold_max_n", 1.0}, {"grow_episodes_n", std::int64_t(2)}});
  FakeContext context({0.0, 0.0}, 1, 20);
  context.start_epoch(as_hook(shrinking), 5);  // linear: 2 - 0.5 * 5 = -0.5, clamped to 1
  EXPECT_NEAR(context.weights()[1], 0.5, 1e-6);  // 2^(-1 / 1)
}

TEST(MethodRobustPu, MomentumAveragesAnEpisodesWeightsWithThePreviousOnes) {
  auto risk = make_robust_pu({{"pretrain_epochs", std::int64_t(1)}, {"momentum", 0.75}});
  auto& hook = as_hook(risk);
  FakeContext context({0.0, 0.0}, 1, 10);
  context.state().weight.fill_(7.0f);  // whatever was there before: episode 0 does not average with it
  context.start_epoch(hook, 1);        // episode 0, lambda 0.1
  const double v0 = std::pow(2.0, -1.0 / 0.01);
  expect_weights(context.weights(), {v0, v0}, "episode 0");
  context.set_scores({0.0, -20.0});    // the U sample became easy: v1 = exp(-sp(-20) / 0.29^2) ~ 1
  context.start_epoch(hook, 2);        // episode 1, lambda 0.29
  const double v1_p = std::pow(2.0, -1.0 / (0.29 * 0.29));
  const double v1_u = std::exp(-softplus(-20.0) / (0.29 * 0.29));
  expect_weights(context.weights(), {0.75 * v0 + 0.25 * v1_p, 0.75 * v0 + 0.25 * v1_u}, "episode 1");
}

// ---------------------------------------------------------------- a short run

TEST(MethodRobustPu, PretrainingIsNnpuBitForBitThenTheEpisodesLearn) {
  const auto with = [](const std::string& method, const std::string& extra = "") {
    return "base = \"" + (fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / method).string() + "\"\n" +
           kSynthetic + extra;
  };
  const auto nnpu = pulab::test::train_text(with("nnpu.toml"));
  const auto robust = pulab::test::train_text(with("robust_pu.toml", "[risk]\npretrain_epochs = 3\n"));
  ASSERT_EQ(robust["epochs"].size(), 5u);
  for (std::size_t e = 0; e < 3; ++e) {  // pre-training: the same steps as nnPU
    EXPECT_EQ(robust["epochs"][e]["train_risk"].get<double>(), nnpu["epochs"][e]["train_risk"].get<double>()) << e;
    EXPECT_EQ(robust["epochs"][e]["test"]["accuracy"].get<double>(),
              nnpu["epochs"][e]["test"]["accuracy"].get<double>()) << e;
  }
  // The episodes train another objective (the weighted cross-entropy).
  EXPECT_NE(robust["epochs"][3]["train_risk"].get<double>(), nnpu["epochs"][3]["train_risk"].get<double>());
  const double accuracy = robust["last"]["test"]["accuracy"].get<double>();
  std::printf("[ robust_pu ] synthetic: last test accuracy %.4f (nnPU %.4f)\n", accuracy,
              nnpu["last"]["test"]["accuracy"].get<double>());
  // Chance is about 0.5 here; a collapse to one class (Robust-PU's failure mode when the episodes
  // outweigh P, docs/methods.md) gives about that. Each episode's fresh Adam takes full-size first
  // steps, so two 1-epoch episodes end below nnPU (0.879 against 0.963 when written).
  EXPECT_GE(accuracy, 0.85);
}

TEST(MethodRobustPu, AResumedRunContinuesBitIdenticallyInsideAndAcrossEpisodes) {
  // Episodes of 2 epochs after 2 pre-training epochs start at epochs 3 and 5 (1-based). Stopped after
  // epoch 3, the resumed run's epoch 4 trains with the weights of the checkpoint (no recomputation
  // inside an episode), and its epoch 5 recomputes them from the restored model.
  const std::string text = "base = \"" + composition().string() + "\"\n" + kSynthetic +
                           "[risk]\npretrain_epochs = 2\ninner_epochs = 2\n";
  const auto run = [&](const fs::path& dir, std::int64_t max_epochs) {
    auto specs = pulab::test::resolve_text(text, {"output_dir=" + dir.string()});
    pulab::TrainOptions options;
    options.quiet = true;
    options.threads = 1;
    options.max_epochs_this_call = max_epochs;
    const auto status = pulab::train_run(specs.front(), pulab::test::builtin_host(), options);
    return std::pair{status, pulab::result_path(specs.front())};
  };
  const auto whole = pulab::test::read_json(run(pulab::test::temp_dir("robust_pu_whole"), -1).second);
  const fs::path dir = pulab::test::temp_dir("robust_pu_resume");
  ASSERT_EQ(run(dir, 3).first, pulab::RunStatus::Interrupted);
  const auto [status, file] = run(dir, -1);
  ASSERT_EQ(status, pulab::RunStatus::Finished);
  const auto resumed = pulab::test::read_json(file);
  EXPECT_EQ(resumed["resumed_from_epoch"], 3);
  ASSERT_EQ(whole["epochs"].size(), 5u);
  ASSERT_EQ(resumed["epochs"].size(), 5u);
  for (std::size_t e = 0; e < 5; ++e) {
    for (const char* key : {"train_risk", "train_objective"}) {
      EXPECT_EQ(whole["epochs"][e][key].get<double>(), resumed["epochs"][e][key].get<double>()) << key << " " << e;
    }
    EXPECT_EQ(whole["epochs"][e]["test"]["accuracy"].get<double>(),
              resumed["epochs"][e]["test"]["accuracy"].get<double>()) << e;
  }
}

namespace {
// fresh_optimizer came with pulab 0.3; results of 0.2 have no such key and trained with one Adam:
// they are the runs of fresh_optimizer = false (the key compares equal to "no key" at false) and
// not of the new default.
TEST(MethodRobustPu, ResultsFromBeforeFreshOptimizerAreTheRunsWithoutIt) {
  const std::string text = "base = \"" + composition().string() + "\"\n" + kSynthetic;
  const auto one_adam = pulab::test::resolve_text(text + "[risk]\nfresh_optimizer = false\n").front();
  const auto fresh = pulab::test::resolve_text(text).front();
  EXPECT_EQ(pulab::config_fingerprint(one_adam).find("fresh_optimizer"), std::string::npos);
  EXPECT_NE(pulab::config_fingerprint(fresh).find("\"fresh_optimizer\":true"), std::string::npos);
}
}  // namespace
