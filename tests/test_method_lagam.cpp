// LaGAM (plugins/lagam): the class-balanced soft BCE risk, the PU meta objective and the mixup loss
// on hand-computed tensors; the schema and missing-prior errors; the meta-gradient of the one-step
// look-ahead against central finite differences (every parameter moved, and the output layer only);
// the meta labels, the EMA schedule and the targets the hook writes on a tiny case; short synthetic
// runs that learn (both look-ahead scopes) and the composition's resume.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/csrc/autograd/autograd.h>
#include <torch/torch.h>

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

// g(x) = x . (0.5, -1): a model whose scores the tests know.
class Linear final : public pulab::ScoreModel {
 public:
  torch::Tensor forward(const torch::Tensor& x) override { return torch::matmul(x, torch::tensor({0.5f, -1.0f})); }
};

// The parts of a run the hook sees: model, training and validation inputs, the state, the prior.
class FakeContext final : public pulab::test::ContextDouble {
 public:
  FakeContext(std::shared_ptr<pulab::ScoreModel> model, torch::Tensor inputs, std::int64_t n_labeled,
              torch::Tensor validation, torch::Tensor validation_labeled, double prior,
              std::function<std::shared_ptr<pulab::ScoreModel>()> make)
      : ContextDouble(n_labeled, inputs.size(0) - n_labeled, prior, 10), make_(std::move(make)) {
    run_model = std::move(model);
    x = std::move(inputs);
    x_val = std::move(validation);
    val_labeled = std::move(validation_labeled);
  }
  std::shared_ptr<pulab::ScoreModel> create_model(const std::string&) override { return make_(); }
  std::shared_ptr<torch::optim::Optimizer> create_optimizer(const std::string&, pulab::ScoreModel&) override {
    return nullptr;
  }

 private:
  std::function<std::shared_ptr<pulab::ScoreModel>()> make_;
};

std::shared_ptr<pulab::ScoreModel> mlp3(std::int64_t hidden) {
  auto m = pulab::test::make_component<pulab::ScoreModel>(
      "mlp", {{"hidden", ParamValue(std::vector<std::int64_t>{hidden})}}, {3});
  m->to(torch::kDouble);
  return m;
}

// The plugin's classes are not exported, so the tests reach the meta step through the registry
// and the public interfaces; the finite differences below rebuild L_meta(theta - eta grad L_train)
// from the two losses, written out again here.
torch::Tensor balanced_bce(const torch::Tensor& g, const torch::Tensor& t1, const torch::Tensor& t0) {
  return (t1 * torch::softplus(-g)).sum() / t1.sum() + (t0 * torch::softplus(g)).sum() / t0.sum();
}
torch::Tensor meta_objective(const torch::Tensor& gp, const torch::Tensor& gu, double prior) {
  return torch::softplus(-gp).mean() + (torch::softplus(gu).mean() - prior * torch::softplus(gp).mean()) / (1 - prior);
}

// L_meta(theta - eta grad_theta L_train(theta, eps)) with eps zero but for entry (i, c) = delta;
// `last_layer` moves only the output weight. Double precision throughout.
double lookahead_meta_loss(pulab::ScoreModel& model, pulab::ScoreModel& scratch, const torch::Tensor& x_p,
                           const torch::Tensor& x_u, const torch::Tensor& y_u, const torch::Tensor& xm_p,
                           const torch::Tensor& xm_u, double prior, double eta, bool last_layer, std::int64_t i,
                           int c, double delta) {
  auto eps = torch::zeros({x_u.size(0), 2}, torch::kDouble);
  eps.index_put_({i, c}, delta);
  const auto n_p = x_p.size(0);
  const auto g = model.forward(torch::cat({x_p, x_u})).reshape({-1});
  const auto t1 = torch::cat({torch::ones({n_p}, torch::kDouble), y_u + eps.select(1, 1)});
  const auto t0 = torch::cat({torch::zeros({n_p}, torch::kDouble), 1 - y_u + eps.select(1, 0)});
  const auto params = model.parameters();
  std::vector<torch::Tensor> moved;
  for (const auto& p : params) {
    if (last_layer) {
      if (p.dim() >= 2) moved.assign(1, p);
    } else {
      moved.push_back(p);
    }
  }
  const auto grads = torch::autograd::grad({balanced_bce(g, t1, t0)}, moved);
  const auto scratch_params = scratch.parameters();
  {
    torch::NoGradGuard no_grad;
    for (std::size_t k = 0; k < params.size(); ++k) scratch_params[k].copy_(params[k]);
    for (std::size_t k = 0; k < moved.size(); ++k) {
      for (std::size_t j = 0; j < params.size(); ++j) {
        if (params[j].is_same(moved[k])) scratch_params[j].sub_(eta * grads[k]);
      }
    }
    const auto gm = scratch.forward(torch::cat({xm_p, xm_u})).reshape({-1});
    return meta_objective(gm.slice(0, 0, xm_p.size(0)), gm.slice(0, xm_p.size(0)), prior).item<double>();
  }
}

