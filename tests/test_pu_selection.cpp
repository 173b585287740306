// Model selection without negatives: the PU-only criteria of an epoch (proxy accuracy, Lee & Liu,
// the run's own risk on validation) on hand-computed scores; evaluation reads no label of
// validation U and draws no random number; result files carry the criteria; `pulab report
// --select-by` each criterion and `--selection` on hand-made result files; the errors.
#include <cmath>
#include <cstdlib>
#include <map>
#include <fstream>
#include <limits>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "engine/evaluation.hpp"
#include "engine/pu_criteria.hpp"
#include "engine/results.hpp"
#include "report/criteria.hpp"
#include "report/pu_selection.hpp"
#include "report/report.hpp"
#include "report/select.hpp"
#include "test_support.hpp"

namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// Ten validation samples, the first four labeled positives (the PU view):
//   labeled scores     2, 1, -1, 0.5             -> 3 of 4 above 0: TPR^ = 0.75
//   unlabeled scores   3, -0.5, 0.2, -1.5, 0.1, 0 -> 3 of 6 above 0 (0 is not > 0): r_u = 0.5
// all ten: 6 above 0, P(y^=1) = 0.6.
torch::Tensor hand_scores() { return torch::tensor({2.0, 1.0, -1.0, 0.5, 3.0, -0.5, 0.2, -1.5, 0.1, 0.0}, torch::kFloat); }
torch::Tensor hand_labeled() {
  return torch::tensor({true, true, true, true, false, false, false, false, false, false}, torch::kBool);
}

double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

}  // namespace

// ---------------------------------------------------------------- the criteria of one epoch

TEST(PuSelection, ProxyAccuracyAndLeeLiuOnHandComputedScores) {
  pulab::PuCriteria c;
  // Threshold 0, prior 0.4: PA = 1 - 0.4 - 0.5 + 2 * 0.4 * 0.75 = 0.7; Lee & Liu = 0.75^2 / 0.6 = 0.9375.
  pulab::decision_criteria(hand_scores(), hand_labeled(), 0.0, 0.4, c);
  ASSERT_TRUE(c.proxy_accuracy && c.lee_liu);
  EXPECT_NEAR(*c.proxy_accuracy, 0.7, 1e-12);
  EXPECT_NEAR(*c.lee_liu, 0.9375, 1e-12);

  // Threshold 0.15: labeled 2, 1, 0.5 still positive (TPR^ 0.75); unlabeled 3, 0.2 (r_u = 1/3);
  // P(y^=1) = 0.5. PA = 0.6 - 1/3 + 0.6 = 13/15; Lee & Liu = 0.5625 / 0.5 = 1.125.
  pulab::decision_criteria(hand_scores(), hand_labeled(), 0.15, 0.4, c);
  EXPECT_NEAR(*c.proxy_accuracy, 13.0 / 15.0, 1e-12);
  EXPECT_NEAR(*c.lee_liu, 1.125, 1e-12);

  // Nothing called positive (threshold 10): TPR^ = r_u = 0, PA = 1 - prior = 0.6; Lee & Liu is defined as 0.
  pulab::decision_criteria(hand_scores(), hand_labeled(), 10.0, 0.4, c);
  EXPECT_NEAR(*c.proxy_accuracy, 0.6, 1e-12);
  EXPECT_EQ(*c.lee_liu, 0.0);

  // No prior: no PA (Lee & Liu needs none). No labeled positive: neither.
  pulab::decision_criteria(hand_scores(), hand_labeled(), 0.0, std::numeric_limits<double>::quiet_NaN(), c);
  EXPECT_FALSE(c.proxy_accuracy.has_value());
  EXPECT_NEAR(*c.lee_liu, 0.9375, 1e-12);
  pulab::decision_criteria(hand_scores(), torch::zeros({10}, torch::kBool), 0.0, 0.4, c);
  EXPECT_FALSE(c.proxy_accuracy.has_value());
  EXPECT_FALSE(c.lee_liu.has_value());
}

