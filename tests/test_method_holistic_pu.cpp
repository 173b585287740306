// Holistic-PU (plugins/holistic_pu): the risk on hand-computed tensors, the schema's errors, the
// hook's recording (per epoch and every k steps) / trend score / natural break / labels /
// re-initialisation on tiny cases driven through a stand-in TrainingContext, and short synthetic
// runs (learning, resuming in both recording modes).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "engine/results.hpp"
#include "engine/trainer.hpp"
#include "pulab/error.hpp"
#include "pulab/model.hpp"
#include "pulab/risk_estimator.hpp"
#include "pulab/sample_state.hpp"
#include "pulab/training_hook.hpp"
#include "context_double.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using pulab::ParamValue;

namespace {

double softplus(double z) { return std::log1p(std::exp(z)); }
double sig(double z) { return 1 / (1 + std::exp(-z)); }

// A TrainingContext with prescribed scores: score(ids) returns logit(prob) of the U rows of
// `probs` (the probabilities set for the current epoch), so the hook records exactly `probs`.
class FakeContext final : public pulab::test::ContextDouble {
 public:
  FakeContext(std::int64_t n_p, std::int64_t n_u, std::int64_t epochs) : ContextDouble(n_p, n_u, 0.5, epochs), n_p_(n_p) {
    x = torch::zeros({n_p + n_u, 3});
    x_val = val_labeled = x;
    run_model = pulab::test::make_component<pulab::ScoreModel>("linear", {}, {3});
  }
  void set_probs(const std::vector<double>& probs) {
    const auto p = torch::tensor(probs, torch::kDouble);
    logits_ = torch::log(p / (1 - p)).to(torch::kFloat);
  }
  void set_epoch(std::int64_t epoch) { now = {0, 1, epoch}; }
  // Step-wise driving: 0-based `iteration` of `total` steps, in 0-based `epoch`.
  void set_progress(std::int64_t iteration, std::int64_t total, std::int64_t epoch) { now = {iteration, total, epoch}; }

  // The scores of U samples are the logits of the probabilities set_probs gave.
  torch::Tensor score(const torch::Tensor& ids, pulab::ScoreModel* = nullptr) override {
    return logits_.index_select(0, ids - n_p_);
  }
  void set_prior(double prior) override {
    prior_ = prior;
    ++prior_writes;
  }
  std::shared_ptr<pulab::ScoreModel> create_model(const std::string& key) override {
    created_keys.push_back(key);
    created = pulab::test::make_component<pulab::ScoreModel>("linear", {}, {3});
    return created;
  }

  std::shared_ptr<pulab::ScoreModel> created;
  std::vector<std::string> created_keys;
  int prior_writes = 0;

