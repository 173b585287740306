// Augmentations (pulab/augmentation.hpp, plugins/augmentations): each image operation checked
// sample by sample (a translation is a whole-pixel shift with zero fill, a cutout one square, a
// flip a mirror), the tabular masking rate and noise, their schema errors, determinism under the
// global generator; and the engine's side: [augmentation.<role>] tables resolved (unknown names
// with did-you-mean), handed to a hook that asks for its role, an error naming the table when it
// is missing, a warning when no component asks, and runs without augmentations unchanged.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include <torch/torch.h>

#include "pulab/augmentation.hpp"
#include "pulab/error.hpp"
#include "pulab/training_hook.hpp"
#include "test_support.hpp"

namespace {

using pulab::Augmentation;
using pulab::ParamValue;

std::shared_ptr<Augmentation> image(const std::map<std::string, ParamValue>& set, std::vector<std::int64_t> shape) {
  return pulab::test::make_component<Augmentation>("image", set, shape);
}

// B images of h x w, every pixel a distinct positive value (so a zero is padding or cutout).
torch::Tensor distinct_images(std::int64_t b, std::int64_t h, std::int64_t w) {
  return torch::arange(1, b * h * w + 1, torch::kFloat).view({b, h * w});
}

// The (dy, dx) for which `out` is `in` translated with zero fill, or nothing.
std::optional<std::pair<int, int>> shift_of(const torch::Tensor& in, const torch::Tensor& out, int h, int w, int k) {
  const auto a = in.view({h, w}), b = out.view({h, w});
  std::optional<std::pair<int, int>> found;
  for (int dy = -k; dy <= k; ++dy) {
    for (int dx = -k; dx <= k; ++dx) {
      auto expected = torch::zeros({h, w});
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          const int sy = y + dy, sx = x + dx;  // the window starts at (k + dy, k + dx) of the padded image
          if (sy >= 0 && sy < h && sx >= 0 && sx < w) expected[y][x] = a[sy][sx];
        }
      if (torch::equal(expected, b)) {
        if (found) return std::nullopt;  // ambiguous: cannot happen with distinct pixels
        found = std::make_pair(dy, dx);
      }
    }
  }
  return found;
}

TEST(Augmentation, ImageShiftTranslatesEachImageByItsOwnWholePixelOffset) {
  torch::manual_seed(3);
  const auto aug = image({{"max_shift", std::int64_t(2)}}, {1, 6, 5});
  const auto x = distinct_images(300, 6, 5);
  const auto y = aug->apply(x);
  ASSERT_EQ(y.sizes(), x.sizes());
  std::set<std::pair<int, int>> seen;
  for (int i = 0; i < 300; ++i) {
    const auto s = shift_of(x[i], y[i], 6, 5, 2);
    ASSERT_TRUE(s.has_value()) << "sample " << i << " is not a translation of its input";
    seen.insert(*s);
  }
  EXPECT_EQ(seen.size(), 25u);  // every offset in [-2, 2]^2 drawn among 300 samples
}

TEST(Augmentation, ImageFlipMirrorsWithItsProbability) {
  torch::manual_seed(4);
  const auto x = distinct_images(400, 4, 4);
  const auto mirrored = x.view({400, 4, 4}).flip({2}).reshape({400, 16});
  EXPECT_TRUE(torch::equal(image({{"flip_probability", 1.0}}, {16})->apply(x), mirrored));
  EXPECT_TRUE(torch::equal(image({}, {16})->apply(x), x));  // every strength 0: the identity
  const auto y = image({{"flip_probability", 0.5}}, {16})->apply(x);
  int flipped = 0;
  for (int i = 0; i < 400; ++i) {
    const bool f = torch::equal(y[i], mirrored[i]);
    EXPECT_TRUE(f || torch::equal(y[i], x[i])) << i;
    flipped += f ? 1 : 0;
  }
  EXPECT_GT(flipped, 150);  // Binomial(400, 1/2): 200 +- 10
  EXPECT_LT(flipped, 250);
}