namespace {

std::shared_ptr<pulab::RiskEstimator> make_risk(const std::string& name) {
  const auto specs = pulab::test::resolve_text(pulab::test::quickstart_text(), {"risk.name=" + name});
  const auto* c = pulab::test::builtin_host().registries().risks.find(name);
  if (!c) throw std::runtime_error("no risk " + name);
  return c->factory(specs.front().risk.params, {});
}

// A risk that reads per-sample state, and an oracle: neither can be evaluated on validation.
class StateRisk : public pulab::RiskEstimator {
 public:
  pulab::RiskOutput compute(const pulab::RiskInput&) override { throw std::logic_error("must not be called"); }
  pulab::StateUse state_use() const override { return {{"weight"}, {}, false, false}; }
};
class OracleRisk : public pulab::RiskEstimator {
 public:
  pulab::RiskOutput compute(const pulab::RiskInput&) override { throw std::logic_error("must not be called"); }
  pulab::StateUse state_use() const override { return {{}, {}, false, true}; }
};

}  // namespace

TEST(PuSelection, TheRunsRiskOnValidationPositivesVersusUnlabeled) {
  const auto x_val = torch::zeros({10, 3});
  auto nnpu = make_risk("nnpu");  // sigmoid loss: l(g, +1) = sigmoid(-g), l(g, -1) = sigmoid(g)
  // prior 0.4: P = 0.4 * mean_P sigmoid(-g) = 0.149674..., N = mean_U sigmoid(g) - 0.4 * mean_P sigmoid(g)
  // = 0.514519... - 0.250287... = 0.264233... > 0: the reported risk is P + N = 0.413908...
  auto s = [](double z) { return sigmoid(z); };
  const double mean_p_plus = (s(-2) + s(-1) + s(1) + s(-0.5)) / 4, mean_p_minus = (s(2) + s(1) + s(-1) + s(0.5)) / 4;
  const double mean_u = (s(3) + s(-0.5) + s(0.2) + s(-1.5) + s(0.1) + s(0)) / 6;
  auto risk = pulab::validation_risk(*nnpu, x_val, hand_scores(), hand_labeled(), 0.4, {});
  ASSERT_TRUE(risk.has_value());
  EXPECT_NEAR(*risk, 0.4 * mean_p_plus + mean_u - 0.4 * mean_p_minus, 1e-6);
  EXPECT_NEAR(*risk, 0.4139076355, 1e-6);
  // prior 0.9: N = 0.514519 - 0.9 * 0.625718 = -0.048674 < 0, so nnPU reports P = 0.9 * mean_P sigmoid(-g) =
  // 0.336767 (Eq. 2), not the correction step's objective.
  risk = pulab::validation_risk(*nnpu, x_val, hand_scores(), hand_labeled(), 0.9, {});
  ASSERT_TRUE(risk.has_value());
  EXPECT_NEAR(*risk, 0.3367673079, 1e-6);

  StateRisk state_risk;
  OracleRisk oracle_risk;
  EXPECT_FALSE(pulab::validation_risk(state_risk, x_val, hand_scores(), hand_labeled(), 0.4, {}).has_value());
  EXPECT_FALSE(pulab::validation_risk(oracle_risk, x_val, hand_scores(), hand_labeled(), 0.4, {}).has_value());
  EXPECT_FALSE(pulab::validation_risk(*make_risk("supervised"), x_val, hand_scores(), hand_labeled(), 0.4, {}));
  // No labeled validation positive: no risk.
  EXPECT_FALSE(pulab::validation_risk(*nnpu, x_val, hand_scores(), torch::zeros({10}, torch::kBool), 0.4, {}));
}

namespace {

// g(x) = x[:, 0]: the scores are whatever the first feature says.
class FirstFeature : public pulab::ScoreModel {
 public:
  torch::Tensor forward(const torch::Tensor& x) override { return x.select(1, 0); }
};

pulab::TrainingData hand_data(const torch::Tensor& y_val) {
  pulab::TrainingData d;
  d.n_labeled = 2;
  d.n_unlabeled = 3;
  d.x_train = torch::tensor({1.0, 2.0, -1.0, 0.5, -2.0}, torch::kFloat).unsqueeze(1);
  d.x_val = hand_scores().unsqueeze(1);
  d.y_val = y_val;
  d.val_labeled = hand_labeled();
  d.x_test = torch::tensor({1.0, -1.0, 2.0, -2.0}, torch::kFloat).unsqueeze(1);
  d.y_test = torch::tensor({true, false, false, false}, torch::kBool);
  return d;
}

}  // namespace

