// LBE (Gong et al., TPAMI 2021; plugins/lbe): the classifier's M-step objective on hand-computed
// tensors (EM and warm-up epochs, the small-loss trimming), the schema's errors, the warm-up schedule,
// the E-step posterior and the propensity model's M-step on a tiny engine context, and short
// synthetic runs that learn, ignore the class prior and resume bit-identically.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <tuple>
#include <vector>

#include <torch/torch.h>

#include "engine/engine_context.hpp"
#include "engine/results.hpp"
#include "engine/run_components.hpp"
#include "engine/trainer.hpp"
#include "pulab/risk_estimator.hpp"
#include "pulab/sample_state.hpp"
#include "pulab/training_hook.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double softplus(double z) { return std::log1p(std::exp(z)); }

// The `lbe` risk with its defaults overridden by `set`.
std::shared_ptr<pulab::RiskEstimator> make_lbe(const std::map<std::string, pulab::ParamValue>& set = {}) {
  const auto* c = pulab::test::builtin_host().registries().risks.find("lbe");
  if (!c) throw std::runtime_error("risk 'lbe' is not loaded");
  pulab::Params params = pulab::Params::defaults(c->schema);
  for (const auto& [key, value] : set) params.set(key, value);
  return c->factory(params, {});
}

pulab::TrainingHook& hook_of(pulab::RiskEstimator& risk) { return dynamic_cast<pulab::TrainingHook&>(risk); }

// Two labeled positives (ids 0, 1) and three unlabeled samples (ids 2, 3, 4) with posteriors q.
struct Tiny {
  pulab::SampleState state{2, 3, 0.5, torch::kCPU};
  pulab::Batch batch;
  pulab::Scores scores;
  torch::Tensor no_weights;
  Tiny(std::vector<double> g_p, std::vector<double> g_u, std::vector<float> q, std::int64_t epoch) {
    for (int i = 0; i < 3; ++i) state.pseudo_label[2 + i] = q[i];
    batch.state = &state;
    batch.ids_p = torch::tensor({0L, 1L});
    batch.ids_u = torch::tensor({2L, 3L, 4L});
    batch.progress.epoch = epoch;
    scores.p = torch::tensor(g_p, torch::kDouble).requires_grad_(true);
    scores.u = torch::tensor(g_u, torch::kDouble).requires_grad_(true);
  }
  pulab::RiskOutput run(pulab::RiskEstimator& risk, const torch::Tensor& weights = {}) {
    return risk.compute({scores, weights.defined() ? weights : no_weights, 0.5, batch});
  }
};

const std::vector<double> kGp{1.0, -0.5}, kGu{0.3, 2.0, -1.0};
const std::vector<float> kQ{0.2f, 0.9f, 0.5f};

// The per-sample M-step losses of the Tiny case, P then U: q softplus(-g) + (1 - q) softplus(g).
std::vector<double> em_losses() {
  std::vector<double> l{softplus(-kGp[0]), softplus(-kGp[1])};
  for (int i = 0; i < 3; ++i) l.push_back(kQ[i] * softplus(-kGu[i]) + (1 - kQ[i]) * softplus(kGu[i]));
  return l;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / double(v.size());
}

}  // namespace

// ---------------------------------------------------------------- the classifier's M-step

TEST(MethodLbe, ObjectiveAtZeroScoresIsLogTwo) {
  // g = 0 everywhere and q = 1/2 on U: every term is log 2 = 0.693147..., P's softplus(0) too.
  auto risk = make_lbe();
  Tiny t({0.0, 0.0}, {0.0, 0.0, 0.0}, {0.5f, 0.5f, 0.5f}, /*epoch=*/1);
  const auto out = t.run(*risk);
  EXPECT_NEAR(out.objective.item<double>(), 0.6931471805599453, 1e-7);
  EXPECT_NEAR(out.reported.item<double>(), 0.6931471805599453, 1e-7);
}

