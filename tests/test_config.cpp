// Experiment files: base merging, --set overrides, sweeps, schema checks, error locations.
#include <fstream>

#include <gtest/gtest.h>

#include "config/config_node.hpp"
#include "config/experiment.hpp"
#include "pulab/error.hpp"
#include "test_support.hpp"

namespace {
namespace fs = std::filesystem;
using namespace pulab;
using pulab::test::error_message;
using pulab::test::resolve_text;

const char* kMinimal = R"(
name = "t"
[dataset]
name = "synthetic"
[model]
name = "mlp"
[risk]
name = "naive"
)";

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

TEST(Config, FillsEveryDefault) {
  const auto specs = resolve_text(kMinimal);
  ASSERT_EQ(specs.size(), 1u);
  const auto& s = specs[0];
  EXPECT_EQ(s.run_id, "run");
  EXPECT_EQ(s.output_dir, fs::path("results/t"));
  EXPECT_EQ(s.train.epochs, 100);
  EXPECT_EQ(s.train.batch_size, 250);
  EXPECT_EQ(s.labeling.name, "scar");
  EXPECT_EQ(s.model.params.integers("hidden"), (std::vector<std::int64_t>{300, 300, 300, 300}));
  EXPECT_EQ(s.risk.params.text("loss"), "sigmoid");
  EXPECT_EQ(s.split.n_labeled, 1000);
  const auto* train = s.resolved.find("train");
  ASSERT_NE(train, nullptr);
  EXPECT_NE(train->find("lr_schedule"), nullptr);
}

TEST(Config, BaseFilesMergeDeeplyLaterWinsArraysReplaced) {
  const auto dir = test::temp_dir("base");
  write(dir / "base" / "common.toml", R"(
name = "common"
[dataset]
name = "synthetic"
dim = 7
[model]
name = "mlp"
hidden = [10, 10, 10]
[risk]
name = "naive"
[train]
epochs = 3
lr = 0.01
)");
  write(dir / "exp" / "delta.toml", R"(
base = ["../base/common.toml"]
name = "delta"
[model]
hidden = [4]
[train]
epochs = 5
)");
  ConfigNode root = load_experiment_file(dir / "exp" / "delta.toml");
  auto spec = resolve_run(expand_sweep(root)[0], test::builtin_host().registries());
  EXPECT_EQ(spec.experiment, "delta");
  EXPECT_EQ(spec.dataset.params.integer("dim"), 7);
  EXPECT_EQ(spec.model.params.integers("hidden"), std::vector<std::int64_t>{4});
  EXPECT_EQ(spec.train.epochs, 5);
  EXPECT_DOUBLE_EQ(spec.train.lr, 0.01);
  EXPECT_EQ(root.find("base"), nullptr);
}

TEST(Config, SwitchingAComponentReplacesItsTable) {
  ConfigNode dst = parse_toml("[risk]\nname = \"a\"\nloss = \"abs\"\nbeta = 1\n", "a.toml");
  merge_into(dst, parse_toml("[risk]\nname = \"b\"\n", "b.toml"));
  const auto* risk = dst.find("risk");
  EXPECT_EQ(risk->find("name")->as_string(), "b");
  EXPECT_EQ(risk->find("beta"), nullptr);
  ConfigNode same = parse_toml("[risk]\nname = \"a\"\nloss = \"abs\"\n", "a.toml");
  merge_into(same, parse_toml("[risk]\nname = \"a\"\nbeta = 2\n", "b.toml"));
  EXPECT_NE(same.find("risk")->find("loss"), nullptr);
  EXPECT_NE(same.find("risk")->find("beta"), nullptr);
}

TEST(Config, CommandLineOverridesAnyKey) {
  const auto specs = resolve_text(kMinimal, {"train.epochs=5", "risk.loss=abs", "model.hidden=[8, 8]", "train.lr=3e-4"});
  EXPECT_EQ(specs[0].train.epochs, 5);
  EXPECT_EQ(specs[0].risk.params.text("loss"), "abs");
  EXPECT_EQ(specs[0].model.params.integers("hidden"), (std::vector<std::int64_t>{8, 8}));
  EXPECT_DOUBLE_EQ(specs[0].train.lr, 3e-4);
}

