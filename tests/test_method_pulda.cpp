// Tests of PULDA (plugins/pulda): the risk on hand-computed tensors, its momentum estimates (values,
// gradient, evaluation calls leaving them alone, save/load), the parameter checks and the missing
// prior, the mixup stage's hook logic on a tiny case, and short synthetic runs.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <torch/torch.h>

#include "engine/engine_context.hpp"
#include "engine/results.hpp"
#include "engine/run_components.hpp"
#include "engine/trainer.hpp"
#include "pulab/model.hpp"
#include "pulab/regularizer.hpp"
#include "pulab/risk_estimator.hpp"
#include "pulab/sample_state.hpp"
#include "pulab/training_hook.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using pulab::ParamValue;

namespace {

double sig(double z) { return 1 / (1 + std::exp(-z)); }
// softplus_tau(x) = log(1 + e^{tau x}) / tau; d_tau(a, b) = softplus_tau(a - b) + softplus_tau(b - a).
double softplus(double x, double tau) { return std::log1p(std::exp(tau * x)) / tau; }
double dist(double a, double b, double tau) { return softplus(a - b, tau) + softplus(b - a, tau); }
double two_way_pos(double z, double m) { return sig(z) * sig(m - z); }
double two_way_neg(double z, double m) { return sig(z + m) * sig(-z); }

// The batch means the risk uses: E_P[s], E_U[s], C_P^+, C_P^-, C_U^- (margin 0.6).
struct Means {
  double p, u, cp_plus, cp_minus, cu_minus;
};
Means means_of(const std::vector<double>& gp, const std::vector<double>& gu, double m = 0.6) {
  Means r{0, 0, 0, 0, 0};
  for (double z : gp) r.p += sig(z), r.cp_plus += two_way_pos(z, m), r.cp_minus += two_way_neg(z, m);
  for (double z : gu) r.u += sig(z), r.cu_minus += two_way_neg(z, m);
  const double np = double(gp.size()), nu = double(gu.size());
  return {r.p / np, r.u / nu, r.cp_plus / np, r.cp_minus / np, r.cu_minus / nu};
}
// R with the batch's own means (tau 3.5 for the alignment, 1 for the margin term).
double plain_risk(const Means& m, double pi, bool two_way = true) {
  double r = 2 * pi * (1 - m.p) + dist(m.u, pi, 3.5);
  if (two_way) r += pi * m.cp_plus + dist(m.cu_minus, pi * m.cp_minus, 1.0);
  return r;
}

struct Call {
  pulab::Scores scores;
  pulab::Batch batch;
  torch::Tensor weights;
  Call(const std::vector<double>& gp, const std::vector<double>& gu, const pulab::SampleState* state) {
    scores.p = torch::tensor(gp, torch::kDouble).requires_grad_(true);
    scores.u = torch::tensor(gu, torch::kDouble).requires_grad_(true);
    batch.state = state;  // null: the evaluation's call; set: a training step
  }
  pulab::RiskOutput run(pulab::RiskEstimator& risk, double prior) { return risk.compute({scores, weights, prior, batch}); }
};

const std::vector<double> kP1{1.0, -0.5}, kU1{0.3, 2.0, -1.0}, kP2{2.0}, kU2{-0.4, 0.9};

}  // namespace

// ---------------------------------------------------------------- (a) the loss