TEST(MethodLbe, ObjectiveIsTheSoftLabelCrossEntropyInEmEpochs) {
  auto risk = make_lbe();  // keep_fraction 1; before a run starts there is no warm-up epoch
  Tiny t(kGp, kGu, kQ, /*epoch=*/1);
  const auto l = em_losses();
  // By hand (softplus(z) = log(1 + e^z)): P softplus(-1) = 0.313262, softplus(0.5) = 0.974077;
  // U 0.2 softplus(-0.3) + 0.8 softplus(0.3) = 0.2*0.554355 + 0.8*0.854355 = 0.794355,
  // 0.9 softplus(-2) + 0.1 softplus(2) = 0.9*0.126928 + 0.1*2.126928 = 0.326928,
  // 0.5 (softplus(1) + softplus(-1)) = 0.5*(1.313262 + 0.313262) = 0.813262; mean 0.644377.
  EXPECT_NEAR(mean(l), 0.644377, 1e-6);
  auto out = t.run(*risk);
  EXPECT_NEAR(out.objective.item<double>(), mean(l), 1e-6);
  out.objective.backward();
  // d/dg of q softplus(-g) + (1 - q) softplus(g) is sigmoid(g) - q, over the batch size 5.
  for (int i = 0; i < 3; ++i) {
    const double expected = (1 / (1 + std::exp(-kGu[i])) - kQ[i]) / 5;
    EXPECT_NEAR(t.scores.u.grad()[i].item<double>(), expected, 1e-6) << i;
  }
  EXPECT_NEAR(t.scores.p.grad()[0].item<double>(), (1 / (1 + std::exp(-kGp[0])) - 1) / 5, 1e-6);

  // Weights of a [weighting] multiply the labeled positives' terms.
  Tiny w(kGp, kGu, kQ, 1);
  const double weighted = (2.0 * l[0] + 0.5 * l[1] + l[2] + l[3] + l[4]) / 5;
  EXPECT_NEAR(w.run(*risk, torch::tensor({2.0, 0.5}, torch::kDouble)).objective.item<double>(), weighted, 1e-6);
}

TEST(MethodLbe, SmallLossTrimmingKeepsTheSmallestLosses) {
  auto risk = make_lbe({{"keep_fraction", 0.5}});  // floor(0.5 * 5) = 2 of the 5 samples
  Tiny t(kGp, kGu, kQ, /*epoch=*/1);
  auto l = em_losses();  // 0.313262 (P0), 0.974077 (P1), 0.794355, 0.326928 (U1), 0.813262
  auto sorted = l;
  std::sort(sorted.begin(), sorted.end());
  auto out = t.run(*risk);
  EXPECT_NEAR(out.objective.item<double>(), (sorted[0] + sorted[1]) / 2, 1e-6);
  EXPECT_NEAR(out.objective.item<double>(), (0.313262 + 0.326928) / 2, 1e-6);
  out.objective.backward();
  // Only the kept samples (P0 and U1) get a gradient.
  EXPECT_NE(t.scores.p.grad()[0].item<double>(), 0);
  EXPECT_EQ(t.scores.p.grad()[1].item<double>(), 0);
  EXPECT_EQ(t.scores.u.grad()[0].item<double>(), 0);
  EXPECT_NE(t.scores.u.grad()[1].item<double>(), 0);
  EXPECT_EQ(t.scores.u.grad()[2].item<double>(), 0);

}

TEST(MethodLbe, DeclaresItsStateAndIsAHook) {
  auto risk = make_lbe();
  EXPECT_NE(dynamic_cast<pulab::TrainingHook*>(risk.get()), nullptr);
  const auto use = risk->state_use();
  EXPECT_EQ(use.reads, std::vector<std::string>{"pseudo_label"});
  EXPECT_EQ(use.writes, std::vector<std::string>{"pseudo_label"});
  EXPECT_FALSE(use.writes_prior);
  EXPECT_FALSE(use.oracle);
  EXPECT_FALSE(risk->needs_calibration());  // h(x) > 1/2: sign(g)
}

// ---------------------------------------------------------------- configuration errors

TEST(MethodLbe, SchemaErrorsNameTheKey) {
  const std::string base = pulab::test::quickstart_text();
  const std::vector<std::pair<std::string, std::string>> bad{
      {"risk.keep_fraction=0.0", "keep_fraction"},
      {"risk.keep_fraction=1.5", "keep_fraction"},
      {"risk.warmup_fraction=-0.1", "warmup_fraction"},
      {"risk.warmup_fraction=1.0", "warmup_fraction"},
      {"risk.propensity_warmup=\"uniform\"", "propensity_warmup"},
      {"risk.loss=\"sigmoid\"", "loss"}};  // LBE's M-step is the log-likelihood: no loss to choose
  for (const auto& [set, key] : bad) {
    const auto msg = pulab::test::error_message([&] { pulab::test::resolve_text(base, {"risk.name=lbe", set}); });
    EXPECT_NE(msg.find(key), std::string::npos) << set << ": " << msg;
  }
  EXPECT_NO_THROW(pulab::test::resolve_text(base, {"risk.name=lbe", "risk.keep_fraction=0.8"}));
}

// ---------------------------------------------------------------- E-step and propensity M-step

