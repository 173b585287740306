// LaGAM's latent-group module (regularizer `lagam_contrast`, plugins/lagam/latent_groups.cpp):
// the instance and group contrastive terms and the positive mask on hand-computed tensors; k-means
// (Lloyd, both initialisations, best of restarts, an empty cluster) on tiny separable cases; the
// schema's ranges, the missing-augmentation and no-embedding errors; the head's own Adam and its
// save/load on a tiny context; a short synthetic run with tabular views that learns, and a resumed
// run that continues bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "../plugins/lagam/contrastive_loss.hpp"
#include "../plugins/lagam/kmeans.hpp"
#include "pulab/augmentation.hpp"
#include "pulab/error.hpp"
#include "pulab/model.hpp"
#include "pulab/regularizer.hpp"
#include "pulab/sample_state.hpp"
#include "pulab/training_hook.hpp"
#include "context_double.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using pulab::ParamValue;

namespace {

torch::Tensor rows(std::vector<double> v, std::int64_t cols) {
  return torch::tensor(v, torch::kDouble).view({-1, cols});
}

// ---------------------------------------------------------------- the loss

// q = ((1, 0), (0, 1)), k = ((0.6, 0.8), (0.8, -0.6)), tau = 0.5: the contrast rows z = (q1, q2, k1,
// k2), s_1 = (2, 0, 1.2, 1.6), s_2 = (0, 2, 1.6, -1.2);
//   log p_1. = s_1 - log(e^0 + e^1.2 + e^1.6),  log p_2. = s_2 - log(e^0 + e^1.6 + e^-1.2).
struct TwoSamples {
  torch::Tensor q = rows({1, 0, 0, 1}, 2), k = rows({0.6, 0.8, 0.8, -0.6}, 2);
  torch::Tensor log_prob = pulab_lagam::contrast_log_prob(q, k, 0.5);
  double lp(int i, int j) const { return log_prob[i][j].item<double>(); }
};

TEST(MethodLaGAMContrast, InstanceTermOnHandComputedTensors) {
  TwoSamples t;
  // L_inst = -(log p_13 + log p_24) / 2 = [log(1 + e^1.2 + e^1.6) + log(1 + e^1.6 + e^-1.2)] / 2.
  const double expected = (std::log(1 + std::exp(1.2) + std::exp(1.6)) + std::log(1 + std::exp(1.6) + std::exp(-1.2))) / 2;
  EXPECT_NEAR(expected, 2.030190277136712, 1e-12);
  EXPECT_NEAR(pulab_lagam::instance_contrastive_loss(t.log_prob).item<double>(), expected, 1e-12);
  EXPECT_NEAR(t.lp(0, 3), 1.6 - std::log(1 + std::exp(1.2) + std::exp(1.6)), 1e-12);
  EXPECT_NEAR(t.lp(1, 0), 0 - std::log(1 + std::exp(1.6) + std::exp(-1.2)), 1e-12);
}

TEST(MethodLaGAMContrast, GroupTermAndItsPositivesOnHandComputedTensors) {
  TwoSamples t;
  const auto same = torch::tensor({0, 0}, torch::kLong), apart = torch::tensor({0, 1}, torch::kLong);
  const torch::Tensor none;
  auto mask = [&](const torch::Tensor& c, const torch::Tensor& y, std::int64_t nn) {
    const auto m = pulab_lagam::group_positive_mask(t.q, t.k, c, y, nn).to(torch::kLong).reshape({-1});
    return std::vector<std::int64_t>(m.data_ptr<std::int64_t>(), m.data_ptr<std::int64_t>() + m.numel());
  };
  auto loss = [&](const torch::Tensor& c, const torch::Tensor& y, std::int64_t nn) {
    return pulab_lagam::group_contrastive_loss(t.log_prob, pulab_lagam::group_positive_mask(t.q, t.k, c, y, nn))
        .item<double>();
  };
  // One cluster: every other row is a positive, A(1) = {2, 3, 4}, A(2) = {1, 3, 4}.
  EXPECT_EQ(mask(same, none, 0), (std::vector<std::int64_t>{0, 1, 1, 1, 1, 0, 1, 1}));
  const double all = -((t.lp(0, 1) + t.lp(0, 2) + t.lp(0, 3)) / 3 + (t.lp(1, 0) + t.lp(1, 2) + t.lp(1, 3)) / 3) / 2;
  EXPECT_NEAR(all, 1.496856943803378, 1e-12);
  EXPECT_NEAR(loss(same, none, 0), all, 1e-12);
  // Two clusters, or one cluster with different predicted labels: only the other view, the
  // instance term again.
  EXPECT_EQ(mask(apart, none, 0), (std::vector<std::int64_t>{0, 0, 1, 0, 0, 0, 0, 1}));
  EXPECT_EQ(mask(same, torch::tensor({true, false}), 0), (std::vector<std::int64_t>{0, 0, 1, 0, 0, 0, 0, 1}));
  EXPECT_NEAR(loss(apart, none, 0), 2.030190277136712, 1e-12);
  EXPECT_NEAR(loss(same, torch::tensor({true, false}), 0), 2.030190277136712, 1e-12);
  // Same predicted label, one cluster: as without the condition.
  EXPECT_NEAR(loss(same, torch::tensor({true, true}), 0), all, 1e-12);
  // Two clusters and 2 nearest rows: q1's similarities (1, 0, 0.6, 0.8) give itself and k2, q2's
  // (0, 1, 0.8, -0.6) itself and k1; without the anchors, A(1) = A(2) = {3, 4}.
  EXPECT_EQ(mask(apart, none, 2), (std::vector<std::int64_t>{0, 0, 1, 1, 0, 0, 1, 1}));
  const double knn = -((t.lp(0, 2) + t.lp(0, 3)) / 2 + (t.lp(1, 2) + t.lp(1, 3)) / 2) / 2;
  EXPECT_NEAR(knn, 1.230190277136711, 1e-12);
  EXPECT_NEAR(loss(apart, none, 2), knn, 1e-12);
  // More neighbours than rows: every row.
  EXPECT_EQ(mask(apart, none, 9), (std::vector<std::int64_t>{0, 1, 1, 1, 1, 0, 1, 1}));
}

TEST(MethodLaGAMContrast, GradientReachesBothViewsAndTheMaskCarriesNone) {
  auto q = rows({1, 0, 0, 1}, 2).requires_grad_(true);
  auto k = rows({0.6, 0.8, 0.8, -0.6}, 2).requires_grad_(true);
  const auto log_prob = pulab_lagam::contrast_log_prob(q, k, 0.5);
  const auto mask = pulab_lagam::group_positive_mask(q, k, torch::tensor({0, 0}, torch::kLong), {}, 2);
  EXPECT_FALSE(mask.requires_grad());
  (pulab_lagam::instance_contrastive_loss(log_prob) + pulab_lagam::group_contrastive_loss(log_prob, mask)).backward();
  EXPECT_GT(q.grad().abs().sum().item<double>(), 0);
  EXPECT_GT(k.grad().abs().sum().item<double>(), 0);
}

// ---------------------------------------------------------------- k-means

// Three blobs of three points, (0, 0) + {0, (0.1, 0), (0, 0.1)} and the same at (5, 5) and (0, 5):
// each blob's centroid is its corner + (1/30, 1/30), its squared distances 2/900, 5/900, 5/900, so
// the inertia of the right clustering is 3 * 12/900 = 0.04.
torch::Tensor blobs() {
  return rows({0, 0, 0.1, 0, 0, 0.1, 5, 5, 5.1, 5, 5, 5.1, 0, 5, 0.1, 5, 0, 5.1}, 2);
}

TEST(MethodLaGAMContrast, KMeansSeparatesThreeBlobsWithEitherInit) {
  for (auto init : {pulab_lagam::KMeansInit::Random, pulab_lagam::KMeansInit::PlusPlus}) {
    torch::manual_seed(11);
    const auto r = pulab_lagam::kmeans(blobs(), 3, 20, 5, init);
    const auto a = r.assignment;
    ASSERT_EQ(a.numel(), 9);
    for (int b = 0; b < 3; ++b) {
      EXPECT_EQ(a[3 * b].item<std::int64_t>(), a[3 * b + 1].item<std::int64_t>());
      EXPECT_EQ(a[3 * b].item<std::int64_t>(), a[3 * b + 2].item<std::int64_t>());
    }
    EXPECT_NE(a[0].item<std::int64_t>(), a[3].item<std::int64_t>());
    EXPECT_NE(a[0].item<std::int64_t>(), a[6].item<std::int64_t>());
    EXPECT_NE(a[3].item<std::int64_t>(), a[6].item<std::int64_t>());
    EXPECT_NEAR(r.inertia, 0.04, 1e-12);
    // The centroid of the (5, 5) blob.
    const auto c = r.centroids[a[3].item<std::int64_t>()];
    EXPECT_NEAR(c[0].item<double>(), 5 + 1.0 / 30, 1e-12);
    EXPECT_NEAR(c[1].item<double>(), 5 + 1.0 / 30, 1e-12);
  }
  // k above the number of rows is reduced to it: every row its own cluster, inertia 0.
  torch::manual_seed(1);
  const auto r = pulab_lagam::kmeans(blobs().slice(0, 0, 2), 5, 20, 1, pulab_lagam::KMeansInit::Random);
  EXPECT_EQ(r.centroids.size(0), 2);
  EXPECT_NE(r.assignment[0].item<std::int64_t>(), r.assignment[1].item<std::int64_t>());
  EXPECT_EQ(r.inertia, 0.0);
}

TEST(MethodLaGAMContrast, LloydReseedsAnEmptyClusterWithTheFarthestRow) {
  // Rows 0, 1, 10, 11 on a line, centroids (0, 0) and (100, 100): all rows join the first, the
  // second is empty and takes row (11, 0), the farthest from (0, 0); the first moves to the mean
  // (5.5, 0). Next: {0, 1} and {10, 11}, centroids (0.5, 0) and (10.5, 0), then nothing moves.
  const auto x = rows({0, 0, 1, 0, 10, 0, 11, 0}, 2);
  auto centroids = rows({0, 0, 100, 100}, 2);
  pulab_lagam::lloyd(x, centroids, 1);
  EXPECT_TRUE(centroids.equal(rows({5.5, 0, 11, 0}, 2))) << centroids;
  pulab_lagam::lloyd(x, centroids, 20);
  EXPECT_TRUE(centroids.equal(rows({0.5, 0, 10.5, 0}, 2))) << centroids;
}

// ---------------------------------------------------------------- schema and run-start errors

const fs::path& base_file() { return pulab::test::synthetic_base_file("lagam_contrast_test"); }

const char* kViews = R"(
[augmentation.weak]
name = "tabular"
mask_probability = 0.1
noise_std = 0.05

[augmentation.strong]
name = "tabular"
mask_probability = 0.3
noise_std = 0.2
)";