TEST(MethodPulda, RiskOnHandComputedTensors) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("pulda");
  Call c(kP1, kU1, nullptr);
  const auto out = c.run(*risk, 0.4);
  // E_P[s] = 0.55430, E_U[s] = 0.57473: alignment 2 * 0.4 * (1 - 0.55430) + d_3.5(0.57473, 0.4) = 0.77895;
  // C_P^+ = 0.28832, C_P^- = 0.27527, C_U^- = 0.23563: margin 0.4 * C_P^+ + d_1(C_U^-, 0.4 C_P^-) = 1.50556.
  EXPECT_NEAR(out.objective.item<double>(), 2.2845096478994957, 1e-12);
  EXPECT_NEAR(out.reported.item<double>(), 2.2845096478994957, 1e-12);
  EXPECT_NEAR(out.objective.item<double>(), plain_risk(means_of(kP1, kU1), 0.4), 1e-12);

  // Without the margin term: the alignment alone.
  auto lda = pulab::test::make_component<pulab::RiskEstimator>("pulda", {{"two_way", false}});
  Call d(kP1, kU1, nullptr);
  EXPECT_NEAR(d.run(*lda, 0.4).objective.item<double>(), 0.7789515644687468, 1e-12);

  // The distance is a smooth |a - b|: at a = b it is 2 log 2 / tau; far apart, |a - b|.
  EXPECT_NEAR(dist(0.4, 0.4, 3.5), 2 * std::log(2.0) / 3.5, 1e-15);
  Call at_prior({0.0}, {std::log(0.4 / 0.6)}, nullptr);  // s(U) = pi exactly, s(P) = 1/2
  EXPECT_NEAR(at_prior.run(*lda, 0.4).objective.item<double>(), 2 * 0.4 * 0.5 + 2 * std::log(2.0) / 3.5, 1e-12);

  // Weights of a SampleWeighting reweight P's empirical distribution: mean(w s).
  Call w(kP1, kU1, nullptr);
  w.weights = torch::tensor({2.0, 0.5}, torch::kDouble);
  const double mp = (2.0 * sig(1.0) + 0.5 * sig(-0.5)) / 2;
  EXPECT_NEAR(w.run(*lda, 0.4).objective.item<double>(), 2 * 0.4 * (1 - mp) + dist(means_of(kP1, kU1).u, 0.4, 3.5),
              1e-12);
}

TEST(MethodPulda, MomentumEstimatesDuringTraining) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("pulda");
  pulab::SampleState state(3, 5, 0.4, torch::kCPU);
  // First training step: the batch means alone (and the averages start).
  Call first(kP1, kU1, &state);
  EXPECT_NEAR(first.run(*risk, 0.4).objective.item<double>(), 2.2845096478994957, 1e-12);
  // An evaluation call in between uses its own means and moves nothing.
  Call eval({3.0}, {-3.0, -2.0}, nullptr);
  EXPECT_NEAR(eval.run(*risk, 0.4).objective.item<double>(), plain_risk(means_of({3.0}, {-3.0, -2.0}), 0.4), 1e-12);
  // Second step: E_U <- 0.85 E_U1 + 0.15 E_U2, C <- 0.5 C1 + 0.5 C2, distances scaled by 1/(1 - alpha).
  Call second(kP2, kU2, &state);
  const auto out = second.run(*risk, 0.4);
  const Means m1 = means_of(kP1, kU1), m2 = means_of(kP2, kU2);
  const double eu = 0.85 * m1.u + 0.15 * m2.u, ecp = 0.5 * m1.cp_minus + 0.5 * m2.cp_minus,
               ecu = 0.5 * m1.cu_minus + 0.5 * m2.cu_minus;
  const double expected = 2 * 0.4 * (1 - m2.p) + dist(eu, 0.4, 3.5) / 0.15 + 0.4 * m2.cp_plus +
                          dist(ecu, 0.4 * ecp, 1.0) / 0.5;
  EXPECT_NEAR(out.objective.item<double>(), 5.764642273140053, 1e-12);  // python, same formula
  EXPECT_NEAR(out.objective.item<double>(), expected, 1e-12);
  // The reported risk is the batch's own R.
  EXPECT_NEAR(out.reported.item<double>(), plain_risk(m2, 0.4), 1e-12);
  EXPECT_NEAR(out.reported.item<double>(), 1.9826756410254882, 1e-12);

  // `momentum = false`: every training step uses the batch means.
  auto plain = pulab::test::make_component<pulab::RiskEstimator>("pulda", {{"momentum", false}});
  Call p1(kP1, kU1, &state), p2(kP2, kU2, &state);
  p1.run(*plain, 0.4);
  EXPECT_NEAR(p2.run(*plain, 0.4).objective.item<double>(), plain_risk(m2, 0.4), 1e-12);
}

