// Tests of PUL-CPBF (plugins/pul_cpbf): the asymmetric risk and its boundary, the stage-2
// self-training risk on hand-computed tensors, the parameter checks and the missing prior, the
// fence (training in stage 1 only, locating posteriors, stochastic labels) on a tiny case, and
// short synthetic runs (learning, resuming bit-identically).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <vector>

#include <torch/torch.h>

#include "engine/engine_context.hpp"
#include "engine/results.hpp"
#include "engine/trainer.hpp"
#include "pulab/model.hpp"
#include "pulab/risk_estimator.hpp"
#include "pulab/sample_state.hpp"
#include "pulab/training_hook.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using pulab::ParamValue;

namespace {

double sig(double z) { return 1 / (1 + std::exp(-z)); }
double softplus(double x) { return std::log1p(std::exp(x)); }

// A run of the linear model on 1-D inputs, with the risk's table given as text; train.epochs = 7,
// so stage 1 is round(0.2857 * 7) = 2 epochs.
std::string unit_experiment(const std::string& risk_keys = "") {
  return "name = \"cpbf_unit\"\n[dataset]\nname = \"synthetic\"\n[model]\nname = \"linear\"\n"
         "[risk]\nname = \"pul_cpbf\"\n" + risk_keys + "[train]\nepochs = 7\n";
}

// The risk built from an experiment's [risk] table, and an engine context over tiny 1-D data:
// P = {0.9, 0.8}, U = {0.05, 0.35, 0.95, 0.55} (sample ids 0-1 and 2-5).
struct Fixture {
  pulab::RunSpec spec;
  std::shared_ptr<pulab::RiskEstimator> risk;
  pulab::TrainingHook* hook = nullptr;
  std::shared_ptr<pulab::ScoreModel> model;
  pulab::TrainingData data;
  pulab::SampleState state{2, 4, 0.4, torch::kCPU};
  std::unique_ptr<pulab::EngineContext> context;

  explicit Fixture(const std::string& risk_keys = "") : spec(pulab::test::resolve_text(unit_experiment(risk_keys)).front()) {
    const auto& registries = pulab::test::builtin_host().registries();
    pulab::BuildContext build;
    build.input_shape = {1};
    risk = registries.risks.find("pul_cpbf")->factory(spec.risk.params, build);
    hook = dynamic_cast<pulab::TrainingHook*>(risk.get());
    torch::manual_seed(3);
    model = registries.models.find("linear")->factory(spec.model.params, build);
    pulab::PUData pu;
    pu.x_p = torch::tensor({0.9f, 0.8f}).view({2, 1});
    pu.x_u = torch::tensor({0.05f, 0.35f, 0.95f, 0.55f}).view({4, 1});
    pu.u_positive = torch::zeros({4}, torch::kBool);
    pu.x_val = pu.x_test = torch::zeros({2, 1});
    pu.y_val = pu.val_labeled = pu.y_test = torch::zeros({2}, torch::kBool);
    data = pulab::to_device(pu, torch::kCPU, false);
    context = std::make_unique<pulab::EngineContext>(pulab::EngineContext::Setup{
        &spec, &registries, build, model.get(), &data, &state, 0.4, false, false});
  }
  // The fence's models, in the order of their boundaries.
  std::vector<std::shared_ptr<pulab::ScoreModel>> fence() const {
    std::vector<std::shared_ptr<pulab::ScoreModel>> out;
    for (const auto& m : context->extra_models()) out.push_back(m.model);
    return out;
  }
  // Sets fence model k to g_k(x) = x - b_k.
  void set_linear(std::size_t k, double b) {
    torch::NoGradGuard no_grad;
    auto params = fence()[k]->named_parameters();
    params["fc.weight"].fill_(1.0);
    params["fc.bias"].fill_(-b);
  }
};

struct Call {
  pulab::Scores scores;
  pulab::Batch batch;
  torch::Tensor weights;
  Call(const std::vector<double>& gp, const std::vector<double>& gu, const pulab::SampleState* state,
       std::int64_t epoch) {
    scores.p = torch::tensor(gp, torch::kDouble).requires_grad_(true);
    scores.u = torch::tensor(gu, torch::kDouble).requires_grad_(true);
    batch.state = state;
    batch.ids_p = torch::arange(std::int64_t(gp.size()));
    batch.ids_u = torch::arange(std::int64_t(gp.size()), std::int64_t(gp.size() + gu.size()));
    batch.progress = {epoch * 10, 70, epoch};
  }
  pulab::RiskOutput run(pulab::RiskEstimator& risk, double prior) { return risk.compute({scores, weights, prior, batch}); }
};

}  // namespace

// ---------------------------------------------------------------- (a) the losses