TEST(PuSelection, EvaluationReadsNoLabelOfValidationUAndDrawsNoRandomNumber) {
  FirstFeature model;
  auto naive = make_risk("naive");
  // The true classes of validation U: the two readings differ only there.
  const auto y_a = torch::tensor({true, true, true, true, true, false, true, false, false, false}, torch::kBool);
  const auto y_b = torch::tensor({true, true, true, true, false, true, false, true, true, true}, torch::kBool);
  auto generator = at::detail::getDefaultCPUGenerator();
  const auto rng_before = generator.get_state();
  pulab::EpochRecord a, b;
  pulab::evaluate(model, *naive, hand_data(y_a), 0.4, {}, 4, a);
  pulab::evaluate(model, *naive, hand_data(y_b), 0.4, {}, 4, b);
  EXPECT_TRUE(torch::equal(generator.get_state(), rng_before));  // no random draw
  EXPECT_NE(a.val.accuracy, b.val.accuracy);                     // the oracle reads y_val ...
  EXPECT_EQ(a.val_pu_auc, b.val_pu_auc);                         // ... the PU-only criteria do not
  EXPECT_EQ(a.val_pu.proxy_accuracy, b.val_pu.proxy_accuracy);
  EXPECT_EQ(a.val_pu.lee_liu, b.val_pu.lee_liu);
  EXPECT_EQ(a.val_pu.risk, b.val_pu.risk);
  EXPECT_NEAR(*a.val_pu.proxy_accuracy, 0.7, 1e-12);  // threshold 0 (naive): the hand computation above
  EXPECT_NEAR(*a.val_pu.lee_liu, 0.9375, 1e-12);
  // naive, sigmoid loss: mean_P sigmoid(-g) + mean_U sigmoid(g).
  const double expected = (sigmoid(-2) + sigmoid(-1) + sigmoid(1) + sigmoid(-0.5)) / 4 +
                          (sigmoid(3) + sigmoid(-0.5) + sigmoid(0.2) + sigmoid(-1.5) + sigmoid(0.1) + sigmoid(0)) / 6;
  ASSERT_TRUE(a.val_pu.risk.has_value());
  EXPECT_NEAR(*a.val_pu.risk, expected, 1e-6);
}

TEST(PuSelection, CheckpointHistoryCarriesTheCriteriaAndNullForAbsentOnes) {
  pulab::RunRecord r;
  r.epochs.resize(1);
  r.epochs[0].epoch = 1;
  r.epochs[0].val_pu_auc = 0.8;
  r.epochs[0].val_pu.proxy_accuracy = 0.7;
  r.epochs[0].val_pu.lee_liu = 0.9375;  // risk absent
  const std::string text = pulab::history_json(r);
  const json j = json::parse(text);
  EXPECT_EQ(j["epochs"][0]["val_pu"]["auc"].get<double>(), 0.8);
  EXPECT_TRUE(j["epochs"][0]["val_pu"]["risk"].is_null());
  EXPECT_EQ(j["epochs"][0]["val_pu_auc"].get<double>(), 0.8);  // kept for older readers
  const pulab::RunRecord back = pulab::history_from_json(text);
  EXPECT_EQ(back.epochs[0].val_pu.proxy_accuracy, 0.7);
  EXPECT_EQ(back.epochs[0].val_pu.lee_liu, 0.9375);
  EXPECT_FALSE(back.epochs[0].val_pu.risk.has_value());
  // A checkpoint from before the criteria: they are absent, the rest reads as before.
  json old = j;
  old["epochs"][0].erase("val_pu");
  EXPECT_FALSE(pulab::history_from_json(old.dump()).epochs[0].val_pu.proxy_accuracy.has_value());
}

// ---------------------------------------------------------------- pulab report on hand-made files

