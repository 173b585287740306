// Class-prior estimation: the estimators on scores and inputs whose prior is known, the simplex QP
// under KM2, the engine's split.prior = "estimate" (result, resume, errors) and `pulab estimate-prior`.
#include <cmath>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../plugins/prior_estimators/simplex.hpp"
#include "cli/estimate_prior.hpp"
#include "engine/prior_estimation.hpp"
#include "engine/results.hpp"
#include "engine/run_components.hpp"
#include "engine/run_split.hpp"
#include "engine/trainer.hpp"
#include "pulab/error.hpp"
#include "pulab/prior_estimator.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using pulab::test::builtin_host;
using pulab::test::error_message;
using pulab::test::quickstart_text;
using pulab::test::resolve_text;

namespace {

// The quickstart with the prior estimated (a small, fast classifier).
std::string estimating_text(const std::string& estimator_table) {
  return quickstart_text() + "\n[prior_estimator]\n" + estimator_table +
         "\nclassifier_epochs = 20\n";
}

// An estimator built the way a run builds it (parameters checked, defaults filled).
std::shared_ptr<pulab::PriorEstimator> make_estimator(const std::string& table) {
  const auto spec = resolve_text(estimating_text(table)).front();
  return pulab::build_component(builtin_host().registries().prior_estimators, spec.prior_estimation.estimator, {});
}

// Scores of a classifier that separates perfectly above 0.5: positives ~ sigmoid(N(3, 1)), negatives
// ~ sigmoid(N(-3, 1)); U mixes them at `prior`.
pulab::PriorEstimationInput synthetic_scores(double prior, std::int64_t n_p, std::int64_t n_u, std::uint64_t seed) {
  torch::manual_seed(seed);
  pulab::PriorEstimationInput in;
  in.p_scores = torch::sigmoid(torch::randn({n_p}, torch::kDouble) + 3);
  const std::int64_t n_pos = std::llround(prior * double(n_u));
  in.u_scores = torch::sigmoid(torch::cat({torch::randn({n_pos}, torch::kDouble) + 3,
                                           torch::randn({n_u - n_pos}, torch::kDouble) - 3}));
  return in;
}

}  // namespace

TEST(PriorEstimators, ElkanNotoE1AndE3OnHandComputedScores) {
  pulab::PriorEstimationInput in;
  in.p_scores = torch::tensor({0.8, 0.6}, torch::kDouble);
  in.u_scores = torch::tensor({0.9, 0.1, 0.2}, torch::kDouble);
  // e1: c = (0.8 + 0.6) / 2 = 0.7, pi = 1/0.7 - 1 = 0.428571...
  EXPECT_NEAR(make_estimator("name = \"elkan_noto\"")->estimate(in).prior, 3.0 / 7.0, 1e-12);
  // e3: c = max(0.8, 0.6, 0.9, 0.1, 0.2) = 0.9, pi = 1/0.9 - 1 = 0.1111...
  EXPECT_NEAR(make_estimator("name = \"elkan_noto\"\nestimator = \"e3\"")->estimate(in).prior, 1.0 / 9.0, 1e-12);
  // rho scales it: a classifier weighting P half as much as U.
  in.labeled_to_unlabeled = 0.5;
  EXPECT_NEAR(make_estimator("name = \"elkan_noto\"")->estimate(in).prior, 0.5 * 3.0 / 7.0, 1e-12);
}

TEST(PriorEstimators, BbeFindsThePriorOfSeparableScores) {
  for (double prior : {0.1, 0.3, 0.5, 0.7}) {
    const auto in = synthetic_scores(prior, 1000, 20000, 7);
    const double estimate = make_estimator("name = \"bbe\"")->estimate(in).prior;
    EXPECT_NEAR(estimate, prior, 0.03) << "true prior " << prior;
  }
}

TEST(PriorEstimators, DedpulFindsThePriorOfOverlappingScores) {
  // Overlapping classes (means +-1.5): the density ratio, not a clean top bin, carries the prior.
  for (double prior : {0.2, 0.5, 0.7}) {
    torch::manual_seed(3);
    pulab::PriorEstimationInput in;
    in.p_scores = torch::sigmoid(torch::randn({2000}, torch::kDouble) + 1.5);
    const std::int64_t n_u = 20000, n_pos = std::llround(prior * double(n_u));
    in.u_scores = torch::sigmoid(torch::cat({torch::randn({n_pos}, torch::kDouble) + 1.5,
                                             torch::randn({n_u - n_pos}, torch::kDouble) - 1.5}));
    const auto e = make_estimator("name = \"dedpul\"")->estimate(in);
    EXPECT_NEAR(e.prior, prior, 0.06) << "true prior " << prior << ": " << e.note;
  }
}