namespace {

// A run's context on tiny random data: 3 labeled positives, 5 unlabeled, 3 features.
// The warm-up is one epoch unless the overrides say otherwise (train.epochs = 3, the default
// warmup_fraction 0.05).
struct TinyRun {
  pulab::RunSpec spec;
  pulab::BuildContext build;
  std::shared_ptr<pulab::ScoreModel> model;
  pulab::TrainingData data;
  pulab::SampleState state{3, 5, 0.4, torch::kCPU};
  std::unique_ptr<pulab::EngineContext> context;
  explicit TinyRun(const std::vector<std::string>& overrides = {}) {
    std::vector<std::string> all{"risk.name=lbe", "train.epochs=3"};
    all.insert(all.end(), overrides.begin(), overrides.end());
    spec = pulab::test::resolve_text(pulab::test::quickstart_text(), all).front();
    build.input_shape = {3};
    torch::manual_seed(7);
    model = pulab::build_component(pulab::test::builtin_host().registries().models, spec.model, build);
    pulab::PUData pu;
    pu.x_p = torch::randn({3, 3});
    pu.x_u = torch::randn({5, 3});
    pu.u_positive = torch::zeros({5}, torch::kBool);
    pu.x_val = pu.x_test = torch::randn({2, 3});
    pu.y_val = pu.val_labeled = pu.y_test = torch::zeros({2}, torch::kBool);
    data = pulab::to_device(pu, torch::kCPU, false);
    context = std::make_unique<pulab::EngineContext>(pulab::EngineContext::Setup{
        &spec, &pulab::test::builtin_host().registries(), build, model.get(), &data, &state, 0.4, false, false});
  }
  std::shared_ptr<pulab::RiskEstimator> risk() {
    return pulab::build_component(pulab::test::builtin_host().registries().risks, spec.risk, build);
  }
  pulab::ScoreModel& propensity() const {
    for (const auto& m : context->extra_models())
      if (m.key == "lbe.propensity") return *m.model;
    throw std::runtime_error("no propensity model");
  }
  void at_epoch(std::int64_t epoch) { context->set_progress({epoch * 4, 12, epoch}); }
};

// What the hook's propensity step must do, computed on a copy of the propensity model taken
// before the step: the gradients of `loss_of(e_p, e_u)` and the parameters after one Adam step
// with the run's settings.
struct Reference {
  std::vector<torch::Tensor> gradients, parameters;
};
Reference reference_step(TinyRun& run, const std::string& key, const pulab::Batch& batch,
                         const std::function<torch::Tensor(torch::Tensor, torch::Tensor)>& loss_of) {
  auto copy = run.context->create_model(key);
  {
    torch::NoGradGuard no_grad;
    const auto from = run.propensity().parameters();
    const auto to = copy->parameters();
    for (std::size_t i = 0; i < to.size(); ++i) to[i].copy_(from[i]);
  }
  auto optimizer = run.context->create_optimizer(key + "_optimizer", *copy);
  copy->train();
  const auto e = copy->forward(torch::cat({batch.x_p, batch.x_u})).reshape({-1});
  const auto loss = loss_of(e.slice(0, 0, batch.x_p.size(0)), e.slice(0, batch.x_p.size(0)));
  optimizer->zero_grad();
  loss.backward();
  Reference out;
  for (const auto& p : copy->parameters()) out.gradients.push_back(p.grad().clone());
  optimizer->step();
  for (const auto& p : copy->parameters()) out.parameters.push_back(p.detach().clone());
  return out;
}

// The propensity model after the hook's step: its gradients (left in .grad()) and parameters.
void expect_step(const pulab::ScoreModel& model, const Reference& expected) {
  const auto actual = model.parameters();
  ASSERT_EQ(actual.size(), expected.parameters.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    ASSERT_TRUE(actual[i].grad().defined()) << "parameter " << i;
    EXPECT_GT(expected.gradients[i].abs().sum().item<float>(), 0) << "parameter " << i;
    EXPECT_TRUE(torch::allclose(actual[i].grad(), expected.gradients[i], 1e-5, 1e-7)) << "gradient " << i;
    EXPECT_TRUE(torch::allclose(actual[i], expected.parameters[i], 1e-5, 1e-7)) << "parameter " << i;
  }
}

}  // namespace

