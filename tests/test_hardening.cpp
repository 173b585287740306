// Hardening (issue 13): inputs that used to crash, write outside their folder, or be silently
// misread are refused with one clear message; interrupted writes leave nothing behind.
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "config/config_node.hpp"
#include "config/experiment.hpp"
#include "pulab/error.hpp"
#include "test_support.hpp"

namespace {
namespace fs = std::filesystem;
using namespace pulab;
using pulab::test::error_message;

const char* kMinimal = R"(name = "t"
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

std::vector<RunSpec> resolve_file(const fs::path& file, const std::vector<std::string>& overrides = {}) {
  ConfigNode root = load_experiment_file(file);
  for (const auto& o : overrides) apply_override(root, o);
  std::vector<RunSpec> specs;
  for (const auto& run : expand_sweep(root, overrides)) specs.push_back(resolve_run(run, test::builtin_host().registries()));
  return specs;
}

// --- item 1: a huge sweep is counted, not expanded ---

TEST(SweepLimit, AHugeProductIsRefusedWithItsCountAndTheFile) {
  const auto dir = test::temp_dir("huge_sweep");
  std::string values = "[";
  for (int i = 0; i < 30; ++i) values += (i ? ", " : "") + std::to_string(i);
  values += "]";
  std::string text = std::string(kMinimal) + "[sweep]\n";
  for (const char* key : {"train.seed", "train.epochs", "train.batch_size", "train.threads", "model.hidden"}) {
    text += std::string("\"") + key + "\" = " + values + "\n";
  }
  write(dir / "huge.toml", text);
  const auto msg = error_message([&] { expand_sweep(load_experiment_file(dir / "huge.toml")); });
  EXPECT_NE(msg.find("huge.toml:8:1: the [sweep] expands to 24300000 runs (30 x 30 x 30 x 30 x 30)"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("more than the limit of 100000"), std::string::npos) << msg;
}

TEST(SweepLimit, AProductTooLargeForSixtyFourBitsIsRefusedToo) {
  std::string values = "[";
  for (int i = 0; i < 1000; ++i) values += (i ? ", " : "") + std::to_string(i);
  values += "]";
  std::string text = std::string(kMinimal) + "[sweep]\n";
  for (int k = 0; k < 8; ++k) text += "\"train.k" + std::to_string(k) + "\" = " + values + "\n";
  const auto msg = error_message([&] { expand_sweep(parse_toml(text, "big.toml")); });
  EXPECT_NE(msg.find("expands to 1e+24 runs"), std::string::npos) << msg;
}

// --- item 2: a class prior of 0 or 1 is refused at plan time ---

TEST(SplitChecks, APriorOfZeroOrOneIsRefusedNamingTheKey) {
  for (const char* prior : {"0", "1", "1.0"}) {
    const auto msg = error_message([&] { test::resolve_text(std::string(kMinimal) + "[split]\nprior = " + prior + "\n"); });
    EXPECT_NE(msg.find("<test>:9:9: split.prior = "), std::string::npos) << msg;
    EXPECT_NE(msg.find("must be in (0, 1), or negative"), std::string::npos) << msg;
  }
  EXPECT_DOUBLE_EQ(test::resolve_text(std::string(kMinimal) + "[split]\nprior = 0.4\n")[0].split.prior, 0.4);
  EXPECT_LT(test::resolve_text(kMinimal)[0].split.prior, 0);
}

TEST(SplitChecks, ANegativePositiveClassIsRefusedAtPlanTime) {
  const auto msg = error_message([&] { test::resolve_text(std::string(kMinimal) + "[split]\npositive_classes = [-1]\n"); });
  EXPECT_NE(msg.find("split.positive_classes element = -1 is out of range"), std::string::npos) << msg;
}

// --- item 6: run_id is a plain folder name ---

TEST(RunId, AnythingButAPlainFolderNameIsRefusedWithItsLocation) {
  for (const std::string id : {"..", ".", "", "a/b", "../x", "/tmp/x", "a b"}) {
    const auto msg = error_message([&] { test::resolve_text(std::string(kMinimal) + "run_id = \"" + id + "\"\n"); });
    EXPECT_NE(msg.find("<test>:8:10: run_id = \"" + id + "\" is not a plain folder name"), std::string::npos) << msg;
  }
  EXPECT_EQ(test::resolve_text(std::string(kMinimal) + "run_id = \"my-run_2.b\"\n")[0].run_id, "my-run_2.b");
  const auto msg = error_message([&] { test::resolve_text(kMinimal, {"run_id=.."}); });
  EXPECT_NE(msg.find("--set run_id=..: run_id = \"..\" is not a plain folder name"), std::string::npos) << msg;
}

// --- item 7: --set wins over compose files ---

TEST(ComposeOverrides, SetOverridesKeysOfComposedFiles) {
  const auto dir = test::temp_dir("compose_set");
  write(dir / "m" / "abs.toml", "[risk]\nname = \"naive\"\nloss = \"abs\"\n[train]\nepochs = 7\n");
  write(dir / "m" / "nn.toml", "[risk]\nname = \"nnpu\"\nbeta = 0.5\n");
  write(dir / "e.toml", std::string(kMinimal) + "[sweep]\ncompose = [\"m/abs.toml\", \"m/nn.toml\"]\n");
  const auto specs = resolve_file(dir / "e.toml", {"train.epochs=2", "risk.loss=logistic"});
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].train.epochs, 2) << "--set beats the composed file's train.epochs";
  EXPECT_EQ(specs[0].risk.params.text("loss"), "logistic");
  EXPECT_EQ(specs[1].risk.name, "nnpu");
  EXPECT_EQ(specs[1].risk.params.text("loss"), "logistic");
  EXPECT_DOUBLE_EQ(specs[1].risk.params.real("beta"), 0.5);
  // A component switch on the command line beats the composed file's component.
  const auto switched = resolve_file(dir / "e.toml", {"risk.name=upu"});
  EXPECT_EQ(switched[0].risk.name, "upu");
  EXPECT_EQ(switched[1].risk.name, "upu");
  // A sweep axis over the same key still varies it: the axis defines the runs.
  write(dir / "s.toml", std::string(kMinimal) + "[sweep]\ncompose = [\"m/abs.toml\"]\n\"train.epochs\" = [3, 4]\n");
  const auto swept = resolve_file(dir / "s.toml", {"train.epochs=2"});
  ASSERT_EQ(swept.size(), 2u);
  EXPECT_EQ(swept[0].train.epochs, 3);
  EXPECT_EQ(swept[1].train.epochs, 4);
}

