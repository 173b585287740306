// Tests of PU-Bench's protocol and data (issue 16): split.label_frequency in both scenarios and its
// errors, the labelings lbe_a / lbe_b / pusb (plugins/pubench_labelings), PU-Bench's tabular MLP,
// the tabular base experiments, and the conversion of Debian's .rda files to CSV
// (datasets/tabular/rda_to_csv.py). The tests on real package files skip when the package is not
// installed, and are labelled slow (PubenchDataReal.*).
//
// Synthetic tables carry a unique row id in column 0, so where every training instance went can
// be checked exactly; x[:, 1] is shifted by +shift for positives and -shift for negatives, so a
// logistic regression's p(y=+1|x) grows with x[:, 1] and the mean of x[:, 1] over the labeled
// positives shows which positives a labeling prefers.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "config/config_node.hpp"
#include "config/experiment.hpp"
#include "data/pu_split.hpp"
#include "engine/results.hpp"
#include "engine/trainer.hpp"
#include "pulab/labeling_mechanism.hpp"
#include "pulab/model.hpp"
#include "pulab/readers.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using pulab::test::builtin_host;
using pulab::test::error_message;

namespace {

// n_train + n_test rows; class y in 0..3 (positives: 1 and 3); x[:, 0] = a unique row id.
pulab::LabeledData table(std::int64_t n_train, std::int64_t n_test, double shift = 1.0, std::uint64_t seed = 7) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto make = [&](std::int64_t n, std::int64_t first_id) {
    auto y = torch::randint(4, {n}, gen, torch::TensorOptions().dtype(torch::kLong));
    auto x = torch::randn({n, 6}, gen);
    x.select(1, 1).add_(((y.remainder(2) == 1).to(torch::kFloat) * 2 - 1) * shift);
    x.select(1, 0).copy_(torch::arange(first_id, first_id + n, torch::kFloat));
    return pulab::LabeledSet{x.contiguous(), y};
  };
  pulab::LabeledData data;
  data.train = make(n_train, 0);
  data.test = make(n_test, n_train);
  data.default_positive_classes = {1, 3};
  return data;
}

pulab::SplitConfig by_frequency(double c, std::int64_t n_validation, const std::string& scenario = "single") {
  pulab::SplitConfig s;
  s.label_frequency = c;
  s.n_validation = n_validation;
  s.scenario = scenario;
  return s;
}

std::shared_ptr<pulab::LabelingMechanism> labeling(const std::string& name,
                                                   const std::map<std::string, pulab::ParamValue>& set = {}) {
  const auto* c = builtin_host().registries().labelings.find(name);
  if (!c) throw std::runtime_error("labeling '" + name + "' is not loaded");
  auto params = pulab::Params::defaults(c->schema);
  if (c->schema.find("verbose")) params.set("verbose", false);
  for (const auto& [k, v] : set) params.set(k, v);
  return c->factory(params, pulab::BuildContext{});
}

std::set<std::int64_t> ids(const torch::Tensor& x) {
  std::set<std::int64_t> s;
  if (x.size(0) == 0) return s;
  auto col = x.select(1, 0).to(torch::kLong).contiguous();
  for (std::int64_t i = 0; i < col.numel(); ++i) s.insert(col.data_ptr<std::int64_t>()[i]);
  EXPECT_EQ(std::int64_t(s.size()), x.size(0)) << "a row appears twice in one part";
  return s;
}

std::int64_t floor_of(double c, std::int64_t n) { return static_cast<std::int64_t>(std::floor(double(n) * c)); }

// The positives of the pool a split drew from: the training rows that are not validation rows.
std::int64_t pool_positives(const pulab::LabeledData& data, const pulab::PUData& pu) {
  const auto positive = pulab::binarize(data.train.y, data.default_positive_classes);
  return positive.sum().item<std::int64_t>() - pu.y_val.sum().item<std::int64_t>();
}