// Central differences of the look-ahead meta loss: d[i][c] = d L_meta / d eps_i,c.
std::vector<std::array<double, 2>> finite_differences(pulab::ScoreModel& model, pulab::ScoreModel& scratch,
                                                      const torch::Tensor& x_p, const torch::Tensor& x_u,
                                                      const torch::Tensor& y_u, const torch::Tensor& xm_p,
                                                      const torch::Tensor& xm_u, double prior, double eta,
                                                      bool last_layer) {
  const double h = 1e-5;
  std::vector<std::array<double, 2>> d(x_u.size(0));
  for (std::int64_t i = 0; i < x_u.size(0); ++i) {
    for (int c = 0; c < 2; ++c) {
      const double up = lookahead_meta_loss(model, scratch, x_p, x_u, y_u, xm_p, xm_u, prior, eta, last_layer, i, c, h);
      const double down = lookahead_meta_loss(model, scratch, x_p, x_u, y_u, xm_p, xm_u, prior, eta, last_layer, i, c, -h);
      d[i][c] = (up - down) / (2 * h);
    }
  }
  return d;
}

std::shared_ptr<pulab::Regularizer> meta_hook(const std::map<std::string, ParamValue>& set = {}) {
  return pulab::test::make_component<pulab::Regularizer>("lagam_meta", set);
}

std::shared_ptr<pulab::TrainingHook> as_hook(const std::shared_ptr<pulab::Regularizer>& r) {
  auto hook = std::dynamic_pointer_cast<pulab::TrainingHook>(r);
  if (!hook) throw std::runtime_error("regularizer 'lagam_meta' is not a hook");
  return hook;
}

const fs::path& base_file() { return pulab::test::synthetic_base_file("lagam_test"); }
std::string composition(const std::string& extra = "") {
  const fs::path method = fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "lagam.toml";
  return "base = [\"" + base_file().string() + "\", \"" + method.string() + "\"]\n" + extra;
}

}  // namespace

// ---------------------------------------------------------------- losses

TEST(MethodLaGAM, RiskOnHandComputedTensors) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("lagam");
  pulab::SampleState state(1, 3, 0.4, torch::kCPU);
  state.pseudo_label.slice(0, 1).copy_(torch::tensor({0.0f, 0.5f, 1.0f}));
  pulab::Batch batch;
  batch.ids_p = torch::tensor({0}, torch::kLong);
  batch.ids_u = torch::tensor({1, 2, 3}, torch::kLong);
  batch.state = &state;
  // g = (0.5 | 2, -0.3, 0.1), class +1 weights t1 = (1, 0, 0.5, 1), class -1 weights t0 = (0, 1, 0.5, 0):
  //   [sp(-0.5) + 0.5 sp(0.3) + sp(-0.1)] / 2.5 + [sp(2) + 0.5 sp(-0.3)] / 1.5 = 2.2209975954466676
  // (sp = softplus); with positive weight 2 on P: t1 = (2, 0, 0.5, 1) -> 2.179802303328076.
  pulab::Scores s{doubles({0.5}), doubles({2.0, -0.3, 0.1})};
  const torch::Tensor none;
  auto out = risk->compute({s, none, 0.4, batch});
  EXPECT_NEAR(out.objective.item<double>(), 2.2209975954466676, 1e-12);
  EXPECT_NEAR(out.reported.item<double>(), 2.2209975954466676, 1e-12);
  const auto w = doubles({2.0});
  EXPECT_NEAR(risk->compute({s, w, 0.4, batch}).objective.item<double>(), 2.179802303328076, 1e-12);
  // The tests' own copies of the two losses (used by the finite differences below) agree.
  EXPECT_NEAR(balanced_bce(doubles({0.5, 2, -0.3, 0.1}), doubles({1, 0, 0.5, 1}), doubles({0, 1, 0.5, 0})).item<double>(),
              2.2209975954466676, 1e-12);
  // Meta objective, g_p = (0.5, -1), g_u = (2, -0.3, 0.1), pi = 0.4:
  //   mean sp(-g_p) + (mean sp(g_u) - 0.4 mean sp(g_p)) / 0.6 = 2.3677119539414275
  EXPECT_NEAR(meta_objective(doubles({0.5, -1}), doubles({2, -0.3, 0.1}), 0.4).item<double>(), 2.3677119539414275, 1e-12);
  // The risk reads the targets from the state and nothing else.
  const auto use = risk->state_use();
  EXPECT_EQ(use.reads, std::vector<std::string>{"pseudo_label"});
  EXPECT_TRUE(use.writes.empty());
}

