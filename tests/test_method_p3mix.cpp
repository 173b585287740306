// P3Mix (Li, Li, Feng, Ouyang, ICLR 2022; plugins/p3mix): the loss on hand-computed tensors, the
// heuristic mixup's partner choice, the risk on tiny batches (plain, heuristic, corrected, with
// early-learning targets), the candidate pool and the mean teacher on a tiny run context, the
// schemas' errors and missing hooks, and short synthetic runs of P3Mix-C and P3Mix-E (learning,
// the heuristic phase changing the run, resuming bit-identically).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../plugins/p3mix/heuristic_mixup.hpp"
#include "../plugins/p3mix/p3mix_loss.hpp"
#include "engine/engine_context.hpp"
#include "engine/results.hpp"
#include "engine/run_components.hpp"
#include "engine/trainer.hpp"
#include "engine/training_data.hpp"
#include "pulab/sample_state.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path methods_dir() { return fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods"; }

// ---------------------------------------------------------------- a tiny run context

// Two-dimensional inputs, the linear model g(x) = x_0 (weights set by hand), P3Mix-C's risk
// (alpha = 0 unless `set` says otherwise) and both hooks; `set` are --set overrides.
const char* kTinyToml = R"(
name = "p3mix_tiny"
[dataset]
name = "synthetic"
dim = 2
[model]
name = "linear"
[risk]
name = "p3mix"
alpha = 0.0
gamma = 0.8
start_epoch = 1
correction = true
entropy_weight = 0.1
[hook.p3mix_pool]
size = 2
[hook.p3mix_teacher]
ema_decay = 0.997
)";

struct Tiny {
  pulab::RunSpec spec;
  pulab::BuildContext build;
  std::shared_ptr<pulab::ScoreModel> model;
  pulab::TrainingData data;
  std::unique_ptr<pulab::SampleState> state;
  std::unique_ptr<pulab::EngineContext> context;
  pulab::RunComponents components;

  void set_linear(double w0, double w1, double b) {
    torch::NoGradGuard no_grad;
    auto params = model->parameters();  // fc.weight [1, 2], fc.bias [1]
    params[0].copy_(torch::tensor({{w0, w1}}, torch::kFloat));
    params[1].fill_(b);
  }
  pulab::TrainingHook& risk_hook() { return dynamic_cast<pulab::TrainingHook&>(*components.risk); }
  pulab::TrainingHook& hook(std::size_t i) { return *components.hook_tables.at(i); }
  void set_epoch(std::int64_t epoch) {
    pulab::Progress progress;
    progress.epoch = epoch;
    context->set_progress(progress);
  }
};

std::unique_ptr<Tiny> tiny(const torch::Tensor& x_p, const torch::Tensor& x_u, const std::vector<std::string>& set = {}) {
  auto t = std::make_unique<Tiny>();
  t->spec = pulab::test::resolve_text(kTinyToml, set).front();
  t->build.input_shape = {2};
  const auto& registries = pulab::test::builtin_host().registries();
  t->components = pulab::build_components(t->spec, registries, t->build);
  pulab::check_state_uses(t->spec, t->components);
  t->model = t->components.model;
  t->set_linear(1.0, 0.0, 0.0);
  pulab::PUData pu;
  pu.x_p = x_p;
  pu.x_u = x_u;
  pu.u_positive = torch::zeros({x_u.size(0)}, torch::kBool);
  pu.x_val = pu.x_test = torch::zeros({1, 2});
  pu.y_val = pu.val_labeled = pu.y_test = torch::zeros({1}, torch::kBool);
  t->data = pulab::to_device(pu, torch::kCPU, false);
  t->state = std::make_unique<pulab::SampleState>(x_p.size(0), x_u.size(0), 0.5, torch::kCPU);
  t->context = std::make_unique<pulab::EngineContext>(pulab::EngineContext::Setup{
      &t->spec, &registries, t->build, t->model.get(), &t->data, t->state.get(), 0.5, false, false});
  return t;
}

