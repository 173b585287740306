// Dist-PU (plugins/dist_pu): the label-distribution risk on hand-computed tensors (value, weights,
// gradient, the sign of |mean_U f - pi|), the missing-prior and schema errors, the two-stage
// schedule (stage switch, entropy ramp), the pseudo-labels written at the switch and after each
// step, the mixup-stage penalty against the same draws recomputed here, a short synthetic run and
// its resume from checkpoints at and after the stage switch.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine/results.hpp"
#include "engine/trainer.hpp"
#include "pulab/error.hpp"
#include "pulab/model.hpp"
#include "pulab/regularizer.hpp"
#include "pulab/risk_estimator.hpp"
#include "pulab/sample_state.hpp"
#include "pulab/training_hook.hpp"
#include "context_double.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using pulab::ParamValue;

namespace {

torch::Tensor doubles(std::vector<double> v) { return torch::tensor(v, torch::kDouble); }
double sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double entropy(double g) { return -(sig(g) * std::log(sig(g)) + (1 - sig(g)) * std::log(1 - sig(g))); }

// g(x) = x . w, w = (0.5, -1): a model whose scores the tests know.
class Linear final : public pulab::ScoreModel {
 public:
  torch::Tensor forward(const torch::Tensor& x) override {
    ++calls;
    return torch::matmul(x, torch::tensor({0.5f, -1.0f}));
  }
  int calls = 0;
};

// The parts of a run a hook sees: training inputs by sample id, the state, the progress.
class FakeContext final : public pulab::test::ContextDouble {
 public:
  FakeContext(torch::Tensor inputs, std::int64_t n_labeled, std::int64_t epochs, double prior)
      : ContextDouble(n_labeled, inputs.size(0) - n_labeled, prior, epochs) {
    x = std::move(inputs);
    run_model = std::make_shared<Linear>();
  }
  std::shared_ptr<pulab::ScoreModel> create_model(const std::string&) override { return nullptr; }
  std::shared_ptr<torch::optim::Optimizer> create_optimizer(const std::string&, pulab::ScoreModel&) override {
    return nullptr;
  }
  void at_epoch(std::int64_t epoch) { now = {0, 1, epoch}; }
};

// Training data of the hook tests: one labeled positive (id 0) and two unlabeled samples (ids 1, 2).
torch::Tensor tiny_x() { return torch::tensor({1.0f, 0.0f, 0.0f, 2.0f, 3.0f, 1.0f}).view({3, 2}); }

pulab::Batch tiny_batch(const pulab::SampleState& state, std::int64_t epoch) {
  pulab::Batch b;
  const auto x = tiny_x();
  b.x_p = x.slice(0, 0, 1);
  b.x_u = x.slice(0, 1, 3);
  b.ids_p = torch::tensor({0}, torch::kLong);
  b.ids_u = torch::tensor({1, 2}, torch::kLong);
  b.state = &state;
  b.prior = 0.4;
  b.progress = {0, 1, epoch};
  return b;
}

// The synthetic data set of tests/test_methods.cpp, without a risk; written once to a temp file.
const std::string kBase = pulab::test::synthetic_methods_base("dist_pu_test", 5, false);

const fs::path& base_file() {
  static const fs::path file = [] {
    const fs::path f = pulab::test::temp_dir("dist_pu") / "base.toml";
    std::ofstream(f) << kBase;
    return f;
  }();
  return file;
}
std::string base_line() { return "base = \"" + base_file().string() + "\"\n"; }

std::shared_ptr<pulab::TrainingHook> as_hook(const std::shared_ptr<pulab::Regularizer>& r) {
  auto hook = std::dynamic_pointer_cast<pulab::TrainingHook>(r);
  if (!hook) throw std::runtime_error("regularizer 'dist_pu' is not a hook");
  return hook;
}

}  // namespace

// ---------------------------------------------------------------- the risk