struct Draw {
  torch::Tensor picked;    // int64 indices into the pool
  torch::Tensor positive;  // bool [n]
  torch::Tensor x;
};

Draw draw(pulab::LabelingMechanism& mech, const pulab::LabeledData& data, std::int64_t n, std::uint64_t seed) {
  const auto positive = pulab::binarize(data.train.y, data.default_positive_classes);
  return {mech.select({data.train.x, positive, n, seed}), positive, data.train.x};
}

// Mean of x[:, 1] (grows with p(y=+1|x)) over the labeled positives minus over all positives.
double shift_of_labeled(const Draw& d) {
  const auto proj = d.x.select(1, 1);
  return proj.index_select(0, d.picked).mean().item<double>() - proj.masked_select(d.positive).mean().item<double>();
}

void expect_valid_draw(const Draw& d, std::int64_t n) {
  ASSERT_EQ(d.picked.dim(), 1);
  ASSERT_EQ(d.picked.size(0), n) << "the requested count was not reached";
  EXPECT_EQ(std::get<0>(torch::_unique(d.picked)).size(0), n) << "repeated indices";
  EXPECT_TRUE(d.positive.index_select(0, d.picked).all().item<bool>()) << "a negative was labeled";
}

// A command's exit status and its output (stdout and stderr together).
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

const std::string kPython = "/usr/bin/python3";
const fs::path kConverter = fs::path(PULAB_SOURCE_DIR) / "datasets" / "tabular" / "rda_to_csv.py";
const fs::path kSpamRda = "/usr/lib/R/site-library/kernlab/data/spam.rda";

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Files under a folder (recursively), hidden ones included: what a failed conversion left behind.
std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> found;
  if (!fs::exists(dir)) return found;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) found.push_back(e.path().string());
  }
  return found;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// split.label_frequency

TEST(PubenchSplit, LabelFrequencySingleScenarioSizes) {
  const auto data = table(2000, 200);
  const auto pu = pulab::make_pu_split(data, by_frequency(0.25, 300), *labeling("scar"), 11);
  const auto n_pool_pos = pool_positives(data, pu);
  const auto n_p = floor_of(0.25, n_pool_pos);
  EXPECT_EQ(pu.x_p.size(0), n_p);
  EXPECT_EQ(pu.stats.n_labeled, n_p);
  EXPECT_EQ(pu.x_val.size(0), 300);
  EXPECT_EQ(pu.x_u.size(0), 2000 - 300 - n_p) << "single: U is the pool without the labeled positives";
  const auto p = ids(pu.x_p), u = ids(pu.x_u), v = ids(pu.x_val);
  for (auto id : p) {
    EXPECT_FALSE(u.count(id));
    EXPECT_FALSE(v.count(id));
  }
  for (auto id : u) EXPECT_FALSE(v.count(id));
  EXPECT_EQ(p.size() + u.size() + v.size(), 2000u);
  // The validation set's PU view: floor(c * its positives), positives only.
  EXPECT_EQ(pu.stats.n_validation_labeled, floor_of(0.25, pu.y_val.sum().item<std::int64_t>()));
  EXPECT_FALSE((pu.val_labeled & ~pu.y_val).any().item<bool>());
  // The true prior of U: the pool's positives not labeled, over U.
  EXPECT_DOUBLE_EQ(pu.stats.true_prior, double(n_pool_pos - n_p) / double(2000 - 300 - n_p));
}