TEST(MethodPulda, MomentumKeepsTheGradientOfTheBatchMean) {
  // Alignment only: after the first step the U term is d(m_t, pi) / (1 - alpha) with
  // m_t = alpha m_{t-1} + (1 - alpha) mean_U s: d/dg_u_i = d'(m_t) s'(g_i) / n_u, d'(x) = sig(tau x) - sig(-tau x).
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("pulda", {{"two_way", false}});
  pulab::SampleState state(3, 5, 0.4, torch::kCPU);
  Call(kP1, kU1, &state).run(*risk, 0.4);
  Call c(kP2, kU2, &state);
  c.run(*risk, 0.4).objective.backward();
  const double mt = 0.85 * means_of(kP1, kU1).u + 0.15 * means_of(kP2, kU2).u;
  const double dd = sig(3.5 * (mt - 0.4)) - sig(-3.5 * (mt - 0.4));
  for (std::size_t i = 0; i < kU2.size(); ++i) {
    const double ds = sig(kU2[i]) * (1 - sig(kU2[i]));
    EXPECT_NEAR(c.scores.u.grad()[i].item<double>(), dd * ds / 2.0, 1e-12) << i;
  }
  // The P term is linear: -2 pi s'(g) / n_p.
  EXPECT_NEAR(c.scores.p.grad()[0].item<double>(), -2 * 0.4 * sig(2.0) * (1 - sig(2.0)), 1e-12);
}

TEST(MethodPulda, SavedAveragesRestoreTheNextStep) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("pulda");
  auto* hook = dynamic_cast<pulab::TrainingHook*>(risk.get());
  ASSERT_NE(hook, nullptr);  // the risk is also a hook: the engine checkpoints its averages
  pulab::SampleState state(3, 5, 0.4, torch::kCPU);
  Call(kP1, kU1, &state).run(*risk, 0.4);
  torch::serialize::OutputArchive out;
  hook->save(out);
  std::ostringstream bytes;
  out.save_to(bytes);

  auto fresh = pulab::test::make_component<pulab::RiskEstimator>("pulda");
  torch::serialize::InputArchive in;
  std::istringstream source(bytes.str());
  in.load_from(source);
  dynamic_cast<pulab::TrainingHook*>(fresh.get())->load(in);
  const double resumed = Call(kP2, kU2, &state).run(*fresh, 0.4).objective.item<double>();
  // The restored risk continues from the saved averages: exactly the original's second step.
  EXPECT_EQ(resumed, Call(kP2, kU2, &state).run(*risk, 0.4).objective.item<double>());
  EXPECT_NEAR(resumed, 5.764642273140053, 1e-12);
  // A risk that never saw a step starts afresh (the first step's value).
  auto other = pulab::test::make_component<pulab::RiskEstimator>("pulda");
  EXPECT_NEAR(Call(kP2, kU2, &state).run(*other, 0.4).objective.item<double>(), plain_risk(means_of(kP2, kU2), 0.4),
              1e-12);
}

// ---------------------------------------------------------------- (b) parameters and the prior

namespace {

const std::string kSmallBase = pulab::test::synthetic_methods_base("pulda_test", 6);

fs::path write_base() {
  const fs::path file = pulab::test::temp_dir("pulda") / "base.toml";
  std::ofstream(file) << kSmallBase;
  return file;
}

std::string pulda_experiment(const std::string& extra = "") {
  const fs::path method = fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "pulda.toml";
  return "base = [\"" + write_base().string() + "\", \"" + method.string() + "\"]\n" + extra;
}

}  // namespace

TEST(MethodPulda, OutOfRangeParametersNameTheirKey) {
  const std::vector<std::pair<std::string, std::string>> bad{
      {"risk.temperature=0", "temperature"},
      {"risk.margin=-1", "margin"},
      {"risk.alpha_u=1.0", "alpha_u"},
      {"risk.alpha_cn=-0.1", "alpha_cn"},
      {"regularizer.pulda_mixup.warmup_fraction=1.5", "warmup_fraction"},
      {"regularizer.pulda_mixup.weight=-1", "weight"},
      {"regularizer.pulda_mixup.alpha=0", "alpha"},
      {"regularizer.pulda_mixup.stage_lr_scale=0", "stage_lr_scale"},
      {"regularizer.pulda_mixup.stage_final_lr_factor=-1", "stage_final_lr_factor"},
      {"regularizer.pulda_mixup.stage_weight_decay_scale=-1", "stage_weight_decay_scale"}};
  const std::string text = pulda_experiment();
  EXPECT_NO_THROW(pulab::test::resolve_text(text));
  for (const auto& [set, key] : bad) {
    const std::string message = pulab::test::error_message([&] { pulab::test::resolve_text(text, {set}); });
    EXPECT_NE(message.find(key), std::string::npos) << set << ": " << message;
  }
}