TEST(MethodDistPu, RiskOnHandComputedTensors) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("dist_pu");
  pulab::Batch batch;
  const torch::Tensor none;
  // g_p = (0.5, -1), g_u = (2, -0.3, 0.1), pi = 0.4:
  //   mean_P (1 - f) = (0.377540669 + 0.731058579) / 2 = 0.5542996237140752
  //   mean_U f = (0.880797078 + 0.425557483 + 0.524979187) / 3 = 0.6104445828817211
  //   |0.61044458 - 0.4| / 0.8 = 0.2630557286021513;   R = 0.8173553523162265
  pulab::Scores s{doubles({0.5, -1.0}).requires_grad_(true), doubles({2.0, -0.3, 0.1}).requires_grad_(true)};
  auto out = risk->compute({s, none, 0.4, batch});
  EXPECT_NEAR(out.objective.item<double>(), 0.8173553523162265, 1e-12);
  EXPECT_NEAR(out.reported.item<double>(), 0.8173553523162265, 1e-12);
  // Gradients: dR/dg_p = -f'(g)/2; dR/dg_u = +f'(g)/(3 * 2 pi) since mean_U f > pi.
  out.objective.backward();
  const std::vector<double> gp{-0.11750185610079725, -0.09830596662074093};
  const std::vector<double> gu{0.043747327251461084, 0.10185762987114409, 0.10390668341370497};
  for (int i = 0; i < 2; ++i) EXPECT_NEAR(s.p.grad()[i].item<double>(), gp[i], 1e-12);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(s.u.grad()[i].item<double>(), gu[i], 1e-12);

  // pi = 0.7 > mean_U f: |0.61044458 - 0.7| / 1.4 = 0.06396815508; R = 0.6182677787985601, and the
  // gradient on g_u changes sign (raise f on U towards pi).
  pulab::Scores t{doubles({0.5, -1.0}), doubles({2.0, -0.3, 0.1}).requires_grad_(true)};
  auto high = risk->compute({t, none, 0.7, batch});
  EXPECT_NEAR(high.objective.item<double>(), 0.6182677787985601, 1e-12);
  high.objective.backward();
  EXPECT_LT(t.u.grad()[0].item<double>(), 0);

  // Positive weights (2, 0.5) multiply the terms 1 - f(x_p):
  //   (2 * 0.377540669 + 0.5 * 0.731058579) / 2 + 0.2630557286 = 0.8233610420577979
  const auto weights = doubles({2.0, 0.5});
  EXPECT_NEAR(risk->compute({s, weights, 0.4, batch}).objective.item<double>(), 0.8233610420577979, 1e-12);

  // Scores far out stay finite and reach the bounds: f(x_p) -> 1, mean_U f -> 0.5 = pi.
  pulab::Scores far{doubles({1000.0}), doubles({1000.0, -1000.0})};
  EXPECT_NEAR(risk->compute({far, none, 0.5, batch}).objective.item<double>(), 0.0, 1e-12);
}

TEST(MethodDistPu, RiskWithoutAPriorNamesSplitPrior) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("dist_pu");
  pulab::Batch batch;
  const torch::Tensor none;
  pulab::Scores s{doubles({0.5}), doubles({0.1})};
  for (double prior : {0.0, 1.0, -1.0, std::nan("")}) {
    const auto msg = pulab::test::error_message([&] { risk->compute({s, none, prior, batch}); });
    EXPECT_NE(msg.find("risk 'dist_pu' needs the class prior"), std::string::npos) << msg;
    EXPECT_NE(msg.find("split.prior"), std::string::npos) << msg;
  }
}

// ---------------------------------------------------------------- schema

TEST(MethodDistPu, SchemaRangesAreCheckedAndNameTheKey) {
  const std::string base = base_line() + "[risk]\nname = \"dist_pu\"\n[regularizer.dist_pu]\n";
  EXPECT_NO_THROW(pulab::test::resolve_text(base));
  for (const auto& [line, key] : std::vector<std::pair<std::string, std::string>>{
           {"warmup_fraction = 1.5", "warmup_fraction"},
           {"warmup_fraction = -0.1", "warmup_fraction"},
           {"entropy_weight = -1.0", "entropy_weight"},
           {"mixup_stage_entropy_weight = -1.0", "mixup_stage_entropy_weight"},
           {"mixup_weight = -5.0", "mixup_weight"},
           {"mixup_entropy_weight = -0.04", "mixup_entropy_weight"},
           {"mixup_alpha = 0.0", "mixup_alpha"},
           {"mixup_alfa = 6.0", "mixup_alfa"},
           {"mixup_stage_lr_scale = 0.0", "mixup_stage_lr_scale"},
           {"mixup_stage_final_lr_factor = -0.7", "mixup_stage_final_lr_factor"},
           {"mixup_stage_weight_decay_scale = -0.2", "mixup_stage_weight_decay_scale"},
           {"fresh_optimizer = 1", "fresh_optimizer"}}) {
    const auto msg = pulab::test::error_message([&] { pulab::test::resolve_text(base + line + "\n"); });
    EXPECT_NE(msg.find(key), std::string::npos) << line << ": " << msg;
  }
  // The risk takes no keys.
  const auto msg = pulab::test::error_message(
      [&] { pulab::test::resolve_text(base_line() + "[risk]\nname = \"dist_pu\"\nloss = \"abs\"\n"); });
  EXPECT_NE(msg.find("loss"), std::string::npos) << msg;
}