namespace {

using namespace pulab::report;

// One run's four epochs: validation accuracy, the PU criteria and test accuracy per epoch.
struct Curve {
  double val[4], auc[4], pa[4], lee_liu[4], risk[4], test[4];
};

// Setting lr=0.001 (A) and lr=0.01 (B). Per criterion, the epoch each picks and the winner:
//   val      A: epoch 2 (.90)        B: epoch 2 (.88)      -> A, test .82
//   last     A: .84                  B: .86                -> B, test .94
//   pu_auc   A: epoch 3 (.80)        B: epoch 1 (.85)      -> B, test .91
//   pa       A: epoch 4 (.72)        B: epoch 4 (.63)      -> A, test .84
//   lee_liu  A: epochs 2, 3 tie 1.2 -> epoch 2 (first)     B: epoch 1 (1.3) -> B, test .91
//   pu_risk  A: epoch 3 (.30)        B: epoch 1 (.25, lowest) -> B, test .91
const Curve kA{{.80, .90, .85, .84}, {.70, .75, .80, .78}, {.60, .70, .65, .72},
               {1.0, 1.2, 1.2, 1.1}, {.50, .40, .30, .35}, {.81, .82, .83, .84}};
const Curve kB{{.85, .88, .87, .86}, {.85, .70, .70, .70}, {.60, .61, .62, .63},
               {1.3, 1.0, 1.0, 1.0}, {.25, .50, .50, .50}, {.91, .92, .93, .94}};

json metrics(double accuracy) {
  return {{"accuracy", accuracy}, {"auc", accuracy}, {"f1", accuracy}, {"precision", accuracy},
          {"recall", accuracy},   {"error_p", 1 - accuracy}, {"error_n", 1 - accuracy}};
}

enum class Format { Current, RiskNull, BeforeCriteria };

// A result file shaped like engine/results.cpp's; seed s adds 0.02 s to every test accuracy.
fs::path write_run(const fs::path& root, const std::string& method, const std::string& lr, const Curve& c,
                   std::int64_t seed, Format format = Format::Current) {
  const std::string id = method + "_lr-" + lr + "_seed-" + std::to_string(seed);
  json epochs = json::array();
  std::size_t best = 0;
  for (std::size_t e = 0; e < 4; ++e) {
    if (c.val[e] > c.val[best]) best = e;
    json epoch = {{"epoch", e + 1}, {"train_risk", 0.1}, {"val", metrics(c.val[e])},
                  {"test", metrics(c.test[e] + 0.02 * double(seed))}, {"val_pu_auc", c.auc[e]}};
    if (format != Format::BeforeCriteria) {
      epoch["val_pu"] = {{"auc", c.auc[e]}, {"proxy_accuracy", c.pa[e]}, {"lee_liu", c.lee_liu[e]},
                         {"risk", format == Format::RiskNull ? json(nullptr) : json(c.risk[e])}};
    }
    epochs.push_back(epoch);
  }
  auto reading = [&](std::size_t e) {
    return json{{"epoch", e + 1}, {"val", epochs[e]["val"]}, {"test", epochs[e]["test"]}};
  };
  const json j = {{"experiment", "mnist_1k"},
                  {"run_id", id},
                  {"sweep", {{"compose", method}, {"train.lr", lr}, {"train.seed", std::to_string(seed)}}},
                  {"seed", seed},
                  {"status", "finished"},
                  {"config", {{"name", "mnist_1k"}, {"train", {{"seed", seed}, {"lr", std::stod(lr)}}}}},
                  {"epochs", epochs},
                  {"last", reading(3)},
                  {"best_val", reading(best)}};
  const fs::path file = root / id / "result.json";
  fs::create_directories(file.parent_path());
  std::ofstream(file) << j.dump(1);
  return file;
}

// gradpu: settings A and B, seeds 0 and 1 (test accuracy mean = the curve's + 0.01).
fs::path make_results(const std::string& name) {
  const fs::path root = pulab::test::temp_dir(name);
  for (std::int64_t seed = 0; seed < 2; ++seed) {
    write_run(root, "gradpu", "0.001", kA, seed);
    write_run(root, "gradpu", "0.01", kB, seed);
  }
  return root;
}

std::vector<const RunResult*> pointers(const ResultsIndex& index) {
  std::vector<const RunResult*> out;
  for (const auto& r : index.runs) out.push_back(&r);
  return out;
}

ReportOptions options(const fs::path& results, const std::string& out, SelectBy by) {
  ReportOptions o;
  o.dirs = {results};
  o.out = pulab::test::temp_dir(out);
  o.plots.clear();
  o.select_by = by;
  return o;
}

}  // namespace