// --- item 8: an axis over a key of one composition ---

TEST(ComposeScopedAxis, AnAxisNamedStemColonKeyVariesOnlyThatComposition) {
  const auto dir = test::temp_dir("scoped_axis");
  write(dir / "m" / "abs.toml", "[risk]\nname = \"naive\"\nloss = \"abs\"\n");
  write(dir / "m" / "nn.toml", "[risk]\nname = \"nnpu\"\n");
  write(dir / "e.toml", std::string(kMinimal) +
                            "[sweep]\ncompose = [\"m/abs.toml\", \"m/nn.toml\"]\n\"nn:risk.beta\" = [0.0, 0.1]\n"
                            "\"train.seed\" = [0, 1]\n");
  const auto specs = resolve_file(dir / "e.toml");
  std::vector<std::string> ids;
  for (const auto& s : specs) ids.push_back(s.run_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"abs_seed-0", "abs_seed-1", "nn_beta-0.0_seed-0", "nn_beta-0.0_seed-1",
                                           "nn_beta-0.1_seed-0", "nn_beta-0.1_seed-1"}));
  EXPECT_DOUBLE_EQ(specs[4].risk.params.real("beta"), 0.1);
  EXPECT_EQ(specs[4].train.seed, 0);
  EXPECT_FALSE(specs[0].risk.params.has("beta")) << "the naive risk never sees nnPU's key";

  // Without the scope the other composition's risk rejects the key, as before.
  write(dir / "plain.toml", std::string(kMinimal) + "[sweep]\ncompose = [\"m/abs.toml\", \"m/nn.toml\"]\n\"risk.beta\" = [0.1]\n");
  EXPECT_NE(error_message([&] { resolve_file(dir / "plain.toml"); }).find("unknown key 'beta' in [risk (naive)]"),
            std::string::npos);
  // A scope that names no composed file is an error with a suggestion.
  write(dir / "typo.toml", std::string(kMinimal) + "[sweep]\ncompose = [\"m/abs.toml\", \"m/nn.toml\"]\n\"nm:risk.beta\" = [0.1]\n");
  const auto msg = error_message([&] { resolve_file(dir / "typo.toml"); });
  EXPECT_NE(msg.find("typo.toml:10:16: sweep key 'nm:risk.beta': no composed file has the stem 'nm' (did you mean 'nn'?)"),
            std::string::npos)
      << msg;
  write(dir / "none.toml", std::string(kMinimal) + "[sweep]\n\"nn:risk.beta\" = [0.1]\n");
  EXPECT_NE(error_message([&] { resolve_file(dir / "none.toml"); }).find("the sweep has no compose axis"), std::string::npos);
}

// --- item 9: compose = [] removes an inherited compose axis ---

TEST(ComposeAxis, AnEmptyComposeRemovesTheInheritedAxis) {
  const auto dir = test::temp_dir("compose_empty");
  write(dir / "m" / "abs.toml", "[risk]\nname = \"naive\"\nloss = \"abs\"\n");
  write(dir / "base.toml", std::string(kMinimal) + "[sweep]\ncompose = [\"m/abs.toml\"]\n\"train.seed\" = [0, 1]\n");
  write(dir / "child.toml", "base = \"base.toml\"\n[sweep]\ncompose = []\n");
  EXPECT_EQ(resolve_file(dir / "base.toml")[0].run_id, "abs_seed-0");
  const auto specs = resolve_file(dir / "child.toml");
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].run_id, "seed-0");
  EXPECT_EQ(specs[0].risk.params.text("loss"), "sigmoid");
  // Any other axis still needs values.
  write(dir / "empty_seed.toml", std::string(kMinimal) + "[sweep]\n\"train.seed\" = []\n");
  EXPECT_NE(error_message([&] { resolve_file(dir / "empty_seed.toml"); }).find("sweep.train.seed must be a non-empty array"),
            std::string::npos);
}

}  // namespace