// ---------------------------------------------------------------- stages, pseudo-labels, penalty

TEST(MethodDistPu, StageSwitchAndEntropyRamp) {
  auto reg = pulab::test::make_component<pulab::Regularizer>("dist_pu");
  auto hook = as_hook(reg);
  EXPECT_EQ(reg->state_use().reads, std::vector<std::string>{"pseudo_label"});
  EXPECT_EQ(reg->state_use().writes, std::vector<std::string>{"pseudo_label"});
  EXPECT_FALSE(reg->state_use().writes_prior);

  FakeContext context(tiny_x(), 1, 5, 0.4);
  hook->on_run_start(context);
  const auto state_of = [&] { return context.state().pseudo_label.clone(); };
  // Warm-up: epochs 0 and 1 (floor(0.5 * 5) = 2). The penalty is mu H(g_u), no mixup forward pass.
  // g_u = x_u . w = (-2, 0.5).
  const auto before = state_of();
  const double h_u = (entropy(-2.0) + entropy(0.5)) / 2;
  for (std::int64_t epoch : {0, 1}) {
    context.at_epoch(epoch);
    hook->on_epoch_start(context);
    EXPECT_TRUE(torch::equal(state_of(), before)) << "no pseudo-labels before the mixup stage";
    const auto batch = tiny_batch(context.state(), epoch);
    Linear model;
    const pulab::Scores scores{model.forward(batch.x_p), model.forward(batch.x_u)};
    model.calls = 0;
    const auto pen = reg->penalty(model, batch, scores, batch.progress);
    EXPECT_NEAR(pen.item<double>(), 2e-3 * h_u, 1e-8);
    EXPECT_EQ(model.calls, 0);
    hook->after_step(context, batch);
    EXPECT_TRUE(torch::equal(state_of(), before)) << "no refresh in the warm-up stage";
  }
  // Epoch 2 starts the mixup stage: U's pseudo-labels become f(g) of the model, P keeps 1.
  context.at_epoch(2);
  hook->on_epoch_start(context);
  const auto labels = state_of();
  EXPECT_FLOAT_EQ(labels[0].item<float>(), 1.0f);
  EXPECT_NEAR(labels[1].item<double>(), sig(-2.0), 1e-6);
  EXPECT_NEAR(labels[2].item<double>(), sig(0.5), 1e-6);
  // Later epoch starts leave them alone.
  context.state().pseudo_label.index_put_({torch::tensor({1}, torch::kLong)}, 0.25f);
  context.at_epoch(3);
  hook->on_epoch_start(context);
  EXPECT_FLOAT_EQ(context.state().pseudo_label[1].item<float>(), 0.25f);

  // The entropy weight on U: 2e-3 in the warm-up, 4e-3 (1 - cos(pi/2 (e - 2) / 3)) after.
  auto entropy_only = pulab::test::make_component<pulab::Regularizer>("dist_pu", {{"mixup_weight", 0.0}, {"mixup_entropy_weight", 0.0}});
  auto entropy_hook = as_hook(entropy_only);
  FakeContext c2(tiny_x(), 1, 5, 0.4);
  entropy_hook->on_run_start(c2);
  const std::vector<double> weight{2e-3, 2e-3, 0.0, 4e-3 * (1 - std::cos(M_PI / 6)), 4e-3 * (1 - std::cos(M_PI / 3))};
  for (std::int64_t epoch = 0; epoch < 5; ++epoch) {
    const auto batch = tiny_batch(c2.state(), epoch);
    Linear model;
    const pulab::Scores scores{model.forward(batch.x_p), model.forward(batch.x_u)};
    const auto pen = entropy_only->penalty(model, batch, scores, batch.progress);
    const double value = pen.defined() ? pen.item<double>() : 0.0;
    EXPECT_NEAR(value, weight[epoch] * h_u, 1e-9) << "epoch " << epoch;
    EXPECT_EQ(model.calls, 2) << "no mixup forward pass when its weights are 0";
    entropy_hook->after_step(c2, batch);
  }

  // warmup_fraction = 1: the whole run is warm-up; 0: mixup from the first epoch.
  auto all_warmup = as_hook(pulab::test::make_component<pulab::Regularizer>("dist_pu", {{"warmup_fraction", 1.0}}));
  FakeContext c3(tiny_x(), 1, 5, 0.4);
  all_warmup->on_run_start(c3);
  const auto untouched = c3.state().pseudo_label.clone();
  for (std::int64_t epoch = 0; epoch < 5; ++epoch) {
    c3.at_epoch(epoch);
    all_warmup->on_epoch_start(c3);
  }
  EXPECT_TRUE(torch::equal(c3.state().pseudo_label, untouched));
  auto no_warmup = as_hook(pulab::test::make_component<pulab::Regularizer>("dist_pu", {{"warmup_fraction", 0.0}}));
  FakeContext c4(tiny_x(), 1, 5, 0.4);
  no_warmup->on_run_start(c4);
  c4.at_epoch(0);
  no_warmup->on_epoch_start(c4);
  EXPECT_NEAR(c4.state().pseudo_label[1].item<double>(), sig(-2.0), 1e-6);
}