TEST(MethodLaGAM, MixupPenaltyAgainstItsDrawsRecomputed) {
  auto mixup = pulab::test::make_component<pulab::Regularizer>("lagam_mixup");
  pulab::SampleState state(1, 2, 0.4, torch::kCPU);
  state.pseudo_label.slice(0, 1).copy_(torch::tensor({0.25f, 1.0f}));
  pulab::Batch batch;
  batch.x_p = torch::tensor({1.0f, 0.0f}).view({1, 2});
  batch.x_u = torch::tensor({0.0f, 2.0f, 3.0f, 1.0f}).view({2, 2});
  batch.ids_p = torch::tensor({0}, torch::kLong);
  batch.ids_u = torch::tensor({1, 2}, torch::kLong);
  batch.state = &state;
  Linear model;
  torch::manual_seed(7);
  const double penalty = mixup->penalty(model, batch, {}, {}).item<double>();
  torch::manual_seed(7);
  const auto gam = torch::_standard_gamma(torch::full({2}, 4.0, torch::kDouble));
  double lambda = gam[0].item<double>() / (gam[0].item<double>() + gam[1].item<double>());
  lambda = std::max(lambda, 1 - lambda);
  const auto perm = torch::randperm(3, torch::kLong);
  const auto x = torch::cat({batch.x_p, batch.x_u}).to(torch::kDouble);
  const auto y = doubles({1.0, 0.25, 1.0});
  const auto xm = lambda * x + (1 - lambda) * x.index_select(0, perm);
  const auto ym = lambda * y + (1 - lambda) * y.index_select(0, perm);
  const auto g = torch::matmul(xm, doubles({0.5, -1.0}));
  EXPECT_NEAR(penalty, balanced_bce(g, ym, 1 - ym).item<double>(), 1e-5);
  EXPECT_GE(lambda, 0.5);
  // Hand-computed at lambda = 0.7, permutation (2, 0, 1): x~ = ((1.6, 0.3), (0.3, 1.4), (2.1, 1.3)),
  // y~ = (1, 0.475, 0.775), g~ = (0.5, -1.25, -0.25): balanced BCE 1.1613972265610866.
  const auto x7 = 0.7 * x + 0.3 * x.index_select(0, torch::tensor({2, 0, 1}));
  const auto y7 = 0.7 * y + 0.3 * y.index_select(0, torch::tensor({2, 0, 1}));
  EXPECT_NEAR(balanced_bce(torch::matmul(x7, doubles({0.5, -1.0})), y7, 1 - y7).item<double>(), 1.1613972265610866, 1e-12);
  // Weight 0: no penalty and no draw.
  auto off = pulab::test::make_component<pulab::Regularizer>("lagam_mixup", {{"weight", 0.0}});
  EXPECT_FALSE(off->penalty(model, batch, {}, {}).defined());
}

// ---------------------------------------------------------------- schema and prior

TEST(MethodLaGAM, SchemaRangesAreCheckedAndNameTheKey) {
  const std::string base = "base = \"" + base_file().string() +
                           "\"\n[risk]\nname = \"lagam\"\n[regularizer.lagam_mixup]\n[regularizer.lagam_meta]\n";
  EXPECT_NO_THROW(pulab::test::resolve_text(base));
  for (const auto& [line, key] : std::vector<std::pair<std::string, std::string>>{
           {"warmup_epochs = -1", "warmup_epochs"},
           {"meta_lr = 0.0", "meta_lr"},
           {"rho_start = 1.5", "rho_start"},
           {"rho_end = -0.1", "rho_end"},
           {"meta_scope = \"first_layer\"", "meta_scope"},
           {"meta_set = \"test\"", "meta_set"},
           {"meta_batch_size = 0", "meta_batch_size"},
           {"meta_batchsize = 64", "meta_batchsize"}}) {
    const auto msg = pulab::test::error_message([&] { pulab::test::resolve_text(base + line + "\n"); });
    EXPECT_NE(msg.find(key), std::string::npos) << line << ": " << msg;
  }
  const std::string mix = "base = \"" + base_file().string() + "\"\n[risk]\nname = \"lagam\"\n[regularizer.lagam_mixup]\n";
  for (const auto& [line, key] : std::vector<std::pair<std::string, std::string>>{{"weight = -1.0", "weight"},
                                                                                 {"alpha = 0.0", "alpha"}}) {
    const auto msg = pulab::test::error_message([&] { pulab::test::resolve_text(mix + line + "\n"); });
    EXPECT_NE(msg.find(key), std::string::npos) << line << ": " << msg;
  }
}