TEST(PuSelection, EachCriterionPicksItsEpochFirstOfTies) {
  const fs::path root = pulab::test::temp_dir("pu_pick");
  const RunResult a = parse_result(
      [&] {
        std::ifstream in(write_run(root, "gradpu", "0.001", kA, 0));
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
      }(),
      root / "a");
  EXPECT_EQ(picked_reading(a, SelectBy::BestVal).epoch, 2);
  EXPECT_EQ(picked_reading(a, SelectBy::Last).epoch, 4);
  EXPECT_EQ(picked_reading(a, SelectBy::PuAuc).epoch, 3);
  EXPECT_EQ(picked_reading(a, SelectBy::ProxyAccuracy).epoch, 4);
  EXPECT_EQ(picked_reading(a, SelectBy::LeeLiu).epoch, 2);  // 1.2 at epochs 2 and 3: the first
  EXPECT_EQ(picked_reading(a, SelectBy::PuRisk).epoch, 3);  // the lowest risk
  EXPECT_DOUBLE_EQ(picked_reading(a, SelectBy::PuRisk).test.accuracy, 0.83);
  EXPECT_DOUBLE_EQ(selection_score(a, SelectBy::PuRisk), 0.30);
  EXPECT_DOUBLE_EQ(selection_score(a, SelectBy::ProxyAccuracy), 0.72);
}

TEST(PuSelection, SelectByEachCriterionPicksTheEpochAndTheSetting) {
  const fs::path results = make_results("pu_select");
  const ResultsIndex index = load_results({results});
  ASSERT_EQ(index.runs.size(), 4u);
  struct Expected {
    SelectBy by;
    const char* setting;
    double test;  // mean over the two seeds
  };
  for (const Expected& x : {Expected{SelectBy::BestVal, "train.lr=0.001", 0.83},
                            Expected{SelectBy::Last, "train.lr=0.01", 0.95},
                            Expected{SelectBy::PuAuc, "train.lr=0.01", 0.92},
                            Expected{SelectBy::ProxyAccuracy, "train.lr=0.001", 0.85},
                            Expected{SelectBy::LeeLiu, "train.lr=0.01", 0.92},
                            Expected{SelectBy::PuRisk, "train.lr=0.01", 0.92}}) {
    const Grid g = build_grid(pointers(index), "compose", "experiment", x.by);
    const Cell* cell = g.find("gradpu", "mnist_1k");
    ASSERT_NE(cell, nullptr);
    EXPECT_EQ(cell->best().name, x.setting) << option_name(x.by);
    const SelectBy column = is_pu_criterion(x.by) ? x.by : (x.by == SelectBy::Last ? SelectBy::Last : SelectBy::BestVal);
    double sum = 0;
    for (const RunResult* r : cell->best().runs) sum += picked_reading(*r, column).test.accuracy;
    EXPECT_NEAR(sum / 2, x.test, 1e-12) << option_name(x.by);
  }

  // The report's table: "by PA" beside "last", and the note names the criterion.
  const ReportOutcome r = make_report(options(results, "pu_select_report", SelectBy::ProxyAccuracy));
  EXPECT_NE(r.markdown.find("mnist_1k by PA"), std::string::npos) << r.markdown;
  EXPECT_NE(r.markdown.find("| 85.0 ± 1.4 (2)"), std::string::npos) << r.markdown;  // .84 + .01, seeds .84/.86
  EXPECT_NE(r.markdown.find("gradpu / mnist_1k: chose `train.lr=0.001` (PA 0.7200 ± 0.0000 (2)) over "
                            "`train.lr=0.01` 0.6300 ± 0.0000 (2)"),
            std::string::npos)
      << r.markdown;
  const ReportOutcome risk = make_report(options(results, "pu_select_risk", SelectBy::PuRisk));
  EXPECT_NE(risk.markdown.find("lowest mean PU risk on validation"), std::string::npos) << risk.markdown;
  EXPECT_NE(risk.markdown.find("chose `train.lr=0.01` (PU risk 0.2500"), std::string::npos) << risk.markdown;
}