 private:
  std::int64_t n_p_;
  torch::Tensor logits_;
};

// Runs the hook through recording epochs with the given probabilities (probs[e][i]: U sample i
// after epoch e + 1), i.e. on_epoch_start / on_epoch_end of epochs 0..probs.size()-1.
void record(pulab::TrainingHook& hook, FakeContext& context, const std::vector<std::vector<double>>& probs) {
  for (std::size_t e = 0; e < probs.size(); ++e) {
    context.set_epoch(std::int64_t(e));
    hook.on_epoch_start(context);
    context.set_probs(probs[e]);
    hook.on_epoch_end(context);
  }
}

// Runs the hook step by step through `total` optimizer steps in epochs of `per_epoch` steps
// (on_epoch_start before an epoch's first step, after_step after each, on_epoch_end after its
// last); before step s (1-based) the context's scores are probs_at(s). `after(s)` runs after
// each step's hook calls.
template <class Probs, class After>
void drive_steps(pulab::TrainingHook& hook, FakeContext& context, std::int64_t first, std::int64_t total,
                 std::int64_t per_epoch, Probs probs_at, After after) {
  for (std::int64_t s = first; s <= total; ++s) {
    const std::int64_t epoch = (s - 1) / per_epoch;
    context.set_progress(epoch * per_epoch, total, epoch);
    if ((s - 1) % per_epoch == 0) hook.on_epoch_start(context);
    context.set_probs(probs_at(s));
    context.set_progress(s - 1, total, epoch);
    hook.after_step(context, pulab::Batch{});
    if (s % per_epoch == 0) hook.on_epoch_end(context);
    after(s);
  }
}

std::string PredictiveTrendColumn(std::int64_t record) { return "holistic_pu_score_" + std::to_string(record); }

std::vector<double> u_values(FakeContext& context, const std::string& column) {
  const auto& state = context.state();
  const auto c = (column == "pseudo_label" ? state.pseudo_label : context.state().column(column))
                     .index_select(0, state.unlabeled_ids())
                     .to(torch::kDouble)
                     .contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

const std::string kSyntheticBase = pulab::test::synthetic_methods_base("holistic_pu_test", 5, false);

// The synthetic base with experiments/methods/holistic_pu.toml on top and `extra` after it.
std::string holistic_experiment(const std::string& extra) {
  const fs::path base = pulab::test::temp_dir("holistic_pu_base") / "base.toml";
  std::ofstream(base) << kSyntheticBase;
  const fs::path method = fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "holistic_pu.toml";
  return "base = [\"" + base.string() + "\", \"" + method.string() + "\"]\n" + extra;
}

}  // namespace

// ---------------------------------------------------------------- the risk

TEST(MethodHolisticPu, RiskIsTheCrossEntropyAgainstThePseudoLabels) {
  auto risk = pulab::test::make_component<pulab::RiskEstimator>("holistic_pu");
  EXPECT_EQ(risk->state_use().reads, std::vector<std::string>{"pseudo_label"});
  pulab::SampleState state(2, 3, 0.4, torch::kCPU);
  state.pseudo_label[2] = 1.0f;   // U id 2: labeled positive
  state.pseudo_label[3] = 0.0f;   // U id 3: negative
  state.pseudo_label[4] = 0.25f;  // U id 4: a soft target (a label ramp)
  pulab::Batch batch;
  batch.state = &state;
  batch.ids_p = torch::tensor({0L, 1L});
  batch.ids_u = torch::tensor({2L, 3L, 4L});
  const pulab::Scores scores{torch::tensor({0.5, -1.0}, torch::kDouble).requires_grad_(true),
                             torch::tensor({2.0, -0.3, 0.1}, torch::kDouble).requires_grad_(true)};
  const torch::Tensor no_weights;
  // Logistic loss: l(z, +1) = log(1 + e^-z), l(z, -1) = log(1 + e^z).
  const double positive = (softplus(-0.5) + softplus(1.0)) / 2;
  const double unlabeled = (softplus(-2.0) + softplus(-0.3) + 0.25 * softplus(-0.1) + 0.75 * softplus(0.1)) / 3;
  auto out = risk->compute({scores, no_weights, 0.4, batch});
  EXPECT_NEAR(out.objective.item<double>(), positive + unlabeled, 1e-12);
  EXPECT_NEAR(out.reported.item<double>(), positive + unlabeled, 1e-12);
  // The gradient of the U term is (sigmoid(g) - y~) / |U|: a target of 1 pulls g up, 0 down.
  out.objective.backward();
  const double g_u[] = {2.0, -0.3, 0.1}, y[] = {1.0, 0.0, 0.25};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(scores.u.grad()[i].item<double>(), (sig(g_u[i]) - y[i]) / 3, 1e-12);
  // No prior enters: another prior gives the same objective.
  EXPECT_EQ(risk->compute({scores, no_weights, 0.9, batch}).objective.item<double>(), out.objective.item<double>());

  // Positive weights multiply the positives' terms.
  const auto weights = torch::tensor({2.0, 0.5}, torch::kDouble);
  const double weighted = (2.0 * softplus(-0.5) + 0.5 * softplus(1.0)) / 2 + unlabeled;
  EXPECT_NEAR(risk->compute({scores, weights, 0.4, batch}).objective.item<double>(), weighted, 1e-12);

  // Another margin loss: sigmoid, l(z, y) = sigmoid(-y z).
  auto sigmoid_risk = pulab::test::make_component<pulab::RiskEstimator>("holistic_pu", {{"loss", std::string("sigmoid")}});
  const double expected = (sig(-0.5) + sig(1.0)) / 2 + (sig(-2.0) + sig(-0.3) + 0.25 * sig(-0.1) + 0.75 * sig(0.1)) / 3;
  EXPECT_NEAR(sigmoid_risk->compute({scores, no_weights, 0.4, batch}).objective.item<double>(), expected, 1e-12);
}

// ---------------------------------------------------------------- parameters

TEST(MethodHolisticPu, SchemaErrorsNameTheKey) {
  const std::map<std::string, std::string> bad{{"record_epochs = 1", "record_epochs"},
                                               {"trend = \"median\"", "trend"},
                                               {"alpha = 0.0", "alpha"},
                                               {"label_ramp = -1.0", "label_ramp"},
                                               {"break_cap = 3.0", "break_cap"},
                                               {"record_every_steps = -1", "record_every_steps"}};
  for (const auto& [line, key] : bad) {
    const std::string message = pulab::test::error_message(
        [&] { pulab::test::resolve_text(holistic_experiment("[hook.predictive_trend]\n" + line + "\n")); });
    EXPECT_NE(message.find(key), std::string::npos) << line << ": " << message;
  }
  // The composition's own values resolve.
  EXPECT_NO_THROW(pulab::test::resolve_text(holistic_experiment("")));
  // Recording every epoch leaves none to train on the labels: refused at run start, naming the key.
  auto hook = pulab::test::make_component<pulab::TrainingHook>("predictive_trend", {{"record_epochs", std::int64_t{5}}});
  FakeContext context(1, 4, 5);
  const std::string message = pulab::test::error_message([&] { hook->on_run_start(context); });
  EXPECT_NE(message.find("hook.predictive_trend.record_epochs = 5"), std::string::npos) << message;
  EXPECT_NE(message.find("train.epochs = 5"), std::string::npos) << message;
  // Recording every k steps: T k must leave steps for phase 2 (here 5 x 2 = 10 of 10 steps).
  auto stepwise = pulab::test::make_component<pulab::TrainingHook>(
      "predictive_trend", {{"record_epochs", std::int64_t{5}}, {"record_every_steps", std::int64_t{2}}});
  FakeContext steps_context(1, 4, 2);
  steps_context.set_progress(0, 10, 0);
  const std::string steps_message = pulab::test::error_message([&] { stepwise->on_run_start(steps_context); });
  EXPECT_NE(steps_message.find("hook.predictive_trend.record_epochs = 5"), std::string::npos) << steps_message;
  EXPECT_NE(steps_message.find("hook.predictive_trend.record_every_steps = 2"), std::string::npos) << steps_message;
  EXPECT_NE(steps_message.find("10 steps"), std::string::npos) << steps_message;
  // 4 x 2 = 8 < 10 is accepted.
  auto fits = pulab::test::make_component<pulab::TrainingHook>("predictive_trend",
                                        {{"record_epochs", std::int64_t{4}}, {"record_every_steps", std::int64_t{2}}});
  EXPECT_NO_THROW(fits->on_run_start(steps_context));
}

TEST(MethodHolisticPu, DeclaresWhatItWrites) {
  auto hook = pulab::test::make_component<pulab::TrainingHook>("predictive_trend", {{"record_epochs", std::int64_t{3}}});
  const auto use = hook->state_use();
  const std::vector<std::string> writes{"pseudo_label",         "holistic_pu_trend",    "holistic_pu_label",
                                        "holistic_pu_score_1", "holistic_pu_score_2", "holistic_pu_score_3"};
  EXPECT_EQ(use.writes, writes);
  EXPECT_TRUE(use.reads.empty());
  EXPECT_FALSE(use.writes_prior);
  EXPECT_FALSE(use.oracle);
  EXPECT_TRUE(pulab::test::make_component<pulab::TrainingHook>("predictive_trend", {{"write_prior", true}})->state_use().writes_prior);
}

// ---------------------------------------------------------------- the hook on tiny cases

TEST(MethodHolisticPu, RecordsScoresThenLabelsByTheNaturalBreakOfTheTrends) {
  // n_p = 1, four U samples, T = 3 recorded epochs of 5, Catoni's trend with alpha = 1.
  auto hook = pulab::test::make_component<pulab::TrainingHook>("predictive_trend", {{"record_epochs", std::int64_t{3}}, {"write_prior", true}});
  FakeContext context(1, 4, 5);
  hook->on_run_start(context);
  // U is negative while recording; the labeled positive keeps 1.
  EXPECT_EQ(u_values(context, "pseudo_label"), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(context.state().pseudo_label[0].item<float>(), 1.0f);
  EXPECT_EQ(context.created_keys, std::vector<std::string>{"predictive_trend.initial"});
  const auto before = context.model().parameters()[0].clone();

  // Columns: A falls 0.60 -> 0.45 -> 0.30 (changes -0.15, -0.15), B 0.5 -> 0.4 -> 0.2 (-0.1, -0.2),
  // C 0.5 -> 0.7 -> 0.6 (+0.2, -0.1), D 0.3 -> 0.5 -> 0.55 (+0.2, +0.05). psi is odd, so with two
  // changes Catoni's mu is their midpoint: trends -0.15, -0.15, 0.05, 0.125.
  record(*hook, context, {{0.60, 0.5, 0.5, 0.3}, {0.45, 0.4, 0.7, 0.5}, {0.30, 0.2, 0.6, 0.55}});
  const auto second = u_values(context, "holistic_pu_score_2");
  const double expected_second[] = {0.45, 0.4, 0.7, 0.5};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(second[i], expected_second[i], 1e-6);
  const auto trend = u_values(context, "holistic_pu_trend");
  const double expected_trend[] = {-0.15, -0.15, 0.05, 0.125};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(trend[i], expected_trend[i], 1e-6) << i;
  // Splits of the sorted trends (-0.15, -0.15 | 0.05, 0.125): squared deviations 0 + 0.0028125,
  // against 0.0404167 after one value and 0.0266667 after three: the break is -0.15.
  EXPECT_EQ(u_values(context, "holistic_pu_label"), (std::vector<double>{0, 0, 1, 1}));
  EXPECT_EQ(context.prior(), 0.5);  // write_prior: 2 of 4 labeled positive
  EXPECT_EQ(context.prior_writes, 1);
  // The labels reach the risk only from the next epoch on; the model is still phase 1's.
  EXPECT_EQ(u_values(context, "pseudo_label"), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_TRUE(torch::equal(context.model().parameters()[0], before));
  EXPECT_EQ(context.optimizer_resets, 0);

  context.set_epoch(3);
  hook->on_epoch_start(context);
  EXPECT_EQ(u_values(context, "pseudo_label"), (std::vector<double>{0, 0, 1, 1}));
  EXPECT_EQ(context.optimizer_resets, 1);  // phase 2 trains with a new Adam
  // Phase 2 starts from the fresh model's parameters.
  const auto params = context.model().parameters(), fresh = context.created->parameters();
  ASSERT_EQ(params.size(), fresh.size());
  EXPECT_FALSE(torch::equal(params[0], before));
  for (std::size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(torch::equal(params[i], fresh[i])) << i;
  // Later epochs neither record nor re-initialise.
  context.set_probs({0.9, 0.9, 0.9, 0.9});
  hook->on_epoch_end(context);
  EXPECT_NEAR(u_values(context, "holistic_pu_score_3")[0], 0.30, 1e-6);
  EXPECT_EQ(context.prior_writes, 1);
  context.set_epoch(4);
  hook->on_epoch_start(context);
  EXPECT_EQ(context.optimizer_resets, 1);
}

TEST(MethodHolisticPu, CatoniTrendDampsAnOutlierAndSimplifiedIsTheAuthorsForm) {
  // One U sample, scores 0.3, 0.2, 0.1, 0.9: changes -0.1, -0.1, +0.8 (mean 0.2).
  // Catoni: the mu with 2 psi(-0.1 - mu) + psi(0.8 - mu) = 0, psi(x) = sign(x) log(1 + |x| + x^2/2),
  // is 0.19428930 (bisection in double, by hand); with alpha = 1e-3 it is the mean to 1e-8.
  // Simplified: (2 log(1 - 0.1 + 0.005) + log(1 + 0.8 + 0.32)) / 3 = 0.18392514.
  const std::vector<std::vector<double>> probs{{0.3, 0.5}, {0.2, 0.5}, {0.1, 0.5}, {0.9, 0.5}};
  auto trend_of = [&](const std::map<std::string, ParamValue>& set) {
    auto params = set;
    params["record_epochs"] = std::int64_t{4};
    auto hook = pulab::test::make_component<pulab::TrainingHook>("predictive_trend", params);
    FakeContext context(1, 2, 6);
    hook->on_run_start(context);
    record(*hook, context, probs);
    return u_values(context, "holistic_pu_trend")[0];
  };
  const double catoni = trend_of({});
  EXPECT_NEAR(catoni, 0.19428930, 1e-5);
  // The defining equation holds at the estimate.
  auto psi = [](double x) { return std::copysign(std::log1p(std::fabs(x) + x * x / 2), x); };
  EXPECT_NEAR(2 * psi(-0.1 - catoni) + psi(0.8 - catoni), 0.0, 2e-5);
  EXPECT_NEAR(trend_of({{"alpha", 1e-3}}), 0.2, 1e-5);
  EXPECT_NEAR(trend_of({{"trend", std::string("simplified")}}), 0.18392514, 1e-5);
}

TEST(MethodHolisticPu, BreakCapRefitsAPositiveBreak) {
  // T = 2: each trend is the single change (Catoni's mu of one value): 0.01, 0.02, 0.30, 0.32.
  // The break falls after 0.02 (> 0); with break_cap = 0.25 it is found again among 0.01, 0.02: 0.01.
  const std::vector<std::vector<double>> probs{{0.5, 0.5, 0.5, 0.5}, {0.51, 0.52, 0.80, 0.82}};
  auto labels = [&](double cap) {
    auto hook = pulab::test::make_component<pulab::TrainingHook>("predictive_trend", {{"record_epochs", std::int64_t{2}}, {"break_cap", cap}});
    FakeContext context(1, 4, 4);
    hook->on_run_start(context);
    record(*hook, context, probs);
    return u_values(context, "holistic_pu_label");
  };
  EXPECT_EQ(labels(0.0), (std::vector<double>{0, 0, 1, 1}));
  EXPECT_EQ(labels(0.25), (std::vector<double>{0, 1, 1, 1}));
}

TEST(MethodHolisticPu, LabelRampAndNoReinitialisation) {
  // label_ramp = 1 over a run of 6 epochs with T = 2: phase-2 epochs 2, 3, 4, 5 (0-based) give
  // lambda = 0, 1/4, 2/4, 3/4 times the label.
  auto hook = pulab::test::make_component<pulab::TrainingHook>("predictive_trend", {{"record_epochs", std::int64_t{2}},
                                                             {"label_ramp", 1.0},
                                                             {"reinitialize", false},
                                                             {"fresh_optimizer", false}});
  FakeContext context(1, 2, 6);
  hook->on_run_start(context);
  EXPECT_TRUE(context.created_keys.empty());
  const auto before = context.model().parameters()[0].clone();
  record(*hook, context, {{0.5, 0.5}, {0.2, 0.7}});
  EXPECT_EQ(u_values(context, "holistic_pu_label"), (std::vector<double>{0, 1}));
  const double lambdas[] = {0.0, 0.25, 0.5, 0.75};
  for (int e = 2; e < 6; ++e) {
    context.set_epoch(e);
    hook->on_epoch_start(context);
    EXPECT_NEAR(u_values(context, "pseudo_label")[1], lambdas[e - 2], 1e-7) << "epoch " << e;
    EXPECT_EQ(u_values(context, "pseudo_label")[0], 0.0);
  }
  EXPECT_TRUE(torch::equal(context.model().parameters()[0], before));
  EXPECT_EQ(context.optimizer_resets, 0);
}

TEST(MethodHolisticPu, RecordsEveryKStepsAndSwitchesRightAfterRecordT) {
  // T = 3 records every k = 2 steps of a run of 10 steps in 2 epochs of 5: records after steps 2,
  // 4 and 6 (the last mid-epoch), with the scores of the tiny case above at those steps and
  // decoys (0.99 / 0.01) at every other step, so a record at a wrong step changes the trends.
  const std::map<std::int64_t, std::vector<double>> at{
      {2, {0.60, 0.5, 0.5, 0.3}}, {4, {0.45, 0.4, 0.7, 0.5}}, {6, {0.30, 0.2, 0.6, 0.55}}};
  auto probs_at = [&](std::int64_t s) {
    const auto it = at.find(s);
    return it == at.end() ? std::vector<double>{0.99, 0.01, 0.99, 0.01} : it->second;
  };
  auto hook = pulab::test::make_component<pulab::TrainingHook>("predictive_trend", {{"record_epochs", std::int64_t{3}},
                                                             {"record_every_steps", std::int64_t{2}},
                                                             {"write_prior", true}});
  FakeContext context(1, 4, 2);
  context.set_progress(0, 10, 0);
  hook->on_run_start(context);
  const auto before = context.model().parameters()[0].clone();
  drive_steps(*hook, context, 1, 10, 5, probs_at, [&](std::int64_t s) {
    if (s < 6) {
      // Recording: U stays negative, the model is phase 1's, nothing labeled yet.
      EXPECT_EQ(u_values(context, "pseudo_label"), (std::vector<double>{0, 0, 0, 0})) << "step " << s;
      EXPECT_TRUE(torch::equal(context.model().parameters()[0], before)) << "step " << s;
      EXPECT_EQ(context.prior_writes, 0) << "step " << s;
      EXPECT_EQ(context.optimizer_resets, 0) << "step " << s;
    } else if (s == 6) {
      // Record T: labels, prior and the switch to phase 2 at once, mid-epoch.
      EXPECT_EQ(u_values(context, "holistic_pu_label"), (std::vector<double>{0, 0, 1, 1}));
      EXPECT_EQ(u_values(context, "pseudo_label"), (std::vector<double>{0, 0, 1, 1}));
      EXPECT_EQ(context.prior(), 0.5);
      EXPECT_EQ(context.prior_writes, 1);
      EXPECT_EQ(context.optimizer_resets, 1);
      const auto params = context.model().parameters(), fresh = context.created->parameters();
      for (std::size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(torch::equal(params[i], fresh[i])) << i;
      // Phase 2 trains the model on: a later re-initialisation would undo this.
      torch::NoGradGuard no_grad;
      context.model().parameters()[0].add_(1.0);
    } else {
      EXPECT_EQ(context.prior_writes, 1) << "step " << s;
      EXPECT_EQ(u_values(context, "pseudo_label"), (std::vector<double>{0, 0, 1, 1})) << "step " << s;
    }
  });
  // Exactly T records, each the scores of its step; epoch ends recorded nothing.
  for (std::int64_t r = 1; r <= 3; ++r) {
    const auto column = u_values(context, PredictiveTrendColumn(r));
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(column[i], at.at(2 * r)[i], 1e-6) << "record " << r << " sample " << i;
  }
  EXPECT_EQ(context.state().extra_columns().count(PredictiveTrendColumn(4)), 0u);
  const auto trend = u_values(context, "holistic_pu_trend");
  const double expected_trend[] = {-0.15, -0.15, 0.05, 0.125};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(trend[i], expected_trend[i], 1e-6) << i;
  EXPECT_TRUE(torch::equal(context.model().parameters()[0], context.created->parameters()[0] + 1.0));
  EXPECT_EQ(context.created_keys.size(), 1u);
  EXPECT_EQ(context.optimizer_resets, 1);
}

TEST(MethodHolisticPu, StepCountSurvivesACheckpoint) {
  // The same case stopped after epoch 1 (5 steps, records 1 and 2 taken): a new hook that loads
  // the saved archive takes record 3 at step 6; one that does not would count from 0 and not
  // label at all.
  const std::map<std::int64_t, std::vector<double>> at{
      {2, {0.60, 0.5, 0.5, 0.3}}, {4, {0.45, 0.4, 0.7, 0.5}}, {6, {0.30, 0.2, 0.6, 0.55}}};
  auto probs_at = [&](std::int64_t s) {
    const auto it = at.find(s);
    return it == at.end() ? std::vector<double>{0.99, 0.01, 0.99, 0.01} : it->second;
  };
  const std::map<std::string, ParamValue> params{{"record_epochs", std::int64_t{3}},
                                                 {"record_every_steps", std::int64_t{2}}};
  auto nothing = [](std::int64_t) {};
  auto resumed_labels = [&](bool load) {
    FakeContext context(1, 4, 2);
    context.set_progress(0, 10, 0);
    auto first = pulab::test::make_component<pulab::TrainingHook>("predictive_trend", params);
    first->on_run_start(context);
    drive_steps(*first, context, 1, 5, 5, probs_at, nothing);
    torch::serialize::OutputArchive out;
    first->save(out);
    std::stringstream bytes;
    out.save_to(bytes);
    auto second = pulab::test::make_component<pulab::TrainingHook>("predictive_trend", params);
    context.set_progress(0, 10, 0);
    second->on_run_start(context);  // as the engine does before it restores a checkpoint
    if (load) {
      torch::serialize::InputArchive in;
      in.load_from(bytes);
      second->load(in);
    }
    drive_steps(*second, context, 6, 10, 5, probs_at, nothing);
    return u_values(context, "pseudo_label");
  };
  EXPECT_EQ(resumed_labels(true), (std::vector<double>{0, 0, 1, 1}));
  EXPECT_EQ(resumed_labels(false), (std::vector<double>{0, 0, 0, 0}));
}

TEST(MethodHolisticPu, StepRecordingRampsTheLabelsOverTheRemainingSteps) {
  // T = 2 records every 2 steps of 12 (4 epochs of 3), label_ramp = 1: phase 2 starts after step
  // 4 (mid epoch 2) with lambda = 0; at the start of epoch 3 (6 steps done) lambda = 2/8, of
  // epoch 4 (9 done) 5/8. Trends: sample 0 falls 0.5 -> 0.2, sample 1 rises 0.5 -> 0.7: labels 0, 1.
  auto hook = pulab::test::make_component<pulab::TrainingHook>("predictive_trend", {{"record_epochs", std::int64_t{2}},
                                                             {"record_every_steps", std::int64_t{2}},
                                                             {"label_ramp", 1.0},
                                                             {"reinitialize", false}});
  FakeContext context(1, 2, 4);
  context.set_progress(0, 12, 0);
  hook->on_run_start(context);
  EXPECT_TRUE(context.created_keys.empty());
  auto probs_at = [](std::int64_t s) {
    return s == 2 ? std::vector<double>{0.5, 0.5} : s == 4 ? std::vector<double>{0.2, 0.7} : std::vector<double>{0.9, 0.1};
  };
  const std::map<std::int64_t, double> lambda{{4, 0.0}, {6, 0.0}, {7, 0.25}, {9, 0.25}, {10, 0.625}, {12, 0.625}};
  drive_steps(*hook, context, 1, 12, 3, probs_at, [&](std::int64_t s) {
    const auto it = lambda.find(s);
    if (it == lambda.end()) return;
    EXPECT_NEAR(u_values(context, "pseudo_label")[1], it->second, 1e-7) << "step " << s;
    EXPECT_EQ(u_values(context, "pseudo_label")[0], 0.0) << "step " << s;
  });
  EXPECT_EQ(u_values(context, "holistic_pu_label"), (std::vector<double>{0, 1}));
}

// ---------------------------------------------------------------- short runs on synthetic data

TEST(MethodHolisticPu, LearnsSyntheticDataInFiveEpochs) {
  // Per epoch: T = 2 recorded epochs, then 3 epochs of a fresh model on the trend labels. Per
  // steps: the composition's record_every_steps = 8 with T = 2 (the override of
  // MethodsTraining.EveryCompositionLearnsSyntheticData), labels after step 16 of 210. Chance is
  // ~0.5; the recording phase alone (P vs U as negative, balanced batches) reaches ~0.95 here.
  for (const char* extra : {"[hook.predictive_trend]\nrecord_epochs = 2\nrecord_every_steps = 0\n",
                            "[hook.predictive_trend]\nrecord_epochs = 2\n"}) {
    const auto r = pulab::test::train_text(holistic_experiment(extra));
    ASSERT_EQ(r["epochs"].size(), 5u);
    const double accuracy = r["last"]["test"]["accuracy"].get<double>();
    std::printf("[ holistic ] synthetic, record_every_steps = %lld: test accuracy per epoch %.4f %.4f %.4f %.4f %.4f\n",
                static_cast<long long>(r["config"]["hook"]["predictive_trend"]["record_every_steps"].get<std::int64_t>()),
                r["epochs"][0]["test"]["accuracy"].get<double>(), r["epochs"][1]["test"]["accuracy"].get<double>(),
                r["epochs"][2]["test"]["accuracy"].get<double>(), r["epochs"][3]["test"]["accuracy"].get<double>(),
                accuracy);
    EXPECT_GE(accuracy, 0.9) << extra;
    // The prior the run was given is never touched (write_prior = false).
    for (const auto& e : r["epochs"]) EXPECT_EQ(e["prior"].get<double>(), r["epochs"][0]["prior"].get<double>());
  }
}

TEST(MethodHolisticPu, ARunResumedAfterTheLabelsIsBitIdentical) {
  // Stopped after epoch 2 = T: the checkpoint holds the score columns, the labels and the fresh
  // model that phase 2 starts from; the resumed run must continue exactly.
  const std::string text = holistic_experiment(
      "[hook.predictive_trend]\nrecord_epochs = 2\nrecord_every_steps = 0\nwrite_prior = true\n");
  auto run = [&](const fs::path& dir, std::int64_t stop_after) {
    auto specs = pulab::test::resolve_text(text, {"output_dir=" + dir.string()});
    pulab::TrainOptions options;
    options.quiet = true;
    options.threads = 1;
    options.max_epochs_this_call = stop_after;
    const auto status = pulab::train_run(specs.front(), pulab::test::builtin_host(), options);
    if (stop_after > 0) {
      EXPECT_EQ(status, pulab::RunStatus::Interrupted);
      options.max_epochs_this_call = -1;
      EXPECT_EQ(pulab::train_run(specs.front(), pulab::test::builtin_host(), options), pulab::RunStatus::Finished);
    }
    return pulab::test::read_json(pulab::result_path(specs.front()));
  };
  const auto whole = run(pulab::test::temp_dir("holistic_whole"), -1);
  const auto resumed = run(pulab::test::temp_dir("holistic_resumed"), 2);
  EXPECT_EQ(resumed["resumed_from_epoch"], 2);
  ASSERT_EQ(whole["epochs"].size(), resumed["epochs"].size());
  for (std::size_t e = 0; e < whole["epochs"].size(); ++e) {
    for (const char* key : {"train_risk", "prior"}) {
      EXPECT_EQ(whole["epochs"][e][key].get<double>(), resumed["epochs"][e][key].get<double>()) << key << " " << e;
    }
    EXPECT_EQ(whole["epochs"][e]["test"]["accuracy"].get<double>(), resumed["epochs"][e]["test"]["accuracy"].get<double>())
        << e;
  }
  // write_prior: from epoch 2 on the prior is the share of U labeled positive, not the given one.
  EXPECT_NE(whole["epochs"][0]["prior"].get<double>(), whole["epochs"][1]["prior"].get<double>());
}

TEST(MethodHolisticPu, StepRecordingLearnsAndResumesBitIdentically) {
  // 42 steps per epoch here; T = 4 records every 15 steps: steps 15, 30 (epoch 1), 45, 60 (epoch
  // 2), phase 2 from step 61 on. Stopped after epoch 1 (mid-recording: the hook's step count and
  // two score columns come from the checkpoint) and after epoch 2 (after the mid-epoch switch),
  // the resumed runs must continue exactly.
  const std::string text = holistic_experiment(
      "[hook.predictive_trend]\nrecord_epochs = 4\nrecord_every_steps = 15\nwrite_prior = true\n");
  auto run = [&](const fs::path& dir, std::int64_t stop_after) {
    auto specs = pulab::test::resolve_text(text, {"output_dir=" + dir.string()});
    pulab::TrainOptions options;
    options.quiet = true;
    options.threads = 1;
    options.max_epochs_this_call = stop_after;
    const auto status = pulab::train_run(specs.front(), pulab::test::builtin_host(), options);
    if (stop_after > 0) {
      EXPECT_EQ(status, pulab::RunStatus::Interrupted);
      options.max_epochs_this_call = -1;
      EXPECT_EQ(pulab::train_run(specs.front(), pulab::test::builtin_host(), options), pulab::RunStatus::Finished);
    }
    return pulab::test::read_json(pulab::result_path(specs.front()));
  };
  const auto whole = run(pulab::test::temp_dir("holistic_steps_whole"), -1);
  ASSERT_EQ(whole["epochs"].size(), 5u);
  std::printf("[ holistic ] synthetic, every 15 steps: test accuracy per epoch %.4f %.4f %.4f %.4f %.4f\n",
              whole["epochs"][0]["test"]["accuracy"].get<double>(), whole["epochs"][1]["test"]["accuracy"].get<double>(),
              whole["epochs"][2]["test"]["accuracy"].get<double>(), whole["epochs"][3]["test"]["accuracy"].get<double>(),
              whole["last"]["test"]["accuracy"].get<double>());
  EXPECT_GE(whole["last"]["test"]["accuracy"].get<double>(), 0.9);
  // write_prior: the labels (and the prior) change within epoch 2, so its record has the new prior.
  EXPECT_NE(whole["epochs"][0]["prior"].get<double>(), whole["epochs"][1]["prior"].get<double>());
  for (std::int64_t stop : {1, 2}) {
    const auto resumed = run(pulab::test::temp_dir("holistic_steps_resumed_" + std::to_string(stop)), stop);
    EXPECT_EQ(resumed["resumed_from_epoch"], stop);
    ASSERT_EQ(whole["epochs"].size(), resumed["epochs"].size());
    for (std::size_t e = 0; e < whole["epochs"].size(); ++e) {
      for (const char* key : {"train_risk", "prior"}) {
        EXPECT_EQ(whole["epochs"][e][key].get<double>(), resumed["epochs"][e][key].get<double>())
            << key << " " << e << " (stopped after " << stop << ")";
      }
      EXPECT_EQ(whole["epochs"][e]["test"]["accuracy"].get<double>(),
                resumed["epochs"][e]["test"]["accuracy"].get<double>())
          << e << " (stopped after " << stop << ")";
    }
  }
}