// LaGAM's composition with one warm-up epoch for both the meta step and the clusters, the
// neighbours from epoch 4 (0-based 3), tabular views; `extra` is appended.
std::string composition(const std::string& extra = "", bool views = true) {
  const fs::path method = fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "lagam.toml";
  return "base = [\"" + base_file().string() + "\", \"" + method.string() + "\"]\n" +
         "[regularizer.lagam_meta]\nwarmup_epochs = 1\n"
         "[regularizer.lagam_contrast]\nwarmup_epochs = 1\nknn_from_epoch = 3\n" +
         (views ? std::string(kViews) : std::string()) + extra;
}

TEST(MethodLaGAMContrast, SchemaRangesAreCheckedAndNameTheKey) {
  EXPECT_NO_THROW(pulab::test::resolve_text(composition()));
  for (const auto& [line, key] : std::vector<std::pair<std::string, std::string>>{
           {"weight = -1.0", "weight"},
           {"temperature = 0.0", "temperature"},
           {"head_dim = 0", "head_dim"},
           {"head_lr = 0.0", "head_lr"},
           {"warmup_epochs = -1", "warmup_epochs"},
           {"num_clusters = 0", "num_clusters"},
           {"kmeans_iterations = 0", "kmeans_iterations"},
           {"kmeans_restarts = 0", "kmeans_restarts"},
           {"kmeans_init = \"kmedoids\"", "kmeans_init"},
           {"num_neighbors = -1", "num_neighbors"},
           {"knn_from_epoch = -2", "knn_from_epoch"},
           {"feature_batch_size = 0", "feature_batch_size"},
           {"label_cutoff = 1", "label_cutoff"},
           {"num_cluster = 5", "num_cluster"}}) {
    const fs::path method = fs::path(PULAB_SOURCE_DIR) / "experiments" / "methods" / "lagam.toml";
    const std::string text = "base = [\"" + base_file().string() + "\", \"" + method.string() + "\"]\n" +
                             "[regularizer.lagam_contrast]\n" + line + "\n" + kViews;
    const auto msg = pulab::test::error_message([&] { pulab::test::resolve_text(text); });
    EXPECT_NE(msg.find(key), std::string::npos) << line << ": " << msg;
  }
  const auto strong = pulab::test::error_message(
      [] { pulab::test::make_component<pulab::Regularizer>("lagam_contrast", {{"strong_role", std::string("")}}); });
  EXPECT_NE(strong.find("strong_role"), std::string::npos) << strong;
}