TEST(MethodPulda, WithoutAClassPriorTheErrorNamesSplitPrior) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("pulda");
  for (double prior : {0.0, 1.0, std::nan("")}) {
    const std::string message = pulab::test::error_message([&] { Call(kP1, kU1, nullptr).run(*risk, prior); });
    EXPECT_NE(message.find("split.prior"), std::string::npos) << prior << ": " << message;
  }
}


// ---------------------------------------------------------------- (c) the mixup stage's hook logic

TEST(MethodPulda, MixupStageStartsPseudoLabelsAndUpdatesThem) {
  auto spec = pulab::test::resolve_text(pulda_experiment()).front();  // train.epochs = 6: the stage starts at epoch 3
  auto mixup = pulab::test::make_component<pulab::Regularizer>("pulda_mixup", {{"clamp", 0.5}});
  auto* hook = dynamic_cast<pulab::TrainingHook*>(mixup.get());
  ASSERT_NE(hook, nullptr);
  EXPECT_EQ(hook->state_use().reads, std::vector<std::string>{"pseudo_label"});
  EXPECT_EQ(hook->state_use().writes, std::vector<std::string>{"pseudo_label"});

  torch::manual_seed(1);
  auto model = pulab::test::make_component<pulab::ScoreModel>("linear", {}, {3});
  pulab::PUData pu;
  pu.x_p = 3 * torch::randn({2, 3});
  pu.x_u = 3 * torch::randn({4, 3});
  pu.u_positive = torch::zeros({4}, torch::kBool);
  pu.x_val = pu.x_test = torch::randn({2, 3});
  pu.y_val = pu.val_labeled = pu.y_test = torch::zeros({2}, torch::kBool);
  const auto data = pulab::to_device(pu, torch::kCPU, false);
  pulab::SampleState state(2, 4, 0.3, torch::kCPU);
  pulab::BuildContext build;
  build.input_shape = {3};
  torch::optim::Adam run_optimizer(model->parameters(), torch::optim::AdamOptions(1e-3));
  pulab::EngineContext::Setup setup{&spec, &pulab::test::builtin_host().registries(), build, model.get(), &data, &state,
                                    0.3, false, false};
  setup.optimizer = &run_optimizer;
  pulab::EngineContext context(setup);
  hook->on_run_start(context);

  pulab::Batch batch;
  batch.x_p = pu.x_p;
  batch.x_u = pu.x_u;
  batch.ids_p = torch::tensor({0L, 1L});
  batch.ids_u = torch::tensor({2L, 3L, 4L, 5L});
  batch.state = &state;
  auto scores_now = [&] {
    const auto g = model->forward(torch::cat({pu.x_p, pu.x_u})).reshape({-1});
    return pulab::Scores{g.slice(0, 0, 2), g.slice(0, 2)};
  };

  // Warm-up (epochs 0-2 of 6): no penalty, no random draw, no pseudo-label.
  for (std::int64_t epoch : {0, 1, 2}) {
    context.set_progress({epoch * 10, 60, epoch});
    hook->on_epoch_start(context);
    batch.progress = context.progress();
    const auto scores = scores_now();
    torch::manual_seed(7);
    EXPECT_FALSE(mixup->penalty(*model, batch, scores, batch.progress).defined()) << epoch;
    const double next = torch::rand({1}).item<double>();
    torch::manual_seed(7);
    EXPECT_EQ(next, torch::rand({1}).item<double>()) << epoch;
    hook->after_step(context, batch);
  }
  EXPECT_TRUE(torch::equal(state.pseudo_label.slice(0, 2), torch::full({4}, 0.3f)));  // the engine's start value

  // Epoch 3: the stage starts; U's pseudo-labels are sigmoid(clamp(g, -0.5, 0.5)) of the model.
  EXPECT_EQ(context.optimizer_stage().learning_rate_scale, 1.0);
  context.set_progress({30, 60, 3});
  hook->on_epoch_start(context);
  // ... and the run's Adam starts afresh at the authors' ratios (1e-3 after 1e-4, 1e-4 after 5e-4).
  EXPECT_EQ(context.optimizer_stage().learning_rate_scale, 10.0);
  EXPECT_TRUE(context.optimizer_stage().own_schedule);
  EXPECT_EQ(context.optimizer_stage().final_lr_factor, 0.7);
  EXPECT_EQ(context.optimizer_stage().weight_decay_scale, 0.2);
  EXPECT_EQ(context.optimizer_stage_start(), 30);
  torch::Tensor g_u;
  {
    torch::NoGradGuard no_grad;
    g_u = model->forward(pu.x_u).reshape({-1});
  }
  ASSERT_GT(g_u.abs().max().item<double>(), 0.5);  // the clamp matters here
  EXPECT_TRUE(torch::allclose(state.pseudo_label.slice(0, 2), torch::sigmoid(g_u.clamp(-0.5, 0.5))));
  EXPECT_TRUE(torch::equal(state.pseudo_label.slice(0, 0, 2), torch::ones({2})));

  // The penalty against the authors' form, written out: one lambda ~ Beta(11, 11), a permutation of
  // the batch, 4.2 * mean_i [lambda BCE(s_i, y_i) + (1 - lambda) BCE(s_i, y_perm(i))], s = sigmoid(clamp g(x^)).
  batch.progress = context.progress();
  auto scores = scores_now();
  scores.u = scores.u - 0.2;  // so that the written pseudo-labels can only come from these scores
  torch::manual_seed(11);
  const double got = mixup->penalty(*model, batch, scores, batch.progress).item<double>();
  torch::manual_seed(11);
  const auto gammas = torch::_standard_gamma(torch::full({2}, 11.0, torch::kDouble));
  const double lambda = gammas[0].item<double>() / gammas.sum().item<double>();
  const auto perm = torch::randperm(6, torch::kLong);
  const auto x = torch::cat({pu.x_p, pu.x_u});
  torch::Tensor z;
  {
    torch::NoGradGuard no_grad;
    z = model->forward(lambda * x + (1 - lambda) * x.index_select(0, perm)).reshape({-1});
  }
  std::vector<double> y{1, 1};
  for (int i = 2; i < 6; ++i) y.push_back(state.pseudo_label[i].item<double>());
  auto bce = [](double s, double t) { return -(t * std::log(s) + (1 - t) * std::log(1 - s)); };
  double expected = 0;
  for (int i = 0; i < 6; ++i) {
    const double s = sig(std::min(0.5, std::max(-0.5, z[i].item<double>())));
    expected += lambda * bce(s, y[i]) + (1 - lambda) * bce(s, y[perm[i].item<std::int64_t>()]);
  }
  expected = 4.2 * expected / 6;
  EXPECT_NEAR(got, expected, 1e-5);
  EXPECT_GT(lambda, 0.2);  // Beta(11, 11) stays near 1/2
  EXPECT_LT(lambda, 0.8);

  // After the step the batch's U samples hold sigmoid(clamp(g)) of the step's clean scores; P stays 1.
  hook->after_step(context, batch);
  EXPECT_TRUE(torch::allclose(state.pseudo_label.slice(0, 2), torch::sigmoid(scores.u.detach().clamp(-0.5, 0.5))));
  EXPECT_TRUE(torch::equal(state.pseudo_label.slice(0, 0, 2), torch::ones({2})));
}