// A batch of the tiny run: the rows `ids_p` of P and `ids_u` of U (sample ids), their inputs,
// and the scores g = x_0 that the engine's clean forward pass would give.
struct TinyBatch {
  pulab::Batch batch;
  pulab::Scores scores;
  torch::Tensor no_weights;
  TinyBatch(const Tiny& t, std::vector<std::int64_t> ids_p, std::vector<std::int64_t> ids_u, std::int64_t epoch) {
    batch.ids_p = torch::tensor(ids_p, torch::kLong);
    batch.ids_u = torch::tensor(ids_u, torch::kLong);
    batch.x_p = t.data.x_train.index_select(0, batch.ids_p);
    batch.x_u = t.data.x_train.index_select(0, batch.ids_u);
    batch.state = t.state.get();
    batch.prior = 0.5;
    batch.progress.epoch = epoch;
    scores.p = batch.x_p.select(1, 0).clone();
    scores.u = batch.x_u.select(1, 0).clone();
  }
  double run(pulab::RiskEstimator& risk) { return risk.compute({scores, no_weights, 0.5, batch}).objective.item<double>(); }
};

// ---------------------------------------------------------------- the synthetic runs

// tests/test_methods.cpp's synthetic base (MethodsTraining.EveryCompositionLearnsSyntheticData).
const std::string kSyntheticBase = pulab::test::synthetic_methods_base("p3mix_test");

std::string composed(const std::string& method, const std::string& extra = "") {
  const fs::path base = pulab::test::temp_dir("p3mix_base") / "base.toml";
  std::ofstream(base) << kSyntheticBase;
  return "base = [\"" + base.string() + "\", \"" + (methods_dir() / method).string() + "\"]\n" + extra;
}

// Trains the single run of `toml` quietly with one thread and returns its result.
json train_one_thread(const std::string& toml, const fs::path& output_dir = {}) {
  auto specs = pulab::test::resolve_text(
      toml, {"output_dir=" + (output_dir.empty() ? pulab::test::temp_dir("p3mix_run") : output_dir).string()});
  pulab::TrainOptions options;
  options.quiet = true;
  options.threads = 1;
  pulab::train_run(specs.front(), pulab::test::builtin_host(), options);
  return pulab::test::read_json(pulab::result_path(specs.front()));
}

}  // namespace

// ---------------------------------------------------------------- (a) the loss by hand

TEST(MethodP3Mix, LossOnHandComputedTensors) {
  // z = (2, -1 | 0.5, 0): two rows mixed from P, two from U; mixed targets y~ and ELR targets t~.
  // p = sigmoid(z) = (0.880797, 0.268941, 0.622459, 0.5);
  // CE = -(y log p + (1 - y) log(1 - p)) = (0.126928, 1.013262, 0.974077, 0.693147)
  // mean_P CE = 0.570095, mean_U CE = 0.833612, mean H(p) = 0.575883,
  // mean log(1 - (t p + (1 - t)(1 - p))) = -1.021821.
  const auto z = torch::tensor({2.0, -1.0, 0.5, 0.0}, torch::kDouble).requires_grad_(true);
  const auto y = torch::tensor({1.0, 0.7, 0.0, 0.25}, torch::kDouble);
  const auto t = torch::tensor({0.9, 0.2, 0.6, 0.5}, torch::kDouble);
  pulab_p3mix::LossWeights w;
  w.positive = 1.0;
  w.unlabeled = 0.5;
  w.entropy = 0.1;
  w.elr = 2.0;
  const torch::Tensor none;
  const auto terms = pulab_p3mix::p3mix_loss(z, y, t, 2, none, w);
  EXPECT_NEAR(terms.positive.item<double>(), 0.5700948492805977, 1e-12);
  EXPECT_NEAR(terms.unlabeled.item<double>(), 0.833612082370026, 1e-12);
  EXPECT_NEAR(terms.entropy.item<double>(), 0.5758828657786377, 1e-12);
  EXPECT_NEAR(terms.elr.item<double>(), -1.021821233350281, 1e-12);
  // 1 * 0.570095 + 0.5 * 0.833612 + 0.1 * 0.575883 + 2 * (-1.021821)
  EXPECT_NEAR(terms.total.item<double>(), -0.9991532896570874, 1e-12);

  // Positive weights (2, 0.5) multiply the P rows' cross-entropy: (2 * 0.126928 + 0.5 * 1.013262) / 2.
  const auto weighted = pulab_p3mix::p3mix_loss(z, y, t, 2, torch::tensor({2.0, 0.5}, torch::kDouble), w);
  EXPECT_NEAR(weighted.positive.item<double>(), 0.3802434329225283, 1e-12);
  EXPECT_NEAR(weighted.total.item<double>(), -1.1890047060151567, 1e-12);

  // eta = 0: no ELR term, t not needed.
  w.elr = 0.0;
  const auto plain = pulab_p3mix::p3mix_loss(z, y, torch::Tensor(), 2, none, w);
  EXPECT_FALSE(plain.elr.defined());
  EXPECT_NEAR(plain.total.item<double>(), 0.5700948492805977 + 0.5 * 0.833612082370026 + 0.1 * 0.5758828657786377,
              1e-12);

  // The clamp: sigmoid(20) is held at 1 - 1e-4, so a U row with target 0 costs -log(1e-4) =
  // 9.210340 and gets no gradient (as the authors' code); without rows from P that side is 0.
  const auto far = torch::tensor({20.0}, torch::kDouble).requires_grad_(true);
  const auto clamped = pulab_p3mix::p3mix_loss(far, torch::zeros({1}, torch::kDouble), none, 0, none, w);
  EXPECT_EQ(clamped.positive.item<double>(), 0.0);
  EXPECT_NEAR(clamped.unlabeled.item<double>(), 9.210340371976182, 1e-9);
  clamped.unlabeled.backward();
  EXPECT_EQ(far.grad().item<double>(), 0.0);
}