TEST(PubenchSplit, LabelFrequencyCaseControlSizes) {
  const auto data = table(2000, 200);
  const auto pu = pulab::make_pu_split(data, by_frequency(0.1, 300, "case_control"), *labeling("scar"), 11);
  const auto n_pool_pos = pool_positives(data, pu);
  EXPECT_EQ(pu.x_p.size(0), floor_of(0.1, n_pool_pos));
  EXPECT_EQ(pu.x_u.size(0), 2000 - 300) << "case_control: U is the whole pool";
  const auto p = ids(pu.x_p), u = ids(pu.x_u), v = ids(pu.x_val);
  for (auto id : p) EXPECT_TRUE(u.count(id)) << "labeled positive " << id << " is missing from U";
  for (auto id : u) EXPECT_FALSE(v.count(id));
  EXPECT_DOUBLE_EQ(pu.stats.true_prior, double(n_pool_pos) / 1700.0) << "U's prior is the pool's";
  // c = 1 labels every positive of the pool; U keeps them, so its prior is still defined.
  const auto all = pulab::make_pu_split(data, by_frequency(1.0, 300, "case_control"), *labeling("scar"), 11);
  EXPECT_EQ(all.x_p.size(0), n_pool_pos);
}

TEST(PubenchSplit, ValidationIsTakenBeforeTheLabelingAsWithNLabeled) {
  // The same seed gives the same validation rows, and n_labeled = floor(c * P) the same labeled
  // positives: the frequency only decides the count, the order of the steps is unchanged.
  const auto data = table(2000, 100);
  for (const std::string mech : {"scar", "lbe_a"}) {
    SCOPED_TRACE(mech);
    const auto a = pulab::make_pu_split(data, by_frequency(0.3, 250), *labeling(mech), 4);
    pulab::SplitConfig counted;
    counted.n_labeled = a.x_p.size(0);
    counted.n_validation = 250;
    counted.scenario = "single";
    const auto b = pulab::make_pu_split(data, counted, *labeling(mech), 4);
    EXPECT_TRUE(torch::equal(a.x_val, b.x_val));
    EXPECT_TRUE(torch::equal(a.x_p, b.x_p));
    EXPECT_TRUE(torch::equal(a.x_u, b.x_u));
  }
}

TEST(PubenchSplit, LabelFrequencyIsDeterministicPerSeed) {
  const auto data = table(1500, 100);
  for (const std::string mech : {"scar", "lbe_a", "lbe_b", "pusb"}) {
    SCOPED_TRACE(mech);
    const auto a = pulab::make_pu_split(data, by_frequency(0.2, 200), *labeling(mech), 5);
    const auto b = pulab::make_pu_split(data, by_frequency(0.2, 200), *labeling(mech), 5);
    const auto c = pulab::make_pu_split(data, by_frequency(0.2, 200), *labeling(mech), 6);
    EXPECT_TRUE(torch::equal(a.x_p, b.x_p));
    EXPECT_TRUE(torch::equal(a.val_labeled, b.val_labeled));
    EXPECT_FALSE(torch::equal(a.x_p, c.x_p));
  }
}

TEST(PubenchSplit, LabelFrequencyErrorsAreClear) {
  const auto data = table(1000, 100);
  // Every positive labeled in the single scenario: U has no positives, its true prior would be 0.
  const auto msg = error_message([&] { pulab::make_pu_split(data, by_frequency(1.0, 100), *labeling("scar"), 0); });
  EXPECT_NE(msg.find("split.label_frequency = 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no positives"), std::string::npos) << msg;
  // A frequency so low that no positive is labeled.
  const auto msg2 =
      error_message([&] { pulab::make_pu_split(data, by_frequency(1e-4, 100), *labeling("scar"), 0); });
  EXPECT_NE(msg2.find("split.label_frequency = 0.0001"), std::string::npos) << msg2;
  EXPECT_NE(msg2.find("labels no positive"), std::string::npos) << msg2;
}