// ---------------------------------------------------------------- (d) short synthetic runs

TEST(MethodPulda, LearnsSyntheticDataThroughBothStages) {
  // 6 epochs: warm-up epochs 1-3, mixup stage epochs 4-6.
  const auto run = pulab::test::train_text(pulda_experiment());
  const auto no_mixup = pulab::test::train_text(pulda_experiment("[regularizer.pulda_mixup]\nweight = 0.0\n"));
  ASSERT_EQ(run["epochs"].size(), 6u);
  EXPECT_EQ(run["config"]["sampler"]["name"], "stratified");
  EXPECT_EQ(run["config"]["train"]["batch_size"], 144);
  // The warm-up draws no random number and adds no penalty: the same numbers as without the mixup.
  for (int e = 0; e < 3; ++e) {
    EXPECT_EQ(run["epochs"][e]["train_objective"].get<double>(), no_mixup["epochs"][e]["train_objective"].get<double>());
    EXPECT_EQ(run["epochs"][e]["test"]["accuracy"].get<double>(), no_mixup["epochs"][e]["test"]["accuracy"].get<double>());
  }
  // From epoch 4 on the mixup is part of the objective.
  EXPECT_NE(run["epochs"][3]["train_objective"].get<double>(), no_mixup["epochs"][3]["train_objective"].get<double>());
  // The risk reads no state, so the validation "PU risk" is recorded.
  EXPECT_FALSE(run["epochs"][0]["val_pu"]["risk"].is_null());
  std::printf("[ pulda    ] synthetic: test accuracy %.4f (without the mixup stage %.4f)\n",
              run["last"]["test"]["accuracy"].get<double>(), no_mixup["last"]["test"]["accuracy"].get<double>());
  EXPECT_GE(run["last"]["test"]["accuracy"].get<double>(), 0.9);
}