TEST(PriorEstimators, SimplexProjectionAndNearestPointOnHandComputedCases) {
  using pulab_prior::project_to_simplex;
  auto close = [](const torch::Tensor& a, std::vector<double> b) {
    return torch::allclose(a, torch::tensor(b, torch::kDouble), 1e-9, 1e-12);
  };
  EXPECT_TRUE(close(project_to_simplex(torch::tensor({0.5, 0.5, 0.5}, torch::kDouble)), {1.0 / 3, 1.0 / 3, 1.0 / 3}));
  EXPECT_TRUE(close(project_to_simplex(torch::tensor({2.0, 0.0, 0.0}, torch::kDouble)), {1, 0, 0}));
  EXPECT_TRUE(close(project_to_simplex(torch::tensor({0.6, 0.6, -1.0}, torch::kDouble)), {0.5, 0.5, 0}));
  // K = I: the Euclidean nearest point of u = (0.6, 0.6, -0.2) is its projection (0.5, 0.5, 0),
  // at squared distance 0.01 + 0.01 + 0.04 = 0.06.
  const auto K = torch::eye(3, torch::kDouble);
  const auto r = pulab_prior::nearest_in_simplex(K, torch::tensor({0.6, 0.6, -0.2}, torch::kDouble), 2.0, {}, 1e-9);
  EXPECT_NEAR(r.squared_distance, 0.06, 1e-8);
  EXPECT_TRUE(torch::allclose(r.w, torch::tensor({0.5, 0.5, 0.0}, torch::kDouble), 1e-5, 1e-5));
  EXPECT_NEAR(pulab_prior::largest_eigenvalue(torch::diag(torch::tensor({1.0, 4.0, 2.0}, torch::kDouble))), 4.0, 1e-6);
}

TEST(PriorEstimators, Km2EstimatesAGaussianMixtureFromInputs) {
  // The KM paper's own example: U = 0.4 N((2, 2), I) + 0.6 N(0, I), P = N((2, 2), I).
  torch::manual_seed(11);
  pulab::PriorEstimationInput in;
  in.x_p = torch::randn({150, 2}) + 2;
  in.x_u = torch::cat({torch::randn({120, 2}) + 2, torch::randn({180, 2})});
  in.seed = 5;
  auto km2 = make_estimator("name = \"km2\"");
  EXPECT_FALSE(km2->needs_classifier());
  const auto e = km2->estimate(in);
  EXPECT_NEAR(e.prior, 0.4, 0.1) << e.note;
}