TEST(MethodLaGAMContrast, AMissingViewIsAnErrorNamingTheTableToAdd) {
  // Only the weak view: the error names the table to add.
  const auto no_strong = pulab::test::error_message([] {
    pulab::test::train_text(composition("[augmentation.weak]\nname = \"tabular\"\nnoise_std = 0.1\n", false));
  });
  EXPECT_NE(no_strong.find("[augmentation.strong]"), std::string::npos) << no_strong;
  // A renamed role is asked for under its new name.
  const auto renamed = pulab::test::error_message(
      [] { pulab::test::train_text(composition(), {"regularizer.lagam_contrast.weak_role=\"light\""}); });
  EXPECT_NE(renamed.find("[augmentation.light]"), std::string::npos) << renamed;
}

// ---------------------------------------------------------------- the head and its state

// What lagam_contrast asks of a run: the model, the training inputs, the progress, two views.
class TinyContext final : public pulab::test::ContextDouble {
 public:
  TinyContext(std::shared_ptr<pulab::ScoreModel> model, torch::Tensor inputs, std::int64_t n_labeled)
      : ContextDouble(n_labeled, inputs.size(0) - n_labeled, 0.4, 10) {
    run_model = std::move(model);
    x = std::move(inputs);
    now = {0, 10, 0};
    weak_ = pulab::test::make_component<pulab::Augmentation>("tabular", {{"noise_std", 0.1}}, {x.size(1)});
    strong_ = pulab::test::make_component<pulab::Augmentation>(
        "tabular", {{"mask_probability", 0.3}, {"noise_std", 0.3}}, {x.size(1)});
  }
  pulab::Augmentation& augmentation(const std::string& role) override {
    if (role == "weak") return *weak_;
    if (role == "strong") return *strong_;
    throw pulab::Error("no [augmentation." + role + "]");
  }