TEST(PuSelection, OlderResultFilesAreAClearErrorForThePriorBasedCriteria) {
  const fs::path results = pulab::test::temp_dir("pu_old");
  write_run(results, "gradpu", "0.001", kA, 0);
  const fs::path old = write_run(results, "gradpu", "0.01", kB, 0, Format::BeforeCriteria);
  for (SelectBy by : {SelectBy::ProxyAccuracy, SelectBy::LeeLiu, SelectBy::PuRisk}) {
    const std::string message =
        pulab::test::error_message([&] { make_report(options(results, "pu_old_report", by)); });
    EXPECT_NE(message.find(old.string()), std::string::npos) << message;
    EXPECT_NE(message.find(std::string("--select-by ") + option_name(by)), std::string::npos) << message;
    EXPECT_NE(message.find("written before pulab recorded the PU-only criteria"), std::string::npos) << message;
  }
  // PA without any prior is the same error, and says so.
  EXPECT_NE(pulab::test::error_message([&] { make_report(options(results, "pu_old_pa", SelectBy::ProxyAccuracy)); })
                .find("no class prior (PA needs one)"),
            std::string::npos);
  // PU-AUC is in older files ("val_pu_auc"): they report, and B's epoch-1 AUC .85 wins.
  const ReportOutcome by_auc = make_report(options(results, "pu_old_auc", SelectBy::PuAuc));
  EXPECT_NE(by_auc.markdown.find("chose `train.lr=0.01` (PU-AUC 0.8500"), std::string::npos) << by_auc.markdown;
}

TEST(PuSelection, ARunWhoseRiskCannotBeEvaluatedIsLeftOutOfPuRiskWithAWarning) {
  const fs::path results = pulab::test::temp_dir("pu_null_risk");
  write_run(results, "gradpu", "0.001", kA, 0);
  const fs::path oracle = write_run(results, "supervised", "0.001", kB, 0, Format::RiskNull);
  const ReportOutcome r = make_report(options(results, "pu_null_risk_report", SelectBy::PuRisk));
  EXPECT_EQ(r.markdown.find("| supervised"), std::string::npos) << r.markdown;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find(oracle.string()), std::string::npos) << r.warnings[0];
  // By the other criteria it is in the table.
  EXPECT_NE(make_report(options(results, "pu_null_risk_pa", SelectBy::ProxyAccuracy)).markdown.find("| supervised"),
            std::string::npos);
  // --selection compares every run, whatever --select-by left out: its PU risk is "–".
  ReportOptions o = options(results, "pu_null_risk_selection", SelectBy::PuRisk);
  o.selection = true;
  const std::string md = make_report(o).markdown;
  const auto section = md.find("## Model selection without negatives");
  ASSERT_NE(section, std::string::npos) << md;
  const auto row = md.find("| supervised", section);
  ASSERT_NE(row, std::string::npos) << md;
  const std::string line = md.substr(row, md.find('\n', row) - row);
  const std::string last_cell = line.substr(0, line.find_last_not_of(" |") + 1), dash = "–";  // the PU risk column
  EXPECT_EQ(last_cell.substr(last_cell.size() - dash.size()), dash) << line;
}