TEST(MethodDistPu, MixupStageStartsANewAdamAtTheAuthorsRatios) {
  auto hook = as_hook(pulab::test::make_component<pulab::Regularizer>("dist_pu"));
  FakeContext context(tiny_x(), 1, 5, 0.4);  // mixup stage from epoch 2 of 5
  hook->on_run_start(context);
  for (std::int64_t epoch = 0; epoch < 5; ++epoch) {
    context.at_epoch(epoch);
    hook->on_epoch_start(context);
  }
  // Once, at the switch: the authors' 5e-5 after 5e-4, cosine to 0.7 of it, weight decay 1e-3 after 5e-3.
  ASSERT_EQ(context.optimizer_stages.size(), 1u);
  EXPECT_EQ(context.optimizer_stages[0].epoch, 2);
  EXPECT_DOUBLE_EQ(context.optimizer_stages[0].stage.learning_rate_scale, 0.1);
  EXPECT_TRUE(context.optimizer_stages[0].stage.own_schedule);
  EXPECT_DOUBLE_EQ(context.optimizer_stages[0].stage.final_lr_factor, 0.7);
  EXPECT_DOUBLE_EQ(context.optimizer_stages[0].stage.weight_decay_scale, 0.2);

  // fresh_optimizer = false (both scales 1): one Adam for the whole run, pulab 0.3's behaviour.
  auto one_adam = as_hook(pulab::test::make_component<pulab::Regularizer>(
      "dist_pu", {{"fresh_optimizer", false},
                  {"mixup_stage_lr_scale", 1.0},
                  {"mixup_stage_final_lr_factor", 1.0},
                  {"mixup_stage_weight_decay_scale", 1.0}}));
  FakeContext c2(tiny_x(), 1, 5, 0.4);
  one_adam->on_run_start(c2);
  for (std::int64_t epoch = 0; epoch < 5; ++epoch) {
    c2.at_epoch(epoch);
    one_adam->on_epoch_start(c2);
  }
  EXPECT_EQ(c2.optimizer_resets, 0);
  // Scales without the new Adam they are for: an error naming them.
  const auto msg = pulab::test::error_message(
      [] { pulab::test::make_component<pulab::Regularizer>("dist_pu", {{"fresh_optimizer", false}}); });
  EXPECT_NE(msg.find("mixup_stage_lr_scale"), std::string::npos) << msg;
}

TEST(MethodDistPu, TheMixupStageTrainsOnTheAuthorsOwnSchedule) {
  const fs::path method = fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "dist_pu.toml";
  const std::string text = "base = [\"" + base_file().string() + "\", \"" + method.string() + "\"]\n";
  const auto staged = pulab::test::train_text(text);
  const auto one_adam = pulab::test::train_text(
      text + "[regularizer.dist_pu]\nfresh_optimizer = false\nmixup_stage_lr_scale = 1.0\n"
             "mixup_stage_final_lr_factor = 1.0\nmixup_stage_weight_decay_scale = 1.0\n");
  const double lr = staged["config"]["train"]["lr"].get<double>();
  // The warm-up (epochs 1-2) is the same run; from epoch 3 the stage's cosine from 0.1 lr falls to
  // 0.07 lr at the last step (the epoch's lr is that of its last step).
  for (std::size_t e = 0; e < 2; ++e) {
    EXPECT_EQ(staged["epochs"][e]["lr"], one_adam["epochs"][e]["lr"]) << "epoch " << e + 1;
  }
  EXPECT_EQ(staged["epochs"][1]["train_objective"], one_adam["epochs"][1]["train_objective"]);
  for (std::size_t e = 2; e < 5; ++e) {
    const double stage_lr = staged["epochs"][e]["lr"].get<double>();
    EXPECT_LE(stage_lr, 0.1 * lr * (1 + 1e-12)) << "epoch " << e + 1;
    EXPECT_GE(stage_lr, 0.07 * lr * (1 - 1e-12)) << "epoch " << e + 1;
    if (e > 2) EXPECT_LT(stage_lr, staged["epochs"][e - 1]["lr"].get<double>()) << "epoch " << e + 1;
  }
  EXPECT_DOUBLE_EQ(staged["epochs"][4]["lr"].get<double>(), 0.07 * lr);
  EXPECT_NE(staged["epochs"][4]["train_objective"], one_adam["epochs"][4]["train_objective"]);
}