TEST(Augmentation, ImageCutoutZeroesOneSquareClippedAtTheEdges) {
  torch::manual_seed(5);
  const auto x = distinct_images(200, 8, 8);
  const auto y = image({{"cutout", std::int64_t(3)}}, {1, 8, 8})->apply(x).view({200, 8, 8});
  for (int i = 0; i < 200; ++i) {
    const auto zero = (y[i] == 0);
    const auto kept = x.view({200, 8, 8})[i].masked_fill(zero, 0);
    EXPECT_TRUE(torch::equal(kept, y[i])) << i;  // nothing but the square changed
    const auto idx = zero.nonzero();
    ASSERT_GT(idx.size(0), 0) << i;  // the square's centre is inside the image
    const auto rows = idx.select(1, 0), cols = idx.select(1, 1);
    const auto height = rows.max().item<int64_t>() - rows.min().item<int64_t>() + 1;
    const auto width = cols.max().item<int64_t>() - cols.min().item<int64_t>() + 1;
    EXPECT_LE(height, 3);
    EXPECT_LE(width, 3);
    EXPECT_EQ(idx.size(0), height * width) << i;  // a full rectangle
  }
}

TEST(Augmentation, NoiseAndTabularMaskingHaveTheirRates) {
  torch::manual_seed(6);
  const auto x = torch::ones({2000, 20});
  const auto noisy = image({{"noise_std", 0.5}}, {1, 4, 5})->apply(x) - x;
  EXPECT_NEAR(noisy.mean().item<double>(), 0.0, 0.01);
  EXPECT_NEAR(noisy.std().item<double>(), 0.5, 0.01);
  const auto masked = pulab::test::make_component<Augmentation>("tabular", {{"mask_probability", 0.3}})->apply(x);
  EXPECT_NEAR((masked == 0).to(torch::kFloat).mean().item<double>(), 0.3, 0.01);
  EXPECT_TRUE(torch::equal(masked.masked_fill(masked == 0, 1), x));  // kept features untouched, not rescaled
  const auto all = pulab::test::make_component<Augmentation>("tabular", {{"mask_probability", 1.0}})->apply(x);
  EXPECT_EQ(all.abs().sum().item<double>(), 0.0);
}

TEST(Augmentation, TheSameSeedDrawsTheSameViews) {
  const auto aug = image({{"max_shift", std::int64_t(2)}, {"cutout", std::int64_t(4)}, {"noise_std", 0.1},
                          {"flip_probability", 0.5}},
                         {784});
  const auto x = torch::rand({64, 784});
  torch::manual_seed(11);
  const auto a = aug->apply(x);
  torch::manual_seed(11);
  const auto b = aug->apply(x);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, aug->apply(x)));  // the next draw differs
}

TEST(Augmentation, ImageParametersAreCheckedAgainstTheImage) {
  const auto shift = pulab::test::error_message([] { image({{"max_shift", std::int64_t(28)}}, {784}); });
  EXPECT_NE(shift.find("max_shift = 28 must be smaller than the image (28 x 28)"), std::string::npos) << shift;
  const auto cutout = pulab::test::error_message([] { image({{"cutout", std::int64_t(40)}}, {1, 28, 28}); });
  EXPECT_NE(cutout.find("cutout = 40 is larger than the image"), std::string::npos) << cutout;
  const auto flat = pulab::test::error_message([] { image({}, {57}); });
  EXPECT_NE(flat.find("augmentation image needs image inputs"), std::string::npos) << flat;
  EXPECT_NE(flat.find("got 57"), std::string::npos) << flat;
}

// ---------------------------------------------------------------- the engine's side

// A hook that asks for the role "strong" at run start and applies it to every step's U batch.
struct ProbeRecord {
  int steps = 0;
  bool same_shape = true, changed = false;
};
ProbeRecord& probe_record() {
  static ProbeRecord r;
  return r;
}

class ViewProbe final : public pulab::TrainingHook {
 public:
  static pulab::Schema schema() { return {pulab::param::text("role", "strong", "the augmentation role to ask for")}; }
  explicit ViewProbe(const pulab::Params& p) : role_(p.text("role")) {}
  void on_run_start(pulab::TrainingContext& context) override { view_ = &context.augmentation(role_); }
  void after_step(pulab::TrainingContext& /*context*/, const pulab::Batch& batch) override {
    const auto v = view_->apply(batch.x_u);
    auto& r = probe_record();
    ++r.steps;
    r.same_shape = r.same_shape && v.sizes() == batch.x_u.sizes();
    r.changed = r.changed || !torch::equal(v, batch.x_u);
  }