TEST(MethodPulCpbf, StageOneIsTheAsymmetricRiskWithItsBoundaryAtAlpha) {
  Fixture f;
  ASSERT_NE(f.hook, nullptr);
  f.hook->on_run_start(*f.context);
  // The risk takes rho from the batch's sample state: 2 labeled of 5, rho = 0.4.
  pulab::SampleState state(2, 3, 0.4, torch::kCPU);
  Call c({1.0, -0.5}, {0.3, 2.0, -1.0}, &state, 0);
  // beta(1/2) = 0.5 * 0.4 / (0.4 * 0.6 + 0.5 * 0.4) = 0.454545...; logistic loss, literal weights:
  // (1 - beta) 0.4 mean(softplus(-1), softplus(0.5)) + beta 0.6 mean(softplus(0.3), softplus(2), softplus(-1)) = 0.439941
  const double beta = 0.2 / 0.44;
  const double literal = (1 - beta) * 0.4 * (softplus(-1.0) + softplus(0.5)) / 2 +
                         beta * 0.6 * (softplus(0.3) + softplus(2.0) + softplus(-1.0)) / 3;
  Fixture raw("normalize = false\n");
  raw.hook->on_run_start(*raw.context);
  EXPECT_NEAR(c.run(*raw.risk, 0.4).objective.item<double>(), literal, 1e-12);
  EXPECT_NEAR(literal, 0.43994103173342897, 1e-12);
  // Normalized (the default): divided by (1 - beta) 0.4 + beta 0.6 = 0.490909.
  const auto out = c.run(*f.risk, 0.4);
  EXPECT_NEAR(out.objective.item<double>(), literal / ((1 - beta) * 0.4 + beta * 0.6), 1e-12);
  EXPECT_NEAR(out.objective.item<double>(), 0.43994103173342897 / 0.49090909090909091, 1e-12);
  EXPECT_NEAR(out.reported.item<double>(), out.objective.item<double>(), 1e-15);

  // The boundary: put all of P and all of U on one point x; then p_U = p_P there, so x's posterior
  // is eta = pi, and the minimiser g* satisfies sigmoid(g*) = (1 - beta) rho / ((1 - beta) rho +
  // beta (1 - rho)) = pi / (pi + alpha), i.e. g* = log(pi / alpha): positive iff eta = pi > alpha.
  for (double alpha : {0.3, 0.5, 0.7}) {
    Fixture a("alpha = " + std::to_string(alpha) + "\n");
    a.hook->on_run_start(*a.context);
    for (double pi : {0.2, 0.4, 0.6}) {
      const double g_star = std::log(pi / alpha);
      Call at({g_star, g_star}, {g_star, g_star, g_star}, &state, 0);
      at.run(*a.risk, pi).objective.backward();
      const double slope = at.scores.p.grad().sum().item<double>() + at.scores.u.grad().sum().item<double>();
      EXPECT_NEAR(slope, 0.0, 1e-12) << "alpha " << alpha << " pi " << pi;
      Call above({g_star + 0.1, g_star + 0.1}, {g_star + 0.1, g_star + 0.1, g_star + 0.1}, &state, 0);
      above.run(*a.risk, pi).objective.backward();
      EXPECT_GT(above.scores.p.grad().sum().item<double>() + above.scores.u.grad().sum().item<double>(), 0);
    }
  }
}

TEST(MethodPulCpbf, StageTwoSelfTrainsTowardsTheStochasticLabels) {
  Fixture f;
  f.hook->on_run_start(*f.context);
  pulab::SampleState state(2, 3, 0.4, torch::kCPU);
  state.pseudo_label[2] = 1.0f;  // the stochastic labels of U: 1, 0, 1
  state.pseudo_label[3] = 0.0f;
  state.pseudo_label[4] = 1.0f;
  Call c({1.0, -0.5}, {0.3, 2.0, -1.0}, &state, 2);  // epoch 2: stage 2
  // Targets 0.5 [g >= 0] + 0.5 y~ = 1, 0.5, 0.5; BCE(z, t) = t softplus(-z) + (1 - t) softplus(z):
  // mean(softplus(-1), softplus(0.5)) + 0.85 mean(BCE(0.3, 1), BCE(2, 0.5), BCE(-1, 0.5)) = 1.350457
  const auto out = c.run(*f.risk, 0.4);
  EXPECT_NEAR(out.objective.item<double>(), 1.3504570697075862, 1e-12);
  out.objective.backward();
  // The model's own prediction is a target, not a path: d/dg_u = 0.85 (sigmoid(g) - t) / 3.
  const double g[] = {0.3, 2.0, -1.0}, t[] = {1.0, 0.5, 0.5};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(c.scores.u.grad()[i].item<double>(), 0.85 * (sig(g[i]) - t[i]) / 3, 1e-12);
  // Stage 1 at epoch 1 is still the (normalized) asymmetric risk: the pseudo-labels are unused.
  Call one({1.0, -0.5}, {0.3, 2.0, -1.0}, &state, 1);
  EXPECT_NEAR(one.run(*f.risk, 0.4).objective.item<double>(), 0.43994103173342897 / 0.49090909090909091, 1e-12);
}