TEST(PuSelection, SelectionComparesEveryCriterionWithTheOracle) {
  const fs::path results = make_results("pu_comparison");
  write_run(results, "supervised", "0.001", kA, 0, Format::RiskNull);
  const ResultsIndex index = load_results({results});
  const auto runs = pointers(index);
  const Grid layout = build_grid(runs, "compose", "experiment", SelectBy::BestVal);
  const SelectionComparison c = compare_selection(runs, layout);
  // gradpu: oracle .83; last .95 (loss -12 points); PU-AUC, Lee & Liu and PU risk .92 (-9); PA .85 (-2).
  EXPECT_NEAR(c.find("gradpu", "mnist_1k", SelectBy::BestVal)->test.mean, 0.83, 1e-12);
  EXPECT_NEAR(*c.loss("gradpu", "mnist_1k", SelectBy::Last), -12.0, 1e-9);
  EXPECT_NEAR(*c.loss("gradpu", "mnist_1k", SelectBy::PuAuc), -9.0, 1e-9);
  EXPECT_NEAR(*c.loss("gradpu", "mnist_1k", SelectBy::ProxyAccuracy), -2.0, 1e-9);
  EXPECT_NEAR(*c.loss("gradpu", "mnist_1k", SelectBy::PuRisk), -9.0, 1e-9);
  EXPECT_EQ(c.find("gradpu", "mnist_1k", SelectBy::ProxyAccuracy)->setting, "train.lr=0.001");
  EXPECT_EQ(c.find("gradpu", "mnist_1k", SelectBy::PuRisk)->setting, "train.lr=0.01");
  // supervised (one setting, A): PA picks epoch 4 (.84, loss -2 vs the oracle's .82); no PU risk.
  EXPECT_NEAR(*c.loss("supervised", "mnist_1k", SelectBy::ProxyAccuracy), -2.0, 1e-9);
  EXPECT_EQ(c.find("supervised", "mnist_1k", SelectBy::PuRisk), nullptr);
  // supervised, A's curve: oracle epoch 2 (.82); PU-AUC epoch 3 (.83, loss -1); Lee & Liu epoch 2 (loss 0).
  // Over each criterion's cells: PA (-2 - 2) / 2 = -2, PU-AUC (-9 - 1) / 2 = -5, PU risk -9 over 1 cell.
  std::map<SelectBy, CriterionLoss> own, common;
  for (const CriterionLoss& l : losses(c)) own[l.by] = l;
  for (const CriterionLoss& l : losses(c, true)) common[l.by] = l;
  EXPECT_EQ(own[SelectBy::ProxyAccuracy].cells, 2u);
  EXPECT_NEAR(own[SelectBy::ProxyAccuracy].mean, -2.0, 1e-9);
  EXPECT_NEAR(own[SelectBy::PuAuc].mean, -5.0, 1e-9);
  EXPECT_NEAR(own[SelectBy::PuAuc].max, -1.0, 1e-9);
  EXPECT_NEAR(own[SelectBy::LeeLiu].mean, -4.5, 1e-9);
  EXPECT_EQ(own[SelectBy::PuRisk].cells, 1u);
  // Where every PU criterion is recorded (gradpu only): PU-AUC, Lee & Liu and PU risk -9, PA -2.
  EXPECT_EQ(common[SelectBy::ProxyAccuracy].cells, 1u);
  EXPECT_NEAR(common[SelectBy::PuAuc].mean, -9.0, 1e-9);
  EXPECT_NEAR(common[SelectBy::ProxyAccuracy].mean, -2.0, 1e-9);

  ReportOptions o = options(results, "pu_comparison_report", SelectBy::BestVal);
  o.selection = true;
  const ReportOutcome r = make_report(o);
  EXPECT_NE(r.markdown.find("## Model selection without negatives"), std::string::npos) << r.markdown;
  EXPECT_NE(r.markdown.find("| oracle"), std::string::npos) << r.markdown;
  EXPECT_NE(r.markdown.find("85.0 ± 1.4 (2), loss -2.0"), std::string::npos) << r.markdown;
  EXPECT_NE(r.markdown.find("Least loss on average among the PU-only criteria, over the 1 cell where each of them "
                            "is recorded: **PU-AUC**, a mean loss of -9.0 points"),
            std::string::npos)
      << r.markdown;
  EXPECT_NE(r.markdown.find("gradpu / mnist_1k: oracle `train.lr=0.001`; last `train.lr=0.01`"), std::string::npos)
      << r.markdown;
}

TEST(PuSelection, UnknownSelectByIsAParseErrorListingTheCriteria) {
  for (const auto& [text, by] : std::vector<std::pair<std::string, SelectBy>>{{"val", SelectBy::BestVal},
                                                                                {"last", SelectBy::Last},
                                                                                {"pu_auc", SelectBy::PuAuc},
                                                                                {"pa", SelectBy::ProxyAccuracy},
                                                                                {"lee_liu", SelectBy::LeeLiu},
                                                                                {"pu_risk", SelectBy::PuRisk}}) {
    EXPECT_EQ(parse_select_by(text), by) << text;
    EXPECT_EQ(option_name(by), text);
  }
  for (const char* bad : {"test", "oracle", "PA", "risk", ""}) {
    const std::string message = pulab::test::error_message([&] { parse_select_by(bad); });
    EXPECT_NE(message.find(std::string("not '") + bad + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("'pu_risk'"), std::string::npos) << message;
  }
  // On the command line: exit status 2 (a usage error), the message on stderr.
  const fs::path results = make_results("pu_cli");
  const fs::path out = pulab::test::temp_dir("pu_cli_out");
  const std::string bad = std::string("'") + PULAB_TEST_BINARY + "' report '" + results.string() +
                          "' --no-plots --select-by lee-and-liu > '" + (out / "out.txt").string() + "' 2>&1";
  EXPECT_NE(std::system(bad.c_str()), 0);
  std::ifstream in(out / "out.txt");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("--select-by must be"), std::string::npos) << text.str();
  const std::string good = std::string("'") + PULAB_TEST_BINARY + "' report '" + results.string() + "' --out '" +
                           (out / "r").string() + "' --no-plots --select-by pu_risk --selection > /dev/null 2>&1";
  EXPECT_EQ(std::system(good.c_str()), 0);
}