// ---------------------------------------------------------------- (c) partners, lambda, correction

TEST(MethodP3Mix, MarginalRowsArePairedWithThePoolAndOthersWithTheBatch) {
  const auto q_u = torch::tensor({0.1f, 0.25f, 0.5f, 0.75f, 0.85f, 0.95f});
  const auto marginal = pulab_p3mix::marginal_mask(q_u, 0.8);
  EXPECT_TRUE(torch::equal(marginal, torch::tensor({false, true, true, true, false, false})));
  EXPECT_TRUE(torch::equal(pulab_p3mix::corrected_targets(q_u, 0.8), torch::tensor({0.f, 0.f, 0.f, 0.f, 1.f, 1.f})));
  // gamma = 0.5: no marginal band; everything from 0.5 on is corrected.
  EXPECT_FALSE(pulab_p3mix::marginal_mask(q_u, 0.5).any().item<bool>());
  EXPECT_EQ(pulab_p3mix::corrected_targets(q_u, 0.5).sum().item<float>(), 4.f);

  // 3 positives + 6 unlabeled rows (n = 9), a pool of 4 (partner ids 9..12).
  torch::manual_seed(0);
  std::set<std::int64_t> from_pool, from_batch_p, from_batch_u;
  for (int draw = 0; draw < 200; ++draw) {
    const auto partner = pulab_p3mix::heuristic_partners(marginal, 3, 4);
    ASSERT_EQ(partner.size(0), 9);
    for (std::int64_t i = 0; i < 9; ++i) {
      const std::int64_t j = partner[i].item<std::int64_t>();
      const bool mpn = i >= 3 && marginal[i - 3].item<bool>();
      if (mpn) {
        EXPECT_GE(j, 9);
        EXPECT_LT(j, 13);
        from_pool.insert(j);
      } else {
        EXPECT_GE(j, 0);
        EXPECT_LT(j, 9);
        (i < 3 ? from_batch_p : from_batch_u).insert(j);
      }
    }
  }
  // Uniform draws: every pool member and every batch row shows up.
  EXPECT_EQ(from_pool.size(), 4u);
  EXPECT_EQ(from_batch_p.size(), 9u);
  EXPECT_EQ(from_batch_u.size(), 9u);

  // Before the heuristic phase: a permutation of the batch.
  const auto perm = pulab_p3mix::random_partners(9, torch::kCPU);
  EXPECT_TRUE(torch::equal(std::get<0>(perm.sort()), torch::arange(9, torch::kLong)));
}

TEST(MethodP3Mix, LambdaIsAFoldedBetaDraw) {
  torch::manual_seed(1);
  double sum = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const double lambda = pulab_p3mix::draw_lambda(1.0);
    ASSERT_GE(lambda, 0.5);
    ASSERT_LE(lambda, 1.0);
    sum += lambda;
  }
  // max(U, 1 - U) for U ~ Beta(1, 1) = U(0, 1) has mean 3/4 (sd of the mean 0.0023).
  EXPECT_NEAR(sum / n, 0.75, 0.01);
  // alpha = 0: no mixing, and nothing is drawn from the generator.
  torch::manual_seed(2);
  EXPECT_EQ(pulab_p3mix::draw_lambda(0.0), 1.0);
  const double next = torch::rand({1}).item<double>();
  torch::manual_seed(2);
  EXPECT_EQ(next, torch::rand({1}).item<double>());
}

// ---------------------------------------------------------------- (c) the pool and the teacher