// ---------------------------------------------------------------- (b) parameters and the prior

TEST(MethodPulCpbf, BadParametersNameTheirKey) {
  const std::vector<std::pair<std::string, std::string>> bad{
      {"fence = [0.3, 0.2]\n", "fence"}, {"fence = [0.1, 1.0]\n", "fence"},  {"fence = []\n", "fence"},
      {"alpha = 0.0\n", "alpha"},        {"lambda = 1.5\n", "lambda"},       {"lambda_u = -1.0\n", "lambda_u"},
      {"label = \"soft\"\n", "label"},   {"fence_fraction = 2.0\n", "fence_fraction"}};
  EXPECT_NO_THROW(Fixture());
  for (const auto& [keys, key] : bad) {
    const std::string message = pulab::test::error_message([&] { Fixture f(keys); });
    EXPECT_NE(message.find(key), std::string::npos) << keys << message;
  }
}

TEST(MethodPulCpbf, WithoutAClassPriorTheErrorNamesSplitPrior) {
  Fixture f;
  pulab::SampleState state(2, 3, 0.4, torch::kCPU);
  for (double prior : {0.0, 1.0, std::nan("")}) {
    const std::string message = pulab::test::error_message([&] { Call({1.0}, {0.5}, &state, 0).run(*f.risk, prior); });
    EXPECT_NE(message.find("split.prior"), std::string::npos) << prior << ": " << message;
  }
}

// ---------------------------------------------------------------- (c) the fence on a tiny case

TEST(MethodPulCpbf, TheFenceTrainsInStageOneOnly) {
  Fixture f;
  f.hook->on_run_start(*f.context);
  ASSERT_EQ(f.fence().size(), 9u);  // one extra model per boundary, created through the engine
  EXPECT_EQ(f.context->extra_optimizers().size(), 9u);
  pulab::Batch batch;
  batch.x_p = f.data.x_train.slice(0, 0, 2);
  batch.x_u = f.data.x_train.slice(0, 2);
  auto weights = [&] {
    std::vector<torch::Tensor> w;
    for (const auto& m : f.fence()) w.push_back(m->named_parameters()["fc.bias"].detach().clone());
    return w;
  };
  const auto before = weights();
  f.context->set_progress({15, 70, 1});  // stage 1
  f.hook->after_step(*f.context, batch);
  const auto after = weights();
  for (std::size_t k = 0; k < 9; ++k) EXPECT_FALSE(torch::equal(before[k], after[k])) << k;
  f.context->set_progress({25, 70, 2});  // stage 2
  f.hook->after_step(*f.context, batch);
  const auto later = weights();
  for (std::size_t k = 0; k < 9; ++k) EXPECT_TRUE(torch::equal(after[k], later[k])) << k;
}