TEST(MethodLbe, EStepWritesThePosteriorOfTheTrueLabelOfU) {
  TinyRun run;  // one warm-up epoch
  auto risk = run.risk();
  auto& hook = hook_of(*risk);
  hook.on_run_start(*run.context);
  ASSERT_EQ(run.context->extra_models().size(), 1u);
  EXPECT_EQ(run.context->extra_models()[0].key, "lbe.propensity");
  EXPECT_EQ(run.context->extra_optimizers()[0].key, "lbe.propensity_optimizer");
  // A second model with its own initialisation, not the classifier.
  EXPECT_FALSE(torch::equal(run.propensity().parameters()[0], run.model->parameters()[0]));

  // Warm-up epoch: no E-step; the state keeps the engine's start (1 on P, the prior on U).
  const auto before = run.state.pseudo_label.clone();
  run.at_epoch(0);
  hook.on_epoch_start(*run.context);
  EXPECT_TRUE(torch::equal(run.state.pseudo_label, before));

  // First EM epoch: q = h (1 - eta) / (1 - h eta) on U from both models' scores; P stays 1.
  run.at_epoch(1);
  hook.on_epoch_start(*run.context);
  const auto u_ids = run.state.unlabeled_ids();
  const auto g = run.context->score(u_ids).to(torch::kDouble);
  const auto e = run.context->score(u_ids, &run.propensity()).to(torch::kDouble);
  const auto h = torch::sigmoid(g), eta = torch::sigmoid(e);
  const auto q = h * (1 - eta) / (1 - h * eta);
  EXPECT_TRUE(torch::allclose(run.state.pseudo_label.slice(0, 3).to(torch::kDouble), q, 1e-5, 1e-7))
      << run.state.pseudo_label << q;
  EXPECT_TRUE(torch::equal(run.state.pseudo_label.slice(0, 0, 3), torch::ones({3})));
}

TEST(MethodLbe, WarmUpIsAShareOfTheEpochsLeavingAtLeastOneEmEpoch) {
  // (warmup_fraction, train.epochs) -> warm-up epochs: round(f E), at least 1 when f > 0, at most E - 1.
  const std::vector<std::tuple<double, std::int64_t, std::int64_t>> cases{
      {0.05, 100, 5}, {0.05, 5, 1}, {0.1, 100, 10}, {0.1, 20, 2}, {0.1, 5, 1},
      {0.1, 3, 1},    {0.1, 1, 0},  {0.0, 5, 0},    {0.9, 5, 4},   {0.5, 2, 1}};
  for (const auto& [fraction, epochs, warmup] : cases) {
    TinyRun run({"train.epochs=" + std::to_string(epochs), "risk.warmup_fraction=" + std::to_string(fraction)});
    auto risk = run.risk();
    auto& hook = hook_of(*risk);
    hook.on_run_start(*run.context);
    const auto start = run.state.pseudo_label.clone();
    if (warmup > 0) {  // the last warm-up epoch: no E-step yet
      run.at_epoch(warmup - 1);
      hook.on_epoch_start(*run.context);
      EXPECT_TRUE(torch::equal(run.state.pseudo_label, start)) << fraction << " " << epochs;
    }
    run.at_epoch(warmup);  // the first EM epoch starts with the E-step
    hook.on_epoch_start(*run.context);
    EXPECT_FALSE(torch::equal(run.state.pseudo_label, start)) << fraction << " " << epochs;
  }
}

TEST(MethodLbe, WarmUpObjectiveIsTheClassBalancedObservedLabelLoss) {
  TinyRun run({"risk.keep_fraction=0.5", "train.epochs=10"});  // one warm-up epoch
  auto risk = run.risk();
  hook_of(*risk).on_run_start(*run.context);
  // The warm-up epoch: P vs U with class-balanced weights, untrimmed, q plays no part. The Tiny
  // batch's state has 2 labeled and 3 unlabeled samples: rho = 2/5, a labeled positive weighs
  // 5/(2*2) = 1.25, an unlabeled sample 5/(2*3) = 0.8333.
  Tiny warm(kGp, kGu, kQ, /*epoch=*/0);
  const double expected = (1.25 * (softplus(-1.0) + softplus(0.5)) +
                           5.0 / 6.0 * (softplus(0.3) + softplus(2.0) + softplus(-1.0))) / 5;
  // By hand: (1.25 (0.313262 + 0.974077) + 5/6 (0.854355 + 2.126928 + 0.313262)) / 5 = 0.870925.
  EXPECT_NEAR(expected, 0.870925, 1e-6);
  EXPECT_NEAR(warm.run(*risk).objective.item<double>(), expected, 1e-6);
  // The next epoch is EM: the soft-label cross-entropy, trimmed to the 2 smallest of 5 losses.
  Tiny em(kGp, kGu, kQ, /*epoch=*/1);
  EXPECT_NEAR(em.run(*risk).objective.item<double>(), (0.313262 + 0.326928) / 2, 1e-6);
}