 private:
  std::shared_ptr<pulab::Augmentation> weak_, strong_;
};

TEST(MethodLaGAMContrast, AModelWithoutEmbeddingIsAnError) {
  TinyContext ctx(pulab::test::make_component<pulab::ScoreModel>("linear", {}, {3}), torch::randn({8, 3}), 2);
  auto reg = pulab::test::make_component<pulab::Regularizer>("lagam_contrast");
  const auto msg = pulab::test::error_message([&] { dynamic_cast<pulab::TrainingHook&>(*reg).on_run_start(ctx); });
  EXPECT_NE(msg.find("lagam_contrast"), std::string::npos) << msg;
  EXPECT_NE(msg.find("embedding"), std::string::npos) << msg;
  // More clusters than training samples.
  TinyContext small(pulab::test::make_component<pulab::ScoreModel>("mlp", {{"hidden", ParamValue(std::vector<std::int64_t>{4})}}, {3}),
                    torch::randn({4, 3}), 2);
  const auto k = pulab::test::error_message([&] { dynamic_cast<pulab::TrainingHook&>(*reg).on_run_start(small); });
  EXPECT_NE(k.find("num_clusters"), std::string::npos) << k;
}

// 4 labeled positives and 12 unlabeled rows of 3 features; an MLP 3-8-1.
struct TinyRun {
  torch::Tensor x;
  std::shared_ptr<pulab::ScoreModel> model;
  TinyRun() {
    torch::manual_seed(2);
    x = torch::randn({16, 3});
    x.slice(0, 0, 8).add_(2.0);
    model = pulab::test::make_component<pulab::ScoreModel>("mlp", {{"hidden", ParamValue(std::vector<std::int64_t>{8})}},
                                                           {3});
  }
  pulab::Batch batch(const pulab::SampleState& state, std::int64_t epoch) const {
    pulab::Batch b;
    b.x_p = x.slice(0, 0, 4);
    b.x_u = x.slice(0, 4);
    b.ids_p = torch::arange(4, torch::kLong);
    b.ids_u = torch::arange(4, 16, torch::kLong);
    b.state = &state;
    b.progress = {epoch * 10, 100, epoch};
    return b;
  }
};

// One step of the component as the engine calls it: prepare, the scores of the (weak) batch, the
// penalty, after_step (the head's Adam). Returns the penalty.
double step(pulab::Regularizer& reg, TinyRun& run, TinyContext& ctx, std::int64_t epoch, std::uint64_t seed) {
  torch::manual_seed(seed);
  auto batch = run.batch(ctx.state(), epoch);
  reg.prepare(batch, batch.progress);
  const auto g = run.model->forward(torch::cat({batch.x_p, batch.x_u}));
  const pulab::Scores scores{g.slice(0, 0, 4), g.slice(0, 4)};
  const double penalty = reg.penalty(*run.model, batch, scores, batch.progress).item<double>();
  dynamic_cast<pulab::TrainingHook&>(reg).after_step(ctx, batch);
  return penalty;
}