TEST(PriorEstimation, ARunWithAnEstimatedPriorRecordsItAndHandsItToTheMethods) {
  const auto dir = pulab::test::temp_dir("estimated_prior");
  auto specs = resolve_text(estimating_text("name = \"bbe\""),
                            {"split.prior=\"estimate\"", "train.epochs=2", "output_dir=" + dir.string()});
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_TRUE(specs[0].split.estimate_prior);
  pulab::TrainOptions options;
  options.quiet = true;
  options.threads = 1;
  ASSERT_EQ(pulab::train_run(specs[0], builtin_host(), options), pulab::RunStatus::Finished);
  const json result = pulab::test::read_json(pulab::result_path(specs[0]));
  const auto& estimation = result.at("split").at("prior_estimation");
  EXPECT_EQ(estimation.at("estimator"), "bbe");
  const double estimate = estimation.at("estimate"), true_prior = result.at("split").at("true_prior");
  EXPECT_NEAR(estimation.at("abs_error").get<double>(), std::abs(estimate - true_prior), 1e-12);
  EXPECT_NEAR(estimate, true_prior, 0.1);  // well-separated synthetic classes
  EXPECT_GT(estimation.at("seconds").get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(result.at("split").at("prior").get<double>(), estimate);
  for (const auto& epoch : result.at("epochs")) EXPECT_DOUBLE_EQ(epoch.at("prior").get<double>(), estimate);
  EXPECT_FALSE(fs::exists(pulab::prior_estimate_path(specs[0])));  // the run finished: no leftovers
  EXPECT_EQ(result.at("config").at("split").at("prior"), "estimate");
}

TEST(PriorEstimation, AResumedRunKeepsItsEstimate) {
  const auto dir = pulab::test::temp_dir("estimated_prior_resume");
  auto specs = resolve_text(estimating_text("name = \"dedpul\""),
                            {"split.prior=\"estimate\"", "train.epochs=3", "output_dir=" + dir.string()});
  pulab::TrainOptions options;
  options.quiet = true;
  options.threads = 1;
  options.max_epochs_this_call = 1;
  ASSERT_EQ(pulab::train_run(specs[0], builtin_host(), options), pulab::RunStatus::Interrupted);
  const json kept = pulab::test::read_json(pulab::prior_estimate_path(specs[0]));
  options.max_epochs_this_call = -1;
  ASSERT_EQ(pulab::train_run(specs[0], builtin_host(), options), pulab::RunStatus::Finished);
  const json result = pulab::test::read_json(pulab::result_path(specs[0]));
  EXPECT_DOUBLE_EQ(result.at("split").at("prior_estimation").at("estimate").get<double>(), kept.at("raw").get<double>());
}

TEST(PriorEstimation, ConfigurationErrorsNameTheKey) {
  const std::string text = quickstart_text();
  std::string m = error_message([&] { resolve_text(text, {"split.prior=\"estimate\""}); });
  EXPECT_NE(m.find("[prior_estimator]"), std::string::npos) << m;
  m = error_message([&] { resolve_text(text, {"split.prior=\"guess\""}); });
  EXPECT_NE(m.find("split.prior = \"guess\""), std::string::npos) << m;
  m = error_message([&] { resolve_text(estimating_text("name = \"dedpull\"")); });
  EXPECT_NE(m.find("did you mean 'dedpul'"), std::string::npos) << m;
  m = error_message([&] { resolve_text(estimating_text("name = \"bbe\"\nfolds = 1")); });
  EXPECT_NE(m.find("folds"), std::string::npos) << m;
  m = error_message([&] { resolve_text(estimating_text("name = \"bbe\"\nbandwidth_p = 0.1")); });
  EXPECT_NE(m.find("bandwidth_p"), std::string::npos) << m;
}

TEST(PriorEstimation, ASplitTooSmallForTheFoldsIsRefusedBeforeTraining) {
  auto specs = resolve_text(estimating_text("name = \"bbe\"\nfolds = 20"),
                            {"split.prior=\"estimate\"", "split.n_labeled=30"});
  pulab::BuildContext context;
  context.data_dir = specs[0].data_dir.string();
  const auto pu = pulab::load_run_split(specs[0], builtin_host().registries(), context, context.input_shape);
  const std::string m = error_message([&] {
    pulab::estimate_prior(pu, specs[0], builtin_host().registries(), context, true);
  });
  EXPECT_NE(m.find("[prior_estimator] (bbe)"), std::string::npos) << m;
  EXPECT_NE(m.find("too few for 20 folds"), std::string::npos) << m;
}

namespace {
class FixedEstimate final : public pulab::PriorEstimator {
 public:
  explicit FixedEstimate(double value) : value_(value) {}
  bool needs_classifier() const override { return false; }
  pulab::PriorEstimate estimate(const pulab::PriorEstimationInput&) override { return {value_, ""}; }

 private:
  double value_;
};
}  // namespace

TEST(PriorEstimation, AnEstimateOutOfRangeIsClippedOrFailsAsConfigured) {
  auto specs = resolve_text(estimating_text("name = \"bbe\""), {"split.prior=\"estimate\""});
  pulab::BuildContext context;
  context.data_dir = specs[0].data_dir.string();
  const auto pu = pulab::load_run_split(specs[0], builtin_host().registries(), context, context.input_shape);
  FixedEstimate too_high(1.3), nan(std::nan(""));
  auto e = pulab::run_prior_estimator(too_high, "fixed", pu, specs[0], builtin_host().registries(), context, nullptr, true);
  EXPECT_TRUE(e.clipped);
  EXPECT_DOUBLE_EQ(e.prior, 0.99);
  EXPECT_DOUBLE_EQ(e.raw, 1.3);
  specs[0].prior_estimation.out_of_range = "fail";
  std::string m = error_message([&] {
    pulab::run_prior_estimator(too_high, "fixed", pu, specs[0], builtin_host().registries(), context, nullptr, true);
  });
  EXPECT_NE(m.find("outside [0.01, 0.99]"), std::string::npos) << m;
  m = error_message([&] {
    pulab::run_prior_estimator(nan, "fixed", pu, specs[0], builtin_host().registries(), context, nullptr, true);
  });
  EXPECT_NE(m.find("not a number"), std::string::npos) << m;
}

TEST(PriorEstimation, EstimatePriorCommandWritesOneRowPerSplitAndEstimator) {
  const auto out = pulab::test::temp_dir("estimate_prior_cli");
  std::vector<pulab::EstimatorVariant> variants;
  for (const std::string name : {"bbe", "elkan_noto"}) {
    variants.push_back(
        {name, resolve_text(estimating_text("name = \"" + name + "\"") + "\n[sweep]\n\"train.seed\" = [0, 1]\n")});
  }
  pulab::EstimatePriorOptions options;
  options.out_dir = out;
  options.quiet = true;
  options.threads = 1;
  ASSERT_EQ(pulab::estimate_prior_command(variants, builtin_host(), options), 0);
  std::ifstream csv(out / "estimates.csv");
  std::string line;
  int rows = 0;
  std::getline(csv, line);
  EXPECT_EQ(line.rfind("setting,dataset,seed", 0), 0u) << line;
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 4);  // 2 seeds x 2 estimators
  EXPECT_TRUE(fs::exists(out / "summary.md"));
}