TEST(MethodDistPu, ResultsFromBeforeTheStageOptimizerAreTheRunsWithOneAdam) {
  const std::string text = base_line() + "[risk]\nname = \"dist_pu\"\n[regularizer.dist_pu]\n";
  const auto one_adam = pulab::test::resolve_text(
      text + "fresh_optimizer = false\nmixup_stage_lr_scale = 1.0\nmixup_stage_final_lr_factor = 1.0\n"
             "mixup_stage_weight_decay_scale = 1.0\n").front();
  const auto staged = pulab::test::resolve_text(text).front();
  const std::string legacy = pulab::config_fingerprint(one_adam);
  EXPECT_EQ(legacy.find("fresh_optimizer"), std::string::npos) << legacy;
  EXPECT_EQ(legacy.find("mixup_stage_lr_scale"), std::string::npos) << legacy;
  EXPECT_EQ(legacy.find("mixup_stage_final_lr_factor"), std::string::npos) << legacy;
  EXPECT_NE(pulab::config_fingerprint(staged).find("\"fresh_optimizer\":true"), std::string::npos);
}

TEST(MethodDistPu, MixupStagePenaltyAndPseudoLabelRefresh) {
  auto reg = pulab::test::make_component<pulab::Regularizer>("dist_pu");
  auto hook = as_hook(reg);
  FakeContext context(tiny_x(), 1, 4, 0.4);  // mixup stage from epoch 2 of 4
  hook->on_run_start(context);
  context.at_epoch(2);
  hook->on_epoch_start(context);
  // Pseudo-labels of U set by hand: (0.2, 0.8).
  context.state().pseudo_label.index_put_({torch::tensor({1, 2}, torch::kLong)}, torch::tensor({0.2f, 0.8f}));
  const auto batch = tiny_batch(context.state(), 3);  // epoch 3: entropy on U at 4e-3 (1 - cos(pi/4))
  Linear model;
  const pulab::Scores scores{model.forward(batch.x_p), model.forward(batch.x_u)};

  torch::manual_seed(11);
  const auto pen = reg->penalty(model, batch, scores, batch.progress);
  EXPECT_EQ(model.calls, 3) << "one forward pass on the mixed batch";

  // The same draws: lambda ~ Beta(6, 6) from two Gamma(6) draws, then a permutation of the 3 rows.
  torch::manual_seed(11);
  const auto gam = torch::_standard_gamma(torch::full({2}, 6.0, torch::kDouble));
  const double lambda = gam[0].item<double>() / (gam[0].item<double>() + gam[1].item<double>());
  const auto perm = torch::randperm(3, torch::kLong);
  const auto x = tiny_x();
  const std::vector<double> y{1.0, 0.2, 0.8};
  const std::vector<double> w{0.5, -1.0};
  double bce = 0, h_mix = 0;
  for (int i = 0; i < 3; ++i) {
    const int j = static_cast<int>(perm[i].item<std::int64_t>());
    double g = 0;
    for (int k = 0; k < 2; ++k) g += w[k] * (lambda * x[i][k].item<double>() + (1 - lambda) * x[j][k].item<double>());
    const double t = lambda * y[i] + (1 - lambda) * y[j];
    bce += -(t * std::log(sig(g)) + (1 - t) * std::log(1 - sig(g))) / 3;
    h_mix += entropy(g) / 3;
  }
  const double h_u = (entropy(-2.0) + entropy(0.5)) / 2;
  const double expected = 4e-3 * (1 - std::cos(M_PI / 4)) * h_u + 5.0 * bce + 0.04 * h_mix;
  EXPECT_NEAR(pen.item<double>(), expected, 1e-5);
  EXPECT_GT(lambda, 0.0);
  EXPECT_LT(lambda, 1.0);

  // The penalty's gradient reaches the model through the mixed batch only (g_u carries none here).
  // After the step the batch's U samples get f(g_u) of that step: sigmoid(-2), sigmoid(0.5); P keeps 1.
  hook->after_step(context, batch);
  const auto labels = context.state().pseudo_label;
  EXPECT_FLOAT_EQ(labels[0].item<float>(), 1.0f);
  EXPECT_NEAR(labels[1].item<double>(), sig(-2.0), 1e-6);
  EXPECT_NEAR(labels[2].item<double>(), sig(0.5), 1e-6);
  // A second after_step without a step in between changes nothing.
  context.state().pseudo_label.index_put_({torch::tensor({1}, torch::kLong)}, 0.3f);
  hook->after_step(context, batch);
  EXPECT_FLOAT_EQ(context.state().pseudo_label[1].item<float>(), 0.3f);
}