TEST(Config, SweepExpandsTheCartesianProductInAStableOrder) {
  const std::string text = std::string(kMinimal) + R"(
[sweep]
"train.seed" = [0, 1, 2]
"risk.loss" = ["sigmoid", "abs"]
)";
  const auto specs = resolve_text(text);
  ASSERT_EQ(specs.size(), 6u);
  // Keys in name order ("risk.loss" before "train.seed"), the last varying fastest.
  EXPECT_EQ(specs[0].run_id, "loss-sigmoid_seed-0");
  EXPECT_EQ(specs[1].run_id, "loss-sigmoid_seed-1");
  EXPECT_EQ(specs[3].run_id, "loss-abs_seed-0");
  EXPECT_EQ(specs[5].risk.params.text("loss"), "abs");
  EXPECT_EQ(specs[5].train.seed, 2);
  const auto again = resolve_text(text);
  for (std::size_t i = 0; i < specs.size(); ++i) EXPECT_EQ(specs[i].run_id, again[i].run_id);
}

TEST(Config, SweepComposesFilesAsOneAxis) {
  const auto dir = test::temp_dir("compose");
  write(dir / "m" / "abs.toml", "[risk]\nname = \"naive\"\nloss = \"abs\"\n");
  write(dir / "m" / "logistic.toml", "[risk]\nname = \"naive\"\nloss = \"logistic\"\n");
  write(dir / "e.toml", std::string(kMinimal) + "[sweep]\ncompose = [\"m/abs.toml\", \"m/logistic.toml\"]\n\"train.seed\" = [0, 1]\n");
  ConfigNode root = load_experiment_file(dir / "e.toml");
  const auto runs = expand_sweep(root);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].run_id, "abs_seed-0");
  EXPECT_EQ(runs[3].run_id, "logistic_seed-1");
  auto spec = resolve_run(runs[3], test::builtin_host().registries());
  EXPECT_EQ(spec.risk.params.text("loss"), "logistic");
  EXPECT_EQ(spec.train.seed, 1);
}

TEST(Config, ResolvedConfigurationReproducesTheRun) {
  const auto specs = resolve_text(kMinimal, {"train.epochs=7", "model.hidden=[3]"});
  const std::string written = to_toml_document(specs[0].resolved);
  const auto again = resolve_text(written);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(to_toml_document(again[0].resolved), written);
  EXPECT_EQ(again[0].train.epochs, 7);
  EXPECT_EQ(again[0].run_id, specs[0].run_id);
}

// --- errors carry file:line:column ---

std::string error_of_file(const std::string& text, const std::vector<std::string>& overrides = {}) {
  const auto dir = test::temp_dir("err");
  write(dir / "exp.toml", text);
  return error_message([&] {
    ConfigNode root = load_experiment_file(dir / "exp.toml");
    for (const auto& o : overrides) apply_override(root, o);
    for (const auto& run : expand_sweep(root)) resolve_run(run, test::builtin_host().registries());
  });
}

TEST(ConfigErrors, MalformedTomlNamesFileLineColumn) {
  const auto msg = error_of_file("name = \"x\"\n[train\nepochs = 3\n");
  EXPECT_NE(msg.find("exp.toml:2:"), std::string::npos) << msg;
}

TEST(ConfigErrors, UnknownKeySuggestsTheClosestOne) {
  const auto msg = error_of_file(std::string(kMinimal) + "[train]\nepoch = 3\n");
  EXPECT_NE(msg.find("exp.toml:10:9: unknown key 'epoch' in [train] (did you mean 'epochs'?)"), std::string::npos) << msg;
}

TEST(ConfigErrors, UnknownComponentKeyNamesTheComponent) {
  const auto msg = error_of_file(std::string(kMinimal) + "loss = \"abs\"\nlos = 1\n");
  EXPECT_NE(msg.find("exp.toml:10:7: unknown key 'los' in [risk (naive)] (did you mean 'loss'?)"), std::string::npos) << msg;
}