TEST(MethodLaGAM, MissingPriorAndEmptyMetaSetAreErrorsNamingTheKey) {
  torch::manual_seed(0);
  const auto x = torch::randn({6, 3}, torch::kDouble);
  const auto labeled = torch::tensor({true, false, false});
  for (double prior : {0.0, 1.0}) {
    FakeContext ctx(mlp3(2), x, 2, x.slice(0, 0, 3), labeled, prior, [] { return mlp3(2); });
    const auto msg = pulab::test::error_message([&] { as_hook(meta_hook())->on_run_start(ctx); });
    EXPECT_NE(msg.find("split.prior"), std::string::npos) << msg;
  }
  // A validation set without a labeled positive cannot be the meta set; the training set can.
  FakeContext ctx(mlp3(2), x, 2, x.slice(0, 0, 3), torch::zeros({3}, torch::kBool), 0.4, [] { return mlp3(2); });
  const auto msg = pulab::test::error_message(
      [&] { as_hook(meta_hook({{"meta_set", std::string("validation")}}))->on_run_start(ctx); });
  EXPECT_NE(msg.find("split.n_validation"), std::string::npos) << msg;
  EXPECT_NE(msg.find("meta_set"), std::string::npos) << msg;
  EXPECT_NO_THROW(as_hook(meta_hook())->on_run_start(ctx));
}

// ---------------------------------------------------------------- the meta step