TEST(MethodPulda, TheMixupStageTrainsWithANewAdamOnTheAuthorsSchedule) {
  // 6 epochs: warm-up epochs 1-3, from epoch 4 the authors' new Adam: 1e-3 after 1e-4, cosine to 0.7 of it.
  const std::string one_adam_keys =
      "[regularizer.pulda_mixup]\nfresh_optimizer = false\nstage_lr_scale = 1.0\nstage_final_lr_factor = 1.0\n"
      "stage_weight_decay_scale = 1.0\n";
  const auto staged = pulab::test::train_text(pulda_experiment());
  const auto one_adam = pulab::test::train_text(pulda_experiment(one_adam_keys));
  const double lr = staged["config"]["train"]["lr"].get<double>();
  for (std::size_t e = 0; e < 3; ++e) EXPECT_EQ(staged["epochs"][e]["lr"], one_adam["epochs"][e]["lr"]) << e + 1;
  for (std::size_t e = 3; e < 6; ++e) {
    const double stage_lr = staged["epochs"][e]["lr"].get<double>();
    EXPECT_LE(stage_lr, 10 * lr * (1 + 1e-12)) << "epoch " << e + 1;
    EXPECT_GE(stage_lr, 7 * lr * (1 - 1e-12)) << "epoch " << e + 1;
  }
  EXPECT_DOUBLE_EQ(staged["epochs"][5]["lr"].get<double>(), 7 * lr);
  EXPECT_EQ(staged["epochs"][2]["train_objective"], one_adam["epochs"][2]["train_objective"]);
  EXPECT_NE(staged["epochs"][3]["train_objective"], one_adam["epochs"][3]["train_objective"]);
  std::printf("[ pulda    ] synthetic: test accuracy %.4f with the stage's Adam, %.4f with one Adam\n",
              staged["last"]["test"]["accuracy"].get<double>(), one_adam["last"]["test"]["accuracy"].get<double>());
  // Results written before the keys existed are the one-Adam runs.
  const std::string legacy =
      pulab::config_fingerprint(pulab::test::resolve_text(pulda_experiment(one_adam_keys)).front());
  EXPECT_EQ(legacy.find("stage_lr_scale"), std::string::npos) << legacy;
  EXPECT_EQ(legacy.find("stage_final_lr_factor"), std::string::npos) << legacy;
  // Settings without the new Adam they are for: an error naming them.
  const auto msg = pulab::test::error_message(
      [] { pulab::test::make_component<pulab::Regularizer>("pulda_mixup", {{"fresh_optimizer", false}}); });
  EXPECT_NE(msg.find("stage_lr_scale"), std::string::npos) << msg;
}

TEST(MethodPulda, AResumedRunContinuesBitIdentically) {
  // Stopped after epoch 4 (inside the mixup stage: the risk's averages, the pseudo-labels and the
  // stage's start must all come back), then resumed by a fresh call, as a new process would.
  pulab::test::expect_resume_bit_identical(pulda_experiment(), 4, "pulda");
}