TEST(MethodP3Mix, PoolHoldsThePositivesOfHighestEntropyEachEpoch) {
  // Labeled positives with g = x_0 = 3, -0.1, 0.5, -2, 0.05: the two nearest the boundary
  // (highest entropy of sigmoid(g)) are ids 4 (0.05) and 1 (-0.1).
  const auto x_p = torch::tensor({{3.0f, 0.f}, {-0.1f, 0.f}, {0.5f, 0.f}, {-2.0f, 0.f}, {0.05f, 0.f}});
  auto t = tiny(x_p, torch::zeros({3, 2}));
  auto& pool_hook = t->hook(0);
  pool_hook.on_run_start(*t->context);
  pool_hook.on_epoch_start(*t->context);
  const auto& pool = t->state->column("p3mix_pool");
  EXPECT_TRUE(torch::equal(pool, torch::tensor({0.f, 1.f, 0.f, 0.f, 1.f, 0.f, 0.f, 0.f}))) << pool;
  // The next epoch starts with another model: g = -x_0 + 0.45 puts ids 2 (-0.05) and 4 (0.4) nearest.
  t->set_linear(-1.0, 0.0, 0.45);
  pool_hook.on_epoch_start(*t->context);
  EXPECT_TRUE(torch::equal(pool, torch::tensor({0.f, 0.f, 1.f, 0.f, 1.f, 0.f, 0.f, 0.f}))) << pool;
}

TEST(MethodP3Mix, TeacherFollowsTheModelOnceAnEpochAndGivesTheTargets) {
  const auto x_p = torch::tensor({{1.0f, 0.f}, {-1.0f, 0.f}});
  const auto x_u = torch::tensor({{0.f, 0.f}, {2.0f, 0.f}});
  auto t = tiny(x_p, x_u, {"hook.p3mix_teacher.ema_start_epoch=1"});
  auto& teacher_hook = t->hook(1);
  teacher_hook.on_run_start(*t->context);
  const auto& target = t->state->column("p3mix_target");
  const auto x0 = t->data.x_train.select(1, 0);
  // Run start: the teacher is a copy of the model (g = x_0).
  EXPECT_TRUE(torch::allclose(target, torch::sigmoid(x0)));
  ASSERT_EQ(t->context->extra_models().size(), 1u);
  auto& teacher = *t->context->extra_models()[0].model;

  // Epoch 0 ends before ema_start_epoch = 1: the teacher stays.
  t->set_linear(1.0, 0.0, 1.0);
  t->set_epoch(0);
  teacher_hook.on_epoch_end(*t->context);
  EXPECT_TRUE(torch::allclose(target, torch::sigmoid(x0)));
  // Epoch 1 (the first averaged): a = min(1 - 1/1, 0.997) = 0, the teacher becomes the model (bias 1).
  t->set_epoch(1);
  teacher_hook.on_epoch_end(*t->context);
  EXPECT_NEAR(teacher.parameters()[1].item<double>(), 1.0, 1e-7);
  EXPECT_TRUE(torch::allclose(target, torch::sigmoid(x0 + 1.0)));
  // Epoch 2: a = 1/2, bias 0.5 * 1 + 0.5 * 3 = 2; weight 0.5 * 1 + 0.5 * 2 = 1.5.
  t->set_linear(2.0, 0.0, 3.0);
  t->set_epoch(2);
  teacher_hook.on_epoch_end(*t->context);
  EXPECT_NEAR(teacher.parameters()[1].item<double>(), 2.0, 1e-6);
  EXPECT_NEAR(teacher.parameters()[0][0][0].item<double>(), 1.5, 1e-6);
  EXPECT_TRUE(torch::allclose(target, torch::sigmoid(1.5 * x0 + 2.0), 1e-5, 1e-6));
  // The teacher is not trained.
  EXPECT_FALSE(teacher.parameters()[0].requires_grad());
}

// ---------------------------------------------------------------- (c) the risk on tiny batches