TEST(MethodLbe, PropensityMStepIsOneAdamStepOnTheQWeightedLabelLikelihood) {
  TinyRun run;
  auto risk = run.risk();
  auto& hook = hook_of(*risk);
  hook.on_run_start(*run.context);
  run.at_epoch(1);
  hook.on_epoch_start(*run.context);  // q on U
  const auto q_all = run.state.pseudo_label.clone();
  const auto batch = pulab::gather_batch(run.data, {torch::tensor({0L, 2L}), torch::tensor({3L, 5L, 7L})}, run.state,
                                         0.4, {5, 12, 1});
  const auto q = q_all.index_select(0, torch::tensor({3L, 5L, 7L}));
  // EM: mean over the batch of q [s softplus(-e) + (1 - s) softplus(e)], s = 1 on P (q = 1).
  const auto expected = reference_step(run, "ref_em", batch, [&](torch::Tensor e_p, torch::Tensor e_u) {
    return torch::cat({torch::softplus(-e_p), q * torch::softplus(e_u)}).mean();
  });
  hook.after_step(*run.context, batch);
  expect_step(run.propensity(), expected);
  // The classifier is untouched by the hook.
  EXPECT_EQ(run.model->parameters()[0].grad().defined(), false);
}

TEST(MethodLbe, PropensityWarmUpIsObservedOrClassBalanced) {
  for (const std::string mode : {"observed", "balanced"}) {
    TinyRun run({"risk.propensity_warmup=" + mode});
    auto risk = run.risk();
    auto& hook = hook_of(*risk);
    hook.on_run_start(*run.context);
    run.at_epoch(0);
    const auto batch = pulab::gather_batch(run.data, {torch::tensor({1L}), torch::tensor({4L, 6L})}, run.state, 0.4,
                                           {0, 12, 0});
    // rho = 3/8: weights 8/6 for a labeled positive and 8/10 for an unlabeled sample when balanced.
    const double w_p = mode == "balanced" ? 8.0 / 6.0 : 1.0, w_u = mode == "balanced" ? 0.8 : 1.0;
    const auto expected = reference_step(run, "ref_" + mode, batch, [&](torch::Tensor e_p, torch::Tensor e_u) {
      return torch::cat({w_p * torch::softplus(-e_p), w_u * torch::softplus(e_u)}).mean();
    });
    hook.after_step(*run.context, batch);
    expect_step(run.propensity(), expected);
  }
}

// ---------------------------------------------------------------- short runs

namespace {

// tests/test_methods.cpp's synthetic base (5 epochs) with the composition on top.
const std::string kSyntheticBase = pulab::test::synthetic_methods_base("lbe_test");

std::string lbe_experiment() {
  const fs::path base = pulab::test::temp_dir("lbe_base") / "base.toml";
  std::ofstream(base) << kSyntheticBase;
  const fs::path method = fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "lbe.toml";
  return "base = [\"" + base.string() + "\", \"" + method.string() + "\"]\n";
}

}  // namespace

TEST(MethodLbe, CompositionLearnsSyntheticDataAndIgnoresThePrior) {
  const json r = pulab::test::train_text(lbe_experiment());
  const double accuracy = r["last"]["test"]["accuracy"].get<double>();
  std::printf("[ lbe      ] synthetic: test accuracy after the warm-up %.4f, last %.4f\n",
              r["epochs"][0]["test"]["accuracy"].get<double>(), accuracy);
  // Chance is about 0.5; a PN classifier gets ~1.0, nnPU ~0.97 in these 5 epochs.
  EXPECT_GE(accuracy, 0.9);
  // LBE never reads the class prior: a wrong one changes nothing.
  const json wrong = pulab::test::train_text(lbe_experiment(), {"split.prior=0.2"});
  EXPECT_EQ(wrong["epochs"][0]["prior"].get<double>(), 0.2);
  for (std::size_t e = 0; e < r["epochs"].size(); ++e) {
    EXPECT_EQ(r["epochs"][e]["train_risk"].get<double>(), wrong["epochs"][e]["train_risk"].get<double>()) << e;
    EXPECT_EQ(r["epochs"][e]["test"]["accuracy"].get<double>(), wrong["epochs"][e]["test"]["accuracy"].get<double>());
  }
}

TEST(MethodLbe, ARunResumesBitIdenticallyWithItsPropensityModel) {
  // Stopped inside EM, after epoch 2 of 4.
  pulab::test::expect_resume_bit_identical(lbe_experiment() + "[train]\nepochs = 4\n", 2, "lbe");
}