// ---------------------------------------------------------------- training

TEST(MethodDistPu, LearnsSyntheticDataAndSwitchesStageMidRun) {
  const fs::path method = fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "dist_pu.toml";
  const auto result =
      pulab::test::train_text("base = [\"" + base_file().string() + "\", \"" + method.string() + "\"]\n");
  ASSERT_EQ(result["epochs"].size(), 5u);
  EXPECT_EQ(result["config"]["risk"]["name"], "dist_pu");
  EXPECT_GE(result["last"]["test"]["accuracy"].get<double>(), 0.9);
  // objective - risk is the penalty: at most mu log 2 in the warm-up (epochs 1-2), and the mixup
  // stage's BCE (at least the entropy of the soft mixed targets) from epoch 3 on.
  for (std::size_t e = 0; e < 5; ++e) {
    const auto& epoch = result["epochs"][e];
    const double penalty = epoch["train_objective"].get<double>() - epoch["train_risk"].get<double>();
    if (e < 2) {
      EXPECT_LE(penalty, 2e-3 * std::log(2.0) + 1e-6) << "epoch " << e + 1;
      EXPECT_GE(penalty, 0.0) << "epoch " << e + 1;
    } else {
      EXPECT_GT(penalty, 0.01) << "epoch " << e + 1;
    }
  }
}

TEST(MethodDistPu, ResumesBitIdenticallyAtAndAfterTheStageSwitch) {
  const fs::path method = fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "dist_pu.toml";
  const std::string text = "base = [\"" + base_file().string() + "\", \"" + method.string() + "\"]\n";
  pulab::TrainOptions options;
  options.quiet = true;
  options.threads = 1;
  auto run = [&](const fs::path& dir, std::int64_t max_epochs) {
    auto specs = pulab::test::resolve_text(text, {"output_dir=" + dir.string()});
    options.max_epochs_this_call = max_epochs;
    const auto status = pulab::train_run(specs.front(), pulab::test::builtin_host(), options);
    return std::pair{status, pulab::result_path(specs.front())};
  };
  const auto whole = pulab::test::read_json(run(pulab::test::temp_dir("dist_pu_whole"), -1).second);
  // Stopped after epoch 2 (the next epoch scores U for the pseudo-labels) and after epoch 3
  // (pseudo-labels refreshed by the steps, restored from the checkpoint's state).
  for (std::int64_t stop : {2, 3}) {
    const fs::path dir = pulab::test::temp_dir("dist_pu_resume");
    ASSERT_EQ(run(dir, stop).first, pulab::RunStatus::Interrupted);
    const auto [status, file] = run(dir, -1);
    ASSERT_EQ(status, pulab::RunStatus::Finished);
    const auto resumed = pulab::test::read_json(file);
    EXPECT_EQ(resumed["resumed_from_epoch"], stop);
    ASSERT_EQ(resumed["epochs"].size(), whole["epochs"].size());
    for (std::size_t e = 0; e < whole["epochs"].size(); ++e) {
      for (const char* key : {"train_risk", "train_objective"}) {
        EXPECT_EQ(whole["epochs"][e][key].get<double>(), resumed["epochs"][e][key].get<double>())
            << "stop " << stop << ", epoch " << e + 1 << ": " << key;
      }
      EXPECT_EQ(whole["epochs"][e]["test"]["accuracy"].get<double>(), resumed["epochs"][e]["test"]["accuracy"].get<double>())
          << "stop " << stop << ", epoch " << e + 1;
    }
  }
}