TEST(MethodP3Mix, RiskWithoutMixingCorrectsConfidentUnlabeledSamples) {
  // alpha = 0: the loss is taken on the engine's scores. P row g = 1; U rows g = 2 (q = 0.881 >=
  // gamma = 0.8: corrected to 1 from start_epoch = 1 on) and g = -0.5 (target 0).
  // Corrected: CE(s(1), 1) + (CE(s(2), 1) + CE(s(-0.5), 0)) / 2 + 0.1 * mean H = 0.667444;
  // before: CE(s(2), 0) instead of CE(s(2), 1): 1.667444.
  auto t = tiny(torch::tensor({{1.0f, 0.f}}), torch::tensor({{2.0f, 0.f}, {-0.5f, 0.f}}));
  auto& risk = *t->components.risk;
  t->risk_hook().on_run_start(*t->context);
  TinyBatch late(*t, {0}, {1, 2}, /*epoch=*/1);
  EXPECT_NEAR(late.run(risk), 0.6674436612149159, 1e-6);
  TinyBatch early(*t, {0}, {1, 2}, /*epoch=*/0);
  EXPECT_NEAR(early.run(risk), 1.6674436612149153, 1e-6);
  // The risk without its run (no model): a clear error.
  auto fresh = pulab::build_components(t->spec, pulab::test::builtin_host().registries(), t->build);
  const auto msg = pulab::test::error_message([&] { late.run(*fresh.risk); });
  EXPECT_NE(msg.find("risk 'p3mix' is used outside a training run"), std::string::npos) << msg;
}

TEST(MethodP3Mix, RiskWithEarlyLearningTargetsOnHandComputedTensors) {
  // P3Mix-E's settings, alpha = 0, no correction; targets t = 0.9 (P), 0.7, 0.2 (U) by hand:
  // CE(s(1), 1) + (CE(s(2), 0) + CE(s(-0.5), 0)) / 2 + 0.5 mean H + 5 mean log(1 - <t, p>) = -3.223258.
  auto t = tiny(torch::tensor({{1.0f, 0.f}}), torch::tensor({{2.0f, 0.f}, {-0.5f, 0.f}}),
                {"risk.correction=false", "risk.entropy_weight=0.5", "risk.elr_weight=5.0"});
  t->risk_hook().on_run_start(*t->context);
  t->state->column("p3mix_target").copy_(torch::tensor({0.9f, 0.7f, 0.2f}));
  TinyBatch b(*t, {0}, {1, 2}, /*epoch=*/1);
  EXPECT_NEAR(b.run(*t->components.risk), -3.223257951712691, 1e-5);
  const auto use = t->components.risk->state_use();
  EXPECT_EQ(use.reads, (std::vector<std::string>{"p3mix_pool", "p3mix_target"}));
  EXPECT_TRUE(use.writes.empty());
}

TEST(MethodP3Mix, MarginalRowsAreMixedWithThePoolInsideTheRisk) {
  // Every U row sits at x = 0 (g = 0, q = 1/2: marginal for gamma = 0.8); the labeled positives,
  // all at x_0 = 2, fill the pool. alpha = 1e12 makes lambda = 1/2 to ~1e-6. A batch of U rows
  // only, from start_epoch on: every row is mixed with the pool, x~_0 = 1, y~ = 1/2, so
  //   CE(s(1), 1/2) + 0.1 H(s(1)) = 0.813262 + 0.1 * 0.582203 = 0.871482;
  // before start_epoch (a permutation of the batch, x~ = 0, y~ = 0): log 2 (1 + 0.1) = 0.762462.
  const auto x_p = torch::tensor({{2.0f, 0.f}, {2.0f, 0.f}, {2.0f, 0.f}});
  const auto x_u = torch::zeros({4, 2});
  auto t = tiny(x_p, x_u, {"risk.alpha=1e12", "risk.correction=false"});
  t->hook(0).on_run_start(*t->context);
  t->hook(0).on_epoch_start(*t->context);
  ASSERT_EQ(t->state->column("p3mix_pool").sum().item<float>(), 2.f);
  t->risk_hook().on_run_start(*t->context);
  auto& risk = *t->components.risk;
  const std::vector<std::int64_t> u_ids{3, 4, 5, 6};
  EXPECT_NEAR(TinyBatch(*t, {}, u_ids, 1).run(risk), 0.8714819984070445, 1e-5);
  EXPECT_NEAR(TinyBatch(*t, {}, u_ids, 0).run(risk), 0.7624618986159398, 1e-5);

  // gamma = 0.5: no marginal rows, partners from the batch: log 2 (1 + 0.1) again.
  auto narrow = tiny(x_p, x_u, {"risk.alpha=1e12", "risk.correction=false", "risk.gamma=0.5"});
  narrow->hook(0).on_run_start(*narrow->context);
  narrow->hook(0).on_epoch_start(*narrow->context);
  narrow->risk_hook().on_run_start(*narrow->context);
  EXPECT_NEAR(TinyBatch(*narrow, {}, u_ids, 1).run(*narrow->components.risk), 0.7624618986159398, 1e-5);

  // With ELR (weight 2), U targets 0.3 and the pool's target 1: t~ = 0.65,
  //   0.871482 + 2 log(1 - (0.65 s(1) + 0.35 s(-1))) = -0.813287.
  auto e = tiny(x_p, x_u, {"risk.alpha=1e12", "risk.correction=false", "risk.elr_weight=2.0"});
  e->hook(0).on_run_start(*e->context);
  e->hook(0).on_epoch_start(*e->context);
  e->risk_hook().on_run_start(*e->context);
  e->state->column("p3mix_target").fill_(0.3f);
  EXPECT_NEAR(TinyBatch(*e, {}, u_ids, 1).run(*e->components.risk), -0.8132865818802548, 1e-5);
}