TEST(MethodPulCpbf, TheFenceLocatesPosteriorsAndDrawsLabels) {
  // Threshold labels: fence model k is g_k(x) = x - alpha_k, so x plays the posterior. U = 0.05,
  // 0.35, 0.95, 0.55 lie in [0, 0.1], [0.3, 0.4], [0.9, 1], [0.5, 0.6]: labels 0, 0, 1, 1.
  Fixture f("label = \"threshold\"\n");
  f.hook->on_run_start(*f.context);
  for (std::size_t k = 0; k < 9; ++k) f.set_linear(k, 0.1 * double(k + 1));
  f.context->set_progress({5, 70, 0});
  f.hook->on_epoch_end(*f.context);  // epoch 0 is not the last of stage 1: nothing happens
  EXPECT_TRUE(torch::equal(f.state.pseudo_label.slice(0, 2), torch::full({4}, 0.4f)));
  f.context->set_progress({15, 70, 1});
  f.hook->on_epoch_end(*f.context);
  EXPECT_TRUE(torch::equal(f.state.pseudo_label.slice(0, 2), torch::tensor({0.0f, 0.0f, 1.0f, 1.0f})));
  EXPECT_TRUE(torch::equal(f.state.pseudo_label.slice(0, 0, 2), torch::ones({2})));  // P untouched

  // A fence member out of order (alpha 0.1 calls everything negative) is counted, not trusted: the
  // votes are 0, 2, 8, 4 -> [0, 0.1], [0.2, 0.3], [0.8, 0.9], [0.4, 0.5]: 0.55 now gets label 0.
  Fixture g("label = \"threshold\"\n");
  g.hook->on_run_start(*g.context);
  for (std::size_t k = 0; k < 9; ++k) g.set_linear(k, 0.1 * double(k + 1));
  g.set_linear(0, 5.0);
  g.context->set_progress({15, 70, 1});
  g.hook->on_epoch_end(*g.context);
  EXPECT_TRUE(torch::equal(g.state.pseudo_label.slice(0, 2), torch::tensor({0.0f, 0.0f, 1.0f, 0.0f})));

  // Bernoulli labels: eta~ ~ U(lo, hi), y~ ~ Bernoulli(eta~), both from the global generator.
  Fixture b;
  b.hook->on_run_start(*b.context);
  for (std::size_t k = 0; k < 9; ++k) b.set_linear(k, 0.1 * double(k + 1));
  b.context->set_progress({15, 70, 1});
  torch::manual_seed(5);
  b.hook->on_epoch_end(*b.context);
  torch::manual_seed(5);
  const auto lo = torch::tensor({0.0, 0.3, 0.9, 0.5}, torch::kDouble), hi = torch::tensor({0.1, 0.4, 1.0, 0.6}, torch::kDouble);
  const auto eta = lo + (hi - lo) * torch::rand({4}, torch::kDouble);
  const auto expected = (torch::rand({4}, torch::kDouble) < eta).to(torch::kFloat);
  EXPECT_TRUE(torch::equal(b.state.pseudo_label.slice(0, 2), expected));
  // Over many draws a sample in [0.5, 0.6] is positive 55% of the time.
  torch::manual_seed(6);
  double positives = 0;
  for (int i = 0; i < 400; ++i) {
    b.hook->on_epoch_end(*b.context);
    positives += b.state.pseudo_label[5].item<double>();
  }
  EXPECT_NEAR(positives / 400, 0.55, 0.08);
}

// ---------------------------------------------------------------- (d) short synthetic runs

namespace {

const std::string kSyntheticBase = pulab::test::synthetic_methods_base("pul_cpbf_test", 7);

std::string cpbf_experiment() {
  const fs::path base = pulab::test::temp_dir("pul_cpbf") / "base.toml";
  std::ofstream(base) << kSyntheticBase;
  const fs::path method = fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "pul_cpbf.toml";
  return "base = [\"" + base.string() + "\", \"" + method.string() + "\"]\n";
}

}  // namespace

TEST(MethodPulCpbf, LearnsSyntheticDataAndResumesBitIdentically) {
  // 7 epochs: the fence in epochs 1-2, self-training in 3-7. Stopped after epoch 1 (inside stage 1:
  // the fence's models and optimizers must come back) and resumed by a fresh call.
  pulab::TrainOptions options;
  options.quiet = true;
  options.threads = 1;
  auto whole_specs = pulab::test::resolve_text(cpbf_experiment(), {"output_dir=" + pulab::test::temp_dir("cpbf_whole").string()});
  ASSERT_EQ(pulab::train_run(whole_specs.front(), pulab::test::builtin_host(), options), pulab::RunStatus::Finished);
  const auto whole = pulab::test::read_json(pulab::result_path(whole_specs.front()));
  ASSERT_EQ(whole["epochs"].size(), 7u);
  std::printf("[ pul_cpbf ] synthetic: test accuracy after stage 1 %.4f, at the end %.4f\n",
              whole["epochs"][1]["test"]["accuracy"].get<double>(), whole["last"]["test"]["accuracy"].get<double>());
  EXPECT_GE(whole["last"]["test"]["accuracy"].get<double>(), 0.9);
  EXPECT_TRUE(whole["epochs"][0]["val_pu"]["risk"].is_null());  // the risk reads state: no validation PU risk

  auto specs = pulab::test::resolve_text(cpbf_experiment(), {"output_dir=" + pulab::test::temp_dir("cpbf_resume").string()});
  options.max_epochs_this_call = 1;
  ASSERT_EQ(pulab::train_run(specs.front(), pulab::test::builtin_host(), options), pulab::RunStatus::Interrupted);
  options.max_epochs_this_call = -1;
  ASSERT_EQ(pulab::train_run(specs.front(), pulab::test::builtin_host(), options), pulab::RunStatus::Finished);
  const auto resumed = pulab::test::read_json(pulab::result_path(specs.front()));
  EXPECT_EQ(resumed["resumed_from_epoch"], 1);
  ASSERT_EQ(resumed["epochs"].size(), 7u);
  for (std::size_t e = 0; e < 7; ++e) {
    EXPECT_EQ(whole["epochs"][e]["train_objective"].get<double>(), resumed["epochs"][e]["train_objective"].get<double>()) << e;
    EXPECT_EQ(whole["epochs"][e]["test"]["accuracy"].get<double>(), resumed["epochs"][e]["test"]["accuracy"].get<double>()) << e;
  }
}