TEST(PubenchConfig, LabelFrequencyOutsideZeroOneOrWithNLabeledIsRefused) {
  const std::string head = "[dataset]\nname = \"synthetic\"\n[model]\nname = \"mlp\"\n[risk]\nname = \"naive\"\n";
  for (const std::string bad : {"0", "0.0", "1.5", "-0.1"}) {
    SCOPED_TRACE(bad);
    const auto msg = error_message([&] { pulab::test::resolve_text(head + "[split]\nlabel_frequency = " + bad + "\n"); });
    EXPECT_NE(msg.find("<test>:8:"), std::string::npos) << "names file:line: " << msg;
    EXPECT_NE(msg.find("split.label_frequency"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(0, 1]"), std::string::npos) << msg;
  }
  const auto both = error_message(
      [&] { pulab::test::resolve_text(head + "[split]\nn_labeled = 100\nlabel_frequency = 0.1\n"); });
  EXPECT_NE(both.find("<test>:9:"), std::string::npos) << both;
  EXPECT_NE(both.find("split.n_labeled (<test>:8:"), std::string::npos) << both;
  EXPECT_NE(both.find("both given"), std::string::npos) << both;
  // A base that sets n_labeled conflicts too: the merged file has both.
  const auto base = error_message([&] {
    pulab::test::resolve_text("base = [\"experiments/base/synthetic.toml\"]\n[split]\nlabel_frequency = 0.1\n");
  });
  EXPECT_NE(base.find("both given"), std::string::npos) << base;
  // c = 1 is allowed.
  EXPECT_DOUBLE_EQ(pulab::test::resolve_text(head + "[split]\nlabel_frequency = 1\n")[0].split.label_frequency, 1.0);
}

TEST(PubenchConfig, TheWrittenConfigurationHasOneOfTheTwoAndRunsAgain) {
  const std::string head = "[dataset]\nname = \"synthetic\"\n[model]\nname = \"mlp\"\n[risk]\nname = \"naive\"\n";
  const auto spec = pulab::test::resolve_text(head + "[split]\nlabel_frequency = 0.2\nscenario = \"case_control\"\n")[0];
  EXPECT_DOUBLE_EQ(spec.split.label_frequency, 0.2);
  const auto* split = spec.resolved.find("split");
  ASSERT_NE(split, nullptr);
  EXPECT_NE(split->find("label_frequency"), nullptr);
  EXPECT_EQ(split->find("n_labeled"), nullptr) << "n_labeled is not what this run used";
  const auto again = pulab::test::resolve_text(pulab::to_toml_document(spec.resolved))[0];
  EXPECT_DOUBLE_EQ(again.split.label_frequency, 0.2);
  // Without label_frequency the written configuration is as before the key existed.
  const auto counted = pulab::test::resolve_text(head)[0];
  EXPECT_EQ(counted.resolved.find("split")->find("label_frequency"), nullptr);
  EXPECT_NE(counted.resolved.find("split")->find("n_labeled"), nullptr);
  EXPECT_EQ(counted.split.label_frequency, 0.0);
}

TEST(PubenchConfig, TrainingRunWithLabelFrequency) {
  const auto result = pulab::test::train_text(
      "[dataset]\nname = \"synthetic\"\nn_train = 2000\nn_test = 500\n[model]\nname = \"mlp\"\nhidden = [16]\n"
      "[risk]\nname = \"nnpu\"\n[labeling]\nname = \"lbe_b\"\nverbose = false\n"
      "[split]\npositive_classes = [1]\nlabel_frequency = 0.1\nn_validation = 100\nscenario = \"case_control\"\n",
      {"train.epochs=1"});
  EXPECT_EQ(result["status"], "finished");
  const std::int64_t n_p = result["split"]["n_labeled"];
  EXPECT_GT(n_p, 50);
  EXPECT_EQ(result["split"]["n_unlabeled"], 1900);
  EXPECT_EQ(result["config"]["split"]["label_frequency"], 0.1);
  EXPECT_FALSE(result["config"]["split"].contains("n_labeled"));
}

// ---------------------------------------------------------------------------------------------
// Labelings: lbe_a, lbe_b, pusb

TEST(PubenchLabeling, EachLabelsOnlyPositivesReachesTheCountAndIsDeterministicPerSeed) {
  const auto data = table(3000, 10);
  for (const std::string name : {"lbe_a", "lbe_b", "pusb"}) {
    SCOPED_TRACE(name);
    const auto a = draw(*labeling(name), data, 300, 4);
    expect_valid_draw(a, 300);
    const auto b = draw(*labeling(name), data, 300, 4);
    const auto c = draw(*labeling(name), data, 300, 5);
    EXPECT_TRUE(torch::equal(a.picked, b.picked)) << "the same seed must label the same positives";
    EXPECT_FALSE(torch::equal(std::get<0>(torch::sort(a.picked)), std::get<0>(torch::sort(c.picked))))
        << "another seed must label other positives";
  }
}

TEST(PubenchLabeling, LbeAAndPusbPreferConfidentPositivesLbeBTheBoundary) {
  const auto data = table(6000, 10);
  std::map<std::string, double> shift;
  for (const std::string name : {"scar", "lbe_a", "lbe_b", "pusb"}) {
    const auto d = draw(*labeling(name), data, 300, 21);
    expect_valid_draw(d, 300);
    shift[name] = shift_of_labeled(d);
  }
  const auto top = draw(*labeling("pusb", {{"rule", std::string("top_n")}}), data, 300, 21);
  expect_valid_draw(top, 300);
  shift["pusb top_n"] = shift_of_labeled(top);
  for (const auto& [k, v] : shift) std::printf("[ pubench ] mean x[:, 1] of labeled minus all positives, %s: %.3f\n", k.c_str(), v);
  // 300 uniform picks of ~3000 positives: the mean's std is ~1/sqrt(300) = 0.058.
  EXPECT_LT(std::abs(shift["scar"]), 0.2);
  EXPECT_GT(shift["lbe_a"], 0.5) << "LBE-A ~ p^10 favours large p(y=+1|x)";
  EXPECT_LT(shift["lbe_b"], -0.3) << "LBE-B ~ (2.5 - p)^10 favours small p(y=+1|x)";
  EXPECT_GT(shift["pusb"], 0.2) << "PUSB accepts ~ p / max p";
  EXPECT_GT(shift["pusb top_n"], shift["lbe_a"]) << "the top n by p are the most biased set";
  // The top-n rule uses no random number.
  const auto top2 = draw(*labeling("pusb", {{"rule", std::string("top_n")}}), data, 300, 99);
  EXPECT_TRUE(torch::equal(top.picked, top2.picked));
}

TEST(PubenchLabeling, AlmostEveryPositiveCanBeLabeled) {
  const auto data = table(1000, 10);
  const auto n_pos = pulab::binarize(data.train.y, {1, 3}).sum().item<std::int64_t>();
  for (const std::string name : {"lbe_a", "lbe_b", "pusb"}) {
    SCOPED_TRACE(name);
    expect_valid_draw(draw(*labeling(name), data, n_pos - 3, 2), n_pos - 3);
    expect_valid_draw(draw(*labeling(name), data, n_pos, 2), n_pos);
  }
}

TEST(PubenchLabeling, AnUnreachableCountIsAnErrorNotAHang) {
  const auto data = table(2000, 10, 3.0);
  const auto n_pos = pulab::binarize(data.train.y, {1, 3}).sum().item<std::int64_t>();
  const auto t0 = std::chrono::steady_clock::now();
  // pusb: acceptance ~ (p / mean)^1000 is ~0 for all but a few positives.
  const auto msg = error_message([&] {
    draw(*labeling("pusb", {{"power", 1000.0}, {"max_rounds", std::int64_t{50}}}), data, n_pos - 1, 0);
  });
  EXPECT_NE(msg.find("pusb"), std::string::npos) << msg;
  EXPECT_NE(msg.find("n_labeled = " + std::to_string(n_pos - 1)), std::string::npos) << msg;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 20.0);
  // lbe_a without the uniform share and a huge k: the probabilities of the positives with
  // p(y=+1|x) below ~0.47 underflow to 0 (p^1000 / max), fewer than n drawable.
  const auto spread = table(2000, 10, 1.0);
  const auto n_pos_spread = pulab::binarize(spread.train.y, {1, 3}).sum().item<std::int64_t>();
  const auto msg2 = error_message([&] {
    draw(*labeling("lbe_a", {{"k", 1000.0}, {"uniform_mix", 0.0}}), spread, n_pos_spread - 1, 0);
  });
  EXPECT_NE(msg2.find("lbe_a"), std::string::npos) << msg2;
  EXPECT_NE(msg2.find("non-zero"), std::string::npos) << msg2;
  // More than the pool holds.
  const auto msg3 = error_message([&] { draw(*labeling("lbe_b"), data, n_pos + 1, 0); });
  EXPECT_NE(msg3.find("n_labeled = " + std::to_string(n_pos + 1)), std::string::npos) << msg3;
}

// ---------------------------------------------------------------------------------------------
// PU-Bench's tabular MLP and the tabular base experiments

TEST(PubenchModel, TabularMlpHasPuBenchsLayersAndDropout) {
  const auto* c = builtin_host().registries().models.find("tabular_mlp");
  ASSERT_NE(c, nullptr);
  const auto params = pulab::Params::defaults(c->schema);
  EXPECT_EQ(params.integers("hidden"), (std::vector<std::int64_t>{512, 256, 128, 64}));
  EXPECT_EQ(params.reals("dropout"), (std::vector<double>{0.3, 0.3, 0.2, 0.0}));
  pulab::BuildContext ctx;
  ctx.input_shape = {57};
  auto model = c->factory(params, ctx);
  std::int64_t n_params = 0;
  for (const auto& p : model->parameters()) n_params += p.numel();
  // 57*512+512 + 512*256+256 + 256*128+128 + 128*64+64 + 64+1
  EXPECT_EQ(n_params, 57 * 512 + 512 + 512 * 256 + 256 + 256 * 128 + 128 + 128 * 64 + 64 + 64 + 1);
  model->eval();
  const auto x = torch::randn({5, 57});
  EXPECT_EQ(model->forward(x).sizes(), (std::vector<std::int64_t>{5}));
  // One dropout rate per hidden layer.
  auto wrong = params;
  wrong.set("dropout", std::vector<double>{0.3});
  const auto msg = error_message([&] { c->factory(wrong, ctx); });
  EXPECT_NE(msg.find("one rate per hidden layer"), std::string::npos) << msg;
}

TEST(PubenchModel, TabularBaseFilesFollowPuBenchsTypicalSetting) {
  struct Expect {
    std::string name;
    std::vector<std::int64_t> classes;
    std::int64_t n_validation;
  };
  for (const auto& e : {Expect{"spambase", {1}, 37}, Expect{"ticdata", {1}, 58}, Expect{"satellite", {3}, 44},
                        Expect{"shuttle", {0}, 435},
                        Expect{"letter", {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 160}}) {
    SCOPED_TRACE(e.name);
    const auto specs = pulab::test::resolve_text("base = [\"experiments/base/" + e.name + ".toml\"]\n");
    ASSERT_EQ(specs.size(), 1u);
    const auto& s = specs[0];
    EXPECT_EQ(s.dataset.name, "csv");
    EXPECT_EQ(s.dataset.params.text("path"), e.name + "/train.csv");
    EXPECT_EQ(s.dataset.params.text("normalize"), "standardize");
    EXPECT_EQ(s.split.positive_classes, e.classes);
    EXPECT_DOUBLE_EQ(s.split.label_frequency, 0.1);
    EXPECT_EQ(s.split.n_validation, e.n_validation);
    EXPECT_EQ(s.split.scenario, "case_control");
    EXPECT_EQ(s.model.name, "tabular_mlp");
    EXPECT_EQ(s.risk.name, "nnpu");
    EXPECT_EQ(s.train.batch_size, 256);
    EXPECT_EQ(s.train.epochs, 40);
  }
}

// ---------------------------------------------------------------------------------------------
// The conversion of Debian's .rda files (datasets/tabular/rda_to_csv.py)

TEST(TabularFetch, AnInputChecksumMismatchIsAnErrorAndWritesNothing) {
  if (!fs::exists(kPython)) GTEST_SKIP() << kPython << " not found";
  const auto dir = pulab::test::temp_dir("rda_mismatch");
  const auto fake = dir / "spam.rda";
  std::ofstream(fake) << "not the package's file\n";
  const auto list = dir / "checksums.txt";
  std::ofstream(list) << std::string(64, '0') << "  rda/r-cran-kernlab/spam.rda\n"
                      << std::string(64, '1') << "  spambase/train.csv\n"
                      << std::string(64, '2') << "  spambase/test.csv\n";
  const auto [code, out] = run(kPython + " " + kConverter.string() + " spambase --rda " + fake.string() + " --out " +
                               (dir / "data").string() + " --checksums " + list.string());
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("checksum mismatch"), std::string::npos) << out;
  EXPECT_NE(out.find(fake.string()), std::string::npos) << out;
  EXPECT_NE(out.find("nothing was written"), std::string::npos) << out;
  EXPECT_TRUE(files_under(dir / "data").empty()) << "a failed conversion left files";
  // A missing package file says which Debian package to install.
  const auto [code2, out2] = run(kPython + " " + kConverter.string() + " letter --rda " + (dir / "none.rda").string() +
                                 " --out " + (dir / "data").string() + " --checksums " + list.string());
  EXPECT_EQ(code2, 1) << out2;
  EXPECT_NE(out2.find("r-cran-mlbench"), std::string::npos) << out2;
  EXPECT_TRUE(files_under(dir / "data").empty());
}

TEST(TabularFetch, TheChecksumListHasEveryTabularFile) {
  const auto sums = pulab::read_checksums(fs::path(PULAB_SOURCE_DIR) / "datasets" / "checksums.txt");
  for (const std::string set : {"spambase", "ticdata", "satellite", "shuttle", "letter"}) {
    EXPECT_TRUE(sums.count(set + "/train.csv")) << set;
    EXPECT_TRUE(sums.count(set + "/test.csv")) << set;
  }
  for (const std::string key : {"rda/r-cran-kernlab/spam.rda", "rda/r-cran-kernlab/ticdata.rda",
                                "rda/r-cran-mlbench/Satellite.rda", "rda/r-cran-mlbench/Shuttle.rda",
                                "rda/r-cran-mlbench/LetterRecognition.rda"}) {
    EXPECT_TRUE(sums.count(key)) << key;
  }
}

namespace {

// Skips (returns a reason) unless the real spam.rda and python3-rdata are installed.
std::string real_package_missing() {
  if (!fs::exists(kPython)) return kPython + " not found";
  if (!fs::exists(kSpamRda)) return kSpamRda.string() + " not found: apt-get install r-cran-kernlab";
  if (run(kPython + " -c 'import rdata'").first != 0) return "python3-rdata is not installed";
  return "";
}

}  // namespace

TEST(PubenchDataReal, SpambaseConvertsToTheListedTables) {
  if (const auto why = real_package_missing(); !why.empty()) GTEST_SKIP() << why;
  const auto dir = pulab::test::temp_dir("rda_spambase");
  const auto [code, out] = run(kPython + " " + kConverter.string() + " spambase --out " + dir.string());
  ASSERT_EQ(code, 0) << out;
  const auto sums = pulab::read_checksums(fs::path(PULAB_SOURCE_DIR) / "datasets" / "checksums.txt");
  EXPECT_EQ(pulab::sha256_file(dir / "spambase" / "train.csv"), sums.at("spambase/train.csv"));
  EXPECT_EQ(pulab::sha256_file(dir / "spambase" / "test.csv"), sums.at("spambase/test.csv"));
  EXPECT_EQ(files_under(dir).size(), 2u) << "no temporary file is left";
  // The csv data set reads them: 3680 / 921 e-mails, 57 features, 1450 + 363 spam.
  pulab::CsvOptions options;
  options.label_column = "class";
  const auto train = pulab::read_csv(dir / "spambase" / "train.csv", options);
  const auto test = pulab::read_csv(dir / "spambase" / "test.csv", options);
  EXPECT_EQ(train.x.sizes(), (std::vector<std::int64_t>{3680, 57}));
  EXPECT_EQ(test.x.sizes(), (std::vector<std::int64_t>{921, 57}));
  EXPECT_EQ(train.y.sum().item<std::int64_t>(), 1450);
  EXPECT_EQ(test.y.sum().item<std::int64_t>(), 363);
}

TEST(PubenchDataReal, AnOutputChecksumMismatchIsAnErrorAndWritesNothing) {
  if (const auto why = real_package_missing(); !why.empty()) GTEST_SKIP() << why;
  const auto dir = pulab::test::temp_dir("rda_out_mismatch");
  // The real list with the test table's sum changed.
  std::string list = slurp(fs::path(PULAB_SOURCE_DIR) / "datasets" / "checksums.txt");
  const auto sums = pulab::read_checksums(fs::path(PULAB_SOURCE_DIR) / "datasets" / "checksums.txt");
  const auto at = list.find(sums.at("spambase/test.csv"));
  ASSERT_NE(at, std::string::npos);
  list.replace(at, 64, std::string(64, 'f'));
  std::ofstream(dir / "checksums.txt") << list;
  const auto [code, out] = run(kPython + " " + kConverter.string() + " spambase --out " + (dir / "data").string() +
                               " --checksums " + (dir / "checksums.txt").string());
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("spambase/test.csv: checksum mismatch"), std::string::npos) << out;
  EXPECT_TRUE(files_under(dir / "data").empty()) << "the train table, whose sum was right, must not be written either";
}