namespace {

// A tiny run: 3 labeled positives and 12 unlabeled samples (3 features), a validation set of 10
// with 3 labeled positives, an MLP 3-4-1 in double precision.
struct TinyRun {
  torch::Tensor x, x_val, labeled;
  std::shared_ptr<pulab::ScoreModel> model, scratch;
  TinyRun() {
    torch::manual_seed(3);
    x = torch::randn({15, 3}, torch::kDouble);
    x.slice(0, 0, 3).add_(1.0);
    x_val = torch::randn({10, 3}, torch::kDouble);
    x_val.slice(0, 0, 3).add_(1.0);
    labeled = torch::zeros({10}, torch::kBool);
    labeled.slice(0, 0, 3).fill_(true);
    model = mlp3(4);
    scratch = mlp3(4);
  }
  pulab::Batch batch(const pulab::SampleState& state, std::int64_t epoch) const {
    pulab::Batch b;
    b.x_p = x.slice(0, 0, 3);
    b.x_u = x.slice(0, 3);
    b.ids_p = torch::arange(3, torch::kLong);
    b.ids_u = torch::arange(3, 15, torch::kLong);
    b.state = &state;
    b.prior = 0.4;
    b.progress = {0, 1, epoch};
    return b;
  }
  // The meta labels the finite differences predict for targets y_u, and the smallest |d_1 - d_0|.
  std::pair<std::vector<double>, double> predicted(const torch::Tensor& y_u, double eta, bool last_layer) const {
    const auto d = finite_differences(*model, *scratch, x.slice(0, 0, 3), x.slice(0, 3), y_u,
                                      x_val.slice(0, 0, 3), x_val.slice(0, 3), 0.4, eta, last_layer);
    std::vector<double> m;
    double margin = 1e300;
    for (const auto& di : d) {
      m.push_back(di[1] < di[0] ? 1.0 : 0.0);
      margin = std::min(margin, std::abs(di[1] - di[0]));
    }
    return {m, margin};
  }
};

std::vector<double> to_vector(const torch::Tensor& t) {
  const auto c = t.to(torch::kDouble).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

}  // namespace

TEST(MethodLaGAM, MetaLabelsMatchFiniteDifferencesOfTheLookAhead) {
  TinyRun run;
  const auto y_u = torch::linspace(0.1, 0.9, 12, torch::kDouble);
  std::map<std::string, std::vector<double>> labels;
  for (const std::string scope : {"all", "last_layer"}) {
    auto reg = meta_hook({{"warmup_epochs", std::int64_t(0)}, {"meta_lr", 1.0}, {"rho_start", 0.0}, {"rho_end", 0.0},
                          {"meta_scope", scope}, {"meta_set", std::string("validation")},
                          {"meta_batch_size", std::int64_t(100)}});
    FakeContext ctx(run.model, run.x, 3, run.x_val, run.labeled, 0.4, [] { return mlp3(4); });
    as_hook(reg)->on_run_start(ctx);
    // At run start U's targets are 0 (the warm-up trains U as negative), P's stay 1.
    EXPECT_EQ(to_vector(ctx.state().pseudo_label), (std::vector<double>{1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
    ctx.state().pseudo_label.slice(0, 3).copy_(y_u);
    auto batch = run.batch(ctx.state(), 0);
    const auto before = run.model->parameters()[0].clone();
    reg->prepare(batch, batch.progress);
    // With rho = 0 the new target is the meta label itself; the finite differences (step 1e-5,
    // double precision) of L_meta(theta - eta grad L_train) predict it sample by sample.
    const auto [expected, margin] = run.predicted(y_u, 1.0, scope == "last_layer");
    EXPECT_GT(margin, 1e-6) << scope;
    EXPECT_EQ(to_vector(ctx.state().pseudo_label.slice(0, 3)), expected) << scope;
    labels[scope] = expected;
    // The trained model is untouched and P's targets stay 1.
    EXPECT_TRUE(run.model->parameters()[0].equal(before));
    EXPECT_EQ(to_vector(ctx.state().pseudo_label.slice(0, 0, 3)), (std::vector<double>{1, 1, 1}));
  }
  // The two look-ahead scopes label this batch differently, so the check above tells them apart.
  EXPECT_NE(labels["all"], labels["last_layer"]);
}

TEST(MethodLaGAM, TargetsMoveByTheEmaOnlyAfterTheWarmup) {
  TinyRun run;
  auto reg = meta_hook({{"warmup_epochs", std::int64_t(5)}, {"meta_lr", 1.0}, {"meta_set", std::string("validation")},
                        {"meta_batch_size", std::int64_t(100)}});
  auto hook = as_hook(reg);
  FakeContext ctx(run.model, run.x, 3, run.x_val, run.labeled, 0.4, [] { return mlp3(4); });
  hook->on_run_start(ctx);
  const auto y_u = torch::linspace(0.1, 0.9, 12, torch::kDouble);
  ctx.state().pseudo_label.slice(0, 3).copy_(y_u);
  // Epoch 4 < warmup_epochs: nothing moves.
  auto warm = run.batch(ctx.state(), 4);
  reg->prepare(warm, warm.progress);
  EXPECT_TRUE(ctx.state().pseudo_label.slice(0, 3).to(torch::kDouble).allclose(y_u, 0, 1e-7));
  // Epoch 5 of 10: rho = 0.95 + 5/10 (0.8 - 0.95) = 0.875; y <- 0.875 y + 0.125 m.
  auto batch = run.batch(ctx.state(), 5);
  reg->prepare(batch, batch.progress);
  const auto m = run.predicted(y_u, 1.0, false).first;
  const auto now = to_vector(ctx.state().pseudo_label.slice(0, 3));
  const auto y = to_vector(y_u);
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(now[i], 0.875 * y[i] + 0.125 * m[i], 1e-6) << i;
  // The hook writes the targets and reads nothing else.
  const auto use = reg->state_use();
  EXPECT_EQ(use.writes, std::vector<std::string>{"pseudo_label"});
  EXPECT_FALSE(use.writes_prior);
}

// ---------------------------------------------------------------- training

TEST(MethodLaGAM, ShortSyntheticRunsLearnWithEitherLookAheadScope) {
  // The composition with one warm-up epoch instead of 20 (the run has 5).
  for (const std::string scope : {"all", "last_layer"}) {
    const auto result = pulab::test::train_text(composition(
        "[regularizer.lagam_meta]\nwarmup_epochs = 1\nmeta_scope = \"" + scope + "\"\n"));
    const double accuracy = result["last"]["test"]["accuracy"].get<double>();
    EXPECT_GE(accuracy, 0.9) << scope;
    EXPECT_EQ(result["config"]["risk"]["name"], "lagam");
  }
}

// Stopped after the warm-up and inside the meta epochs, a resumed run continues bit for bit: the
// stored targets (pseudo_label), both look-ahead copies and the generator come back from the checkpoint.
TEST(MethodLaGAM, AResumedRunContinuesBitIdentically) {
  // Stopped after the warm-up epoch and two meta epochs, three to go.
  pulab::test::expect_resume_bit_identical(composition("[regularizer.lagam_meta]\nwarmup_epochs = 1\n"), 3, "lagam");
}