 private:
  std::string role_;
  Augmentation* view_ = nullptr;
};

void register_probe() {
  static const bool once = [] {
    pulab::Registrar registrar(pulab::test::builtin_host().registries(), "test_augmentation", "tests/test_augmentation.cpp");
    registrar.add<pulab::TrainingHook, ViewProbe>("view_probe", "test: applies [augmentation.<role>] to U after each step");
    return true;
  }();
  (void)once;
}

std::string experiment(const std::string& extra) {
  return pulab::test::synthetic_methods_base("augmentation", 2, true) + extra;
}

TEST(AugmentationEngine, AHookGetsItsRoleAndAppliesItDuringTraining) {
  register_probe();
  probe_record() = {};
  const auto r = pulab::test::train_text(
      experiment("[hook.view_probe]\n[augmentation.strong]\nname = \"tabular\"\nmask_probability = 0.2\n"));
  EXPECT_GT(probe_record().steps, 0);
  EXPECT_TRUE(probe_record().same_shape);
  EXPECT_TRUE(probe_record().changed);
  EXPECT_EQ(r["config"]["augmentation"]["strong"]["name"], "tabular");
  EXPECT_EQ(r["config"]["augmentation"]["strong"]["mask_probability"], 0.2);
}

TEST(AugmentationEngine, AMissingRoleIsAnErrorNamingTheTable) {
  register_probe();
  const auto message = pulab::test::error_message(
      [] { pulab::test::train_text(experiment("[hook.view_probe]\n[augmentation.weak]\nname = \"tabular\"\n")); });
  EXPECT_NE(message.find("add a table [augmentation.strong]"), std::string::npos) << message;
  EXPECT_NE(message.find("(the run has [augmentation.weak])"), std::string::npos) << message;
}

TEST(AugmentationEngine, TablesAreCheckedWhenTheExperimentIsResolved) {
  const auto unknown = pulab::test::error_message(
      [] { pulab::test::resolve_text(experiment("[augmentation.strong]\nname = \"imagee\"\n")); });
  EXPECT_NE(unknown.find("unknown augmentation 'imagee'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("did you mean 'image'"), std::string::npos) << unknown;
  const auto nameless =
      pulab::test::error_message([] { pulab::test::resolve_text(experiment("[augmentation.strong]\nmax_shift = 2\n")); });
  EXPECT_NE(nameless.find("[augmentation.strong] needs a 'name'"), std::string::npos) << nameless;
  const auto key = pulab::test::error_message(
      [] { pulab::test::resolve_text(experiment("[augmentation.strong]\nname = \"tabular\"\nnoise = 0.1\n")); });
  EXPECT_NE(key.find("noise"), std::string::npos) << key;
  const auto range = pulab::test::error_message(
      [] { pulab::test::resolve_text(experiment("[augmentation.strong]\nname = \"tabular\"\nmask_probability = 2.0\n")); });
  EXPECT_NE(range.find("mask_probability"), std::string::npos) << range;
  // Switched off, it is not part of the run.
  const auto off = pulab::test::resolve_text(experiment("[augmentation.strong]\nname = \"tabular\"\nenabled = false\n"));
  EXPECT_TRUE(off.front().augmentations.empty());
}

TEST(AugmentationEngine, AnUnusedTableIsWarnedAboutAndChangesNoNumber) {
  const auto plain = pulab::test::train_text(experiment(""));
  EXPECT_FALSE(plain["config"].contains("augmentation"));  // older runs' configurations stay as they were
  testing::internal::CaptureStderr();
  const auto unused = pulab::test::train_text(experiment("[augmentation.weak]\nname = \"image\"\nmax_shift = 1\n"));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("warning: [augmentation.weak] is not used by any component of this run"), std::string::npos) << err;
  ASSERT_EQ(plain["epochs"].size(), unused["epochs"].size());
  for (std::size_t e = 0; e < plain["epochs"].size(); ++e) {
    EXPECT_EQ(plain["epochs"][e]["train_risk"], unused["epochs"][e]["train_risk"]) << e;
    EXPECT_EQ(plain["epochs"][e]["test"]["accuracy"], unused["epochs"][e]["test"]["accuracy"]) << e;
  }
}

}  // namespace