TEST(PubenchDataReal, SpambaseBaseTrainsToPuBenchsLevel) {
  // The base file end to end on the converted data, converted here into a temporary data folder:
  // its 40 epochs of nnPU take ~10 s on one core.
  if (const auto why = real_package_missing(); !why.empty()) GTEST_SKIP() << why;
  const auto dir = pulab::test::temp_dir("spambase_run");
  ASSERT_EQ(run(kPython + " " + kConverter.string() + " spambase --out " + (dir / "data").string()).first, 0);
  const auto spec = pulab::test::resolve_text("base = [\"experiments/base/spambase.toml\"]\n",
                                              {"data_dir=" + (dir / "data").string(), "output_dir=" + (dir / "out").string()})[0];
  pulab::TrainOptions options;
  options.quiet = true;
  options.threads = 1;  // the test machine's cores are shared; 2 threads are ~10x slower under load
  pulab::train_run(spec, builtin_host(), options);
  const auto result = pulab::test::read_json(pulab::result_path(spec));
  ASSERT_EQ(result["status"], "finished");
  // 3680 - 37 training rows, c = 0.1 of their positives labeled, U = all of them (case-control).
  EXPECT_EQ(result["split"]["n_unlabeled"], 3680 - 37);
  const std::int64_t n_p = result["split"]["n_labeled"];
  EXPECT_GE(n_p, 140);
  EXPECT_LE(n_p, 145);
  const double acc = result["last"]["test"]["accuracy"], auc = result["last"]["test"]["auc"];
  std::printf("[ spambase ] 40 epochs of nnPU, c = 0.1: test accuracy %.4f, AUC %.4f\n", acc, auc);
  // Measured 0.903 / 0.946 with seed 0.
  EXPECT_GT(acc, 0.85);
  EXPECT_GT(auc, 0.9);
}