TEST(ConfigErrors, WrongTypeNamesTheKeyAndTypes) {
  const auto msg = error_of_file(std::string(kMinimal) + "[train]\nepochs = \"many\"\n");
  EXPECT_NE(msg.find("exp.toml:10:10: train.epochs must be a integer, not a string"), std::string::npos) << msg;
}

TEST(ConfigErrors, OutOfRangeValue) {
  const auto msg = error_of_file(std::string(kMinimal) + "[train]\nbatch_size = 0\n");
  EXPECT_NE(msg.find("exp.toml:10:14: train.batch_size = 0 is out of range (must be >= 1)"), std::string::npos) << msg;
}

TEST(ConfigErrors, ValueNotAmongTheChoices) {
  const auto msg = error_of_file(std::string(kMinimal) + "loss = \"hinge\"\n");
  EXPECT_NE(msg.find("exp.toml:9:8: risk (naive).loss = \"hinge\" is not allowed"), std::string::npos) << msg;
}

TEST(ConfigErrors, UnknownPluginSuggestsAndListsTheLoadedOnes) {
  const auto msg = error_of_file("[dataset]\nname = \"synthetic\"\n[model]\nname = \"mlp\"\n[risk]\nname = \"naiv\"\n");
  EXPECT_NE(msg.find("exp.toml:6:8: unknown risk 'naiv' (did you mean 'naive'?)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("loaded risks: "), std::string::npos) << msg;
}

TEST(ConfigErrors, UnknownTopLevelKey) {
  const auto msg = error_of_file(std::string(kMinimal) + "[trian]\nepochs = 1\n");
  EXPECT_NE(msg.find("exp.toml:9:1: unknown top-level key 'trian' (did you mean 'train'?)"), std::string::npos) << msg;
}

TEST(ConfigErrors, MissingComponentName) {
  const auto msg = error_of_file("[dataset]\nname = \"synthetic\"\n[model]\nname = \"mlp\"\n[risk]\nloss = \"abs\"\n");
  EXPECT_NE(msg.find("[risk] needs a 'name'"), std::string::npos) << msg;
}

TEST(ConfigErrors, MissingBaseFile) {
  const auto msg = error_of_file("base = [\"nope.toml\"]\n");
  EXPECT_NE(msg.find("exp.toml:1:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nope.toml' does not exist"), std::string::npos) << msg;
}

TEST(ConfigErrors, OverrideOfAWrongTypeNamesTheCommandLine) {
  const auto msg = error_of_file(kMinimal, {"train.epochs=abc"});
  EXPECT_NE(msg.find("--set train.epochs=abc: train.epochs must be a integer"), std::string::npos) << msg;
}

TEST(ConfigErrors, MalformedOverride) {
  const auto msg = error_of_file(kMinimal, {"train.epochs"});
  EXPECT_NE(msg.find("expected key=value"), std::string::npos) << msg;
}

TEST(ConfigErrors, SweepValuesMustBeAnArray) {
  const auto msg = error_of_file(std::string(kMinimal) + "[sweep]\n\"train.seed\" = 3\n");
  EXPECT_NE(msg.find("exp.toml:10:16: sweep.train.seed must be a non-empty array"), std::string::npos) << msg;
}

}  // namespace

namespace {
TEST(Config, SettingAComponentNameOnTheCommandLineSwitchesTheComponent) {
  ConfigNode root = pulab::parse_toml("[risk]\nname = \"naive\"\nloss = \"abs\"\n", "a.toml");
  pulab::apply_override(root, "risk.name=other");
  EXPECT_EQ(root.find("risk")->find("name")->as_string(), "other");
  EXPECT_EQ(root.find("risk")->find("loss"), nullptr);
  pulab::apply_override(root, "risk.name=other");
  EXPECT_EQ(root.find("risk")->find("name")->as_string(), "other");
}
}  // namespace