// ---------------------------------------------------------------- (b) schemas and missing hooks

TEST(MethodP3Mix, BadSettingsAndMissingHooksAreRefusedNamingTheKey) {
  const std::string c = composed("p3mix_c.toml"), e = composed("p3mix_e.toml");
  auto refused = [](const std::string& toml, const std::string& set) {
    return pulab::test::error_message([&] { pulab::test::resolve_text(toml, {set}); });
  };
  EXPECT_NE(refused(c, "risk.gamma=0.3").find("risk (p3mix).gamma = 0.3 is out of range [0.5, 1]"), std::string::npos);
  EXPECT_NE(refused(c, "risk.alpha=-1.0").find("alpha"), std::string::npos);
  EXPECT_NE(refused(c, "risk.epsilon=0.6").find("epsilon"), std::string::npos);
  EXPECT_NE(refused(c, "risk.start_epoch=-1").find("start_epoch"), std::string::npos);
  EXPECT_NE(refused(c, "hook.p3mix_pool.size=0").find("hook.p3mix_pool (p3mix_pool).size = 0"), std::string::npos);
  EXPECT_NE(refused(e, "hook.p3mix_teacher.ema_decay=1.5").find("ema_decay = 1.5 is out of range [0, 1]"),
            std::string::npos);
  // The risk reads the hooks' columns: without them the run is refused before training.
  const auto no_pool = pulab::test::error_message(
      [&] { pulab::test::train_text(c, {"hook.p3mix_pool.enabled=false", "output_dir=" + pulab::test::temp_dir("p3").string()}); });
  EXPECT_NE(no_pool.find("[risk] p3mix reads state 'p3mix_pool', which no component of this run writes"),
            std::string::npos) << no_pool;
  const auto no_teacher = pulab::test::error_message(
      [&] { pulab::test::train_text(e, {"hook.p3mix_teacher.enabled=false", "output_dir=" + pulab::test::temp_dir("p3").string()}); });
  EXPECT_NE(no_teacher.find("[risk] p3mix reads state 'p3mix_target'"), std::string::npos) << no_teacher;
}

// ---------------------------------------------------------------- (d) short synthetic runs

TEST(MethodP3Mix, BothVariantsLearnSyntheticDataAndTheHeuristicPhaseActs) {
  // start_epoch = 1 so that the heuristic mixup, the correction (C) and the teacher's targets (E)
  // act within 5 epochs. Chance is ~0.5; the naive risk reaches ~0.93 here.
  for (const std::string method : {"p3mix_c.toml", "p3mix_e.toml"}) {
    const json r = train_one_thread(composed(method, "[risk]\nstart_epoch = 1\n"));
    const double accuracy = r["last"]["test"]["accuracy"].get<double>();
    std::printf("[ p3mix    ] %-14s start_epoch 1: last test accuracy %.4f\n", method.c_str(), accuracy);
    EXPECT_GE(accuracy, 0.9) << method;
    // Without the heuristic phase the run is the same in epoch 1 and differs from epoch 2 on.
    const json plain = train_one_thread(composed(method, "[risk]\nstart_epoch = 100\n"));
    EXPECT_EQ(r["epochs"][0]["train_objective"].get<double>(), plain["epochs"][0]["train_objective"].get<double>());
    EXPECT_NE(r["epochs"][1]["train_objective"].get<double>(), plain["epochs"][1]["train_objective"].get<double>());
  }
}

TEST(MethodP3Mix, ARunWithPoolAndTeacherResumesBitIdentically) {
  pulab::test::expect_resume_bit_identical(composed("p3mix_e.toml", "[risk]\nstart_epoch = 1\n[train]\nepochs = 4\n"), 2,
                                           "p3mix");
}