TEST(MethodLaGAMContrast, TheHeadLearnsAndSaveLoadRestoresItAndItsAdam) {
  const std::map<std::string, ParamValue> set{{"warmup_epochs", std::int64_t(1)}, {"num_clusters", std::int64_t(3)},
                                              {"num_neighbors", std::int64_t(3)}, {"knn_from_epoch", std::int64_t(1)},
                                              {"head_dim", std::int64_t(4)}, {"head_lr", 0.05}};
  TinyRun run;
  TinyContext ctx(run.model, run.x, 4);
  auto a = pulab::test::make_component<pulab::Regularizer>("lagam_contrast", set);
  auto& hook_a = dynamic_cast<pulab::TrainingHook&>(*a);
  hook_a.on_run_start(ctx);
  // The warm-up: the inputs become the weak view (the clean batch is not what the step sees).
  {
    torch::manual_seed(0);
    auto batch = run.batch(ctx.state(), 0);
    a->prepare(batch, batch.progress);
    EXPECT_FALSE(batch.x_u.equal(run.x.slice(0, 4)));
    EXPECT_EQ(batch.x_u.sizes(), run.x.slice(0, 4).sizes());
  }
  // The same batch and draws before and after a step of the head: the head's Adam moved it.
  const double first = step(*a, run, ctx, 0, 7);
  const double again = step(*a, run, ctx, 0, 7);
  EXPECT_NE(first, again);
  // After the warm-up: clusters of all 16 samples at the epoch's start, the group term joins.
  ctx.now = {10, 100, 1};
  hook_a.on_epoch_start(ctx);
  step(*a, run, ctx, 1, 8);

  torch::serialize::OutputArchive out;
  hook_a.save(out);
  std::stringstream buffer;
  out.save_to(buffer);
  torch::serialize::InputArchive in;
  in.load_from(buffer);
  auto b = pulab::test::make_component<pulab::Regularizer>("lagam_contrast", set);
  auto& hook_b = dynamic_cast<pulab::TrainingHook&>(*b);
  hook_b.on_run_start(ctx);  // a fresh head, then the saved one
  hook_b.load(in);
  // Head, Adam moments and clusters restored: the two continue identically, step after step.
  for (std::uint64_t seed : {21, 22, 23}) {
    const double pa = step(*a, run, ctx, 1, seed);
    const double pb = step(*b, run, ctx, 1, seed);
    EXPECT_EQ(pa, pb) << seed;
  }
  // A component that was not restored differs.
  auto c = pulab::test::make_component<pulab::Regularizer>("lagam_contrast", set);
  dynamic_cast<pulab::TrainingHook&>(*c).on_run_start(ctx);
  dynamic_cast<pulab::TrainingHook&>(*c).on_epoch_start(ctx);
  EXPECT_NE(step(*a, run, ctx, 1, 30), step(*c, run, ctx, 1, 30));
  // Weight 0: no penalty, the inputs untouched.
  auto off = pulab::test::make_component<pulab::Regularizer>("lagam_contrast", {{"weight", 0.0}});
  dynamic_cast<pulab::TrainingHook&>(*off).on_run_start(ctx);
  auto batch = run.batch(ctx.state(), 1);
  off->prepare(batch, batch.progress);
  EXPECT_TRUE(batch.x_u.equal(run.x.slice(0, 4)));
  EXPECT_FALSE(off->penalty(*run.model, batch, {}, batch.progress).defined());
  EXPECT_TRUE(off->state_use().writes.empty());
  EXPECT_TRUE(off->state_use().reads.empty());
}

// ---------------------------------------------------------------- training

TEST(MethodLaGAMContrast, ShortSyntheticRunWithTabularViewsLearns) {
  const auto result = pulab::test::train_text(composition());
  EXPECT_GE(result["last"]["test"]["accuracy"].get<double>(), 0.9);
  EXPECT_EQ(result["config"]["regularizer"]["lagam_contrast"]["warmup_epochs"], 1);
  EXPECT_TRUE(result["versions"]["plugins_used"].contains("augmentations"));
  // The penalty is part of the objective: the same run without the module has another one.
  const auto without = pulab::test::train_text(composition(), {"regularizer.lagam_contrast.enabled=false"});
  EXPECT_NE(result["epochs"][0]["train_objective"].get<double>(), without["epochs"][0]["train_objective"].get<double>());
}

// Stopped after the warm-up epoch and one clustered epoch, a resumed run continues bit for bit:
// the head, its Adam, the clusters, the targets and the generator come back from the checkpoint.
TEST(MethodLaGAMContrast, AResumedRunContinuesBitIdentically) {
  pulab::test::expect_resume_bit_identical(composition(), 2, "lagam_contrast");
}

}  // namespace
