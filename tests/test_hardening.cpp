// Hardening (issue 13): inputs that used to crash, write outside their folder, or be silently
// misread are refused with one clear message; interrupted writes leave nothing behind.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

#include <set>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "config/config_node.hpp"
#include "config/experiment.hpp"
#include "data/pu_split.hpp"
#include "engine/atomic_file.hpp"
#include "engine/results.hpp"
#include "engine/sweep_runner.hpp"
#include "engine/trainer.hpp"
#include "report/plots.hpp"
#include "report/report.hpp"
#include "scale/heartbeat.hpp"
#include "scale/status.hpp"
#include "pulab/error.hpp"
#include "test_support.hpp"

namespace {
namespace fs = std::filesystem;
using namespace pulab;
using nlohmann::json;
using pulab::test::error_message;

struct Command {
  int status;
  std::string output;
};

// The pulab executable of this build, run in `cwd` (when given); stdout and stderr together.
Command cli(const std::string& args, const fs::path& cwd = {}) {
  const std::string cmd = (cwd.empty() ? "" : "cd '" + cwd.string() + "' && ") + PULAB_TEST_BINARY + " " + args + " 2>&1";
  Command c{0, ""};
  FILE* pipe = ::popen(cmd.c_str(), "r");
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe)) c.output += buffer;
  const int raw = ::pclose(pipe);
  c.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return c;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

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

// Which classes a data set has is known once it is loaded: the split refuses what it cannot use.
struct TwoClassData {
  LabeledData data;
  std::shared_ptr<LabelingMechanism> scar;
  TwoClassData() {
    const auto y = torch::arange(200, torch::kLong).remainder(2);  // classes 0 and 1, 100 each
    data.train = {torch::randn({200, 3}), y};
    data.test = {torch::randn({20, 3}), y.slice(0, 0, 20)};
    data.default_positive_classes = {1};
    const auto* c = test::builtin_host().registries().labelings.find("scar");
    scar = c->factory(Params::defaults(c->schema), BuildContext{});
  }
  std::string error(std::vector<std::int64_t> classes, std::int64_t n_labeled = 10, std::int64_t n_validation = 20,
                    double prior = -1) {
    SplitConfig split;
    split.positive_classes = std::move(classes);
    split.n_labeled = n_labeled;
    split.n_validation = n_validation;
    split.scenario = "single";
    split.prior = prior;
    return error_message([&] { make_pu_split(data, split, *scar, 0); });
  }
};

TEST(SplitChecks, PositiveClassesCoveringEveryClassLeaveNoNegatives) {
  TwoClassData d;
  const auto msg = d.error({0, 1});
  EXPECT_NE(msg.find("split.positive_classes = [0, 1] makes every class of the training set positive (its classes: 0, 1)"),
            std::string::npos)
      << msg;
}

TEST(SplitChecks, APositiveClassTheDataSetLacksIsRefused) {
  TwoClassData d;
  const auto msg = d.error({1, 7});
  EXPECT_NE(msg.find("split.positive_classes = [1, 7]: class 7 does not occur in the training set (its classes: 0, 1)"),
            std::string::npos)
      << msg;
}

TEST(SplitChecks, LabelingEveryPositiveLeavesUWithoutPositives) {
  TwoClassData d;
  const auto msg = d.error({1}, 100, 0);
  EXPECT_NE(msg.find("split.n_labeled = 100 labels every positive of the training pool"), std::string::npos) << msg;
  // With a given prior the methods do not depend on U's share: allowed.
  SplitConfig split;
  split.positive_classes = {1};
  split.n_labeled = 100;
  split.n_validation = 0;
  split.scenario = "single";
  split.prior = 0.5;
  EXPECT_EQ(make_pu_split(d.data, split, *d.scar, 0).stats.n_unlabeled_positive, 0);
}

// --- item 6: run_id is a plain folder name ---

TEST(RunId, AnythingButAPlainFolderNameIsRefusedWithItsLocation) {
  for (const std::string id : {"..", ".", "", "a/b", "../x", "/tmp/x", "a b"}) {
    const auto msg = error_message([&] { test::resolve_text("run_id = \"" + id + "\"\n" + kMinimal); });
    EXPECT_NE(msg.find("<test>:1:10: run_id = \"" + id + "\" is not a plain folder name"), std::string::npos) << msg;
  }
  EXPECT_EQ(test::resolve_text(std::string("run_id = \"my-run_2.b\"\n") + kMinimal)[0].run_id, "my-run_2.b");
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
  EXPECT_NE(msg.find("typo.toml:10:18: sweep key 'nm:risk.beta': no composed file has the stem 'nm' (did you mean 'nn'?)"),
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

// --- item 3: a full disk while writing leaves the old file and no temporary file ---

// /dev/full fails every write with ENOSPC, for root too (a read-only folder does not stop root):
// the temporary file a write is about to use is made a link to it.
bool fill_disk_for(const fs::path& target) {
  if (!fs::exists("/dev/full")) return false;
  fs::create_directories(target.parent_path());
  fs::create_symlink("/dev/full", temporary_path_for(target));
  return true;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_no_temporary_files(const fs::path& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
}

TEST(FullDisk, ATextFileKeepsItsOldContentAndNoTemporaryFileRemains) {
  const auto dir = test::temp_dir("full_text");
  const fs::path file = dir / "summary.csv";
  write_file_atomically(file, "old\n");
  if (!fill_disk_for(file)) GTEST_SKIP() << "no /dev/full here";
  const auto msg = error_message([&] { write_file_atomically(file, "new\n"); });
  EXPECT_EQ(msg, file.string() + ": cannot write: no space left on device");
  EXPECT_EQ(read_text(file), "old\n");
  expect_no_temporary_files(dir);
}

TEST(FullDisk, APlanWriteLeavesNoTemporaryFile) {
  const auto dir = test::temp_dir("full_plan");
  scale::Plan plan;
  plan.experiment = "x";
  plan.run_ids = {"a", "b"};
  scale::write_plan(dir, plan);
  const std::string before = read_text(scale::plan_path(dir));
  if (!fill_disk_for(scale::plan_path(dir))) GTEST_SKIP() << "no /dev/full here";
  plan.run_ids = {"c"};
  const auto msg = error_message([&] { scale::write_plan(dir, plan); });
  EXPECT_NE(msg.find("plan.json: cannot write: no space left on device"), std::string::npos) << msg;
  EXPECT_EQ(read_text(scale::plan_path(dir)), before);
  expect_no_temporary_files(dir);
}

TEST(FullDisk, ACheckpointThatCannotBeWrittenLeavesThePreviousOneUsable) {
  const auto dir = test::temp_dir("full_checkpoint");
  auto specs = test::resolve_text(test::quickstart_text(), {"train.epochs=3", "output_dir=" + dir.string()});
  const RunSpec& spec = specs[0];
  TrainOptions options;
  options.quiet = true;
  options.threads = 1;
  options.max_epochs_this_call = 1;
  ASSERT_EQ(train_run(spec, test::builtin_host(), options), RunStatus::Interrupted);
  const fs::path checkpoint = spec.run_dir() / "checkpoint.pt";
  ASSERT_TRUE(fs::exists(checkpoint));
  if (!fill_disk_for(checkpoint)) GTEST_SKIP() << "no /dev/full here";
  const auto msg = error_message([&] { train_run(spec, test::builtin_host(), options); });
  EXPECT_EQ(msg, checkpoint.string() + ": cannot write: no space left on device");
  expect_no_temporary_files(dir);
  // The checkpoint of epoch 1 is intact: the run resumes from it and finishes.
  options.max_epochs_this_call = -1;
  ASSERT_EQ(train_run(spec, test::builtin_host(), options), RunStatus::Finished);
  EXPECT_EQ(test::read_json(result_path(spec))["resumed_from_epoch"], 1);
  expect_no_temporary_files(dir);
}

// --- item 4: where results live is not part of a run's identity ---

// In the working folder `dir` for the test's duration (relative output_dir spellings resolve there).
struct InFolder {
  fs::path before = fs::current_path();
  explicit InFolder(const fs::path& dir) { fs::current_path(dir); }
  ~InFolder() { fs::current_path(before); }
};

TEST(OutputDir, AFinishedRunIsFoundUnderAnySpellingOfItsFolderAndAfterAMove) {
  const auto dir = test::temp_dir("output_spelling");
  const InFolder in(dir);
  SweepOptions options;
  options.quiet = true;
  options.threads = 1;
  auto run = [&](const std::string& output_dir) {
    return run_sweep(test::resolve_text(test::quickstart_text(), {"train.epochs=1", "output_dir=" + output_dir}),
                     test::builtin_host(), options);
  };
  ASSERT_EQ(run("res").finished, 1u);
  for (const std::string& spelling :
       std::vector<std::string>{"./res/", "res/", (dir / "res").string(), (dir / "." / "res").string()}) {
    const SweepOutcome again = run(spelling);
    EXPECT_EQ(again.skipped, 1u) << spelling;
    EXPECT_TRUE(again.failures.empty()) << spelling << ": " << (again.failures.empty() ? "" : again.failures[0].second);
  }
  fs::rename(dir / "res", dir / "moved");
  EXPECT_EQ(run("moved").skipped, 1u) << "a moved folder";
  fs::copy(dir / "moved", dir / "copy", fs::copy_options::recursive);
  EXPECT_EQ(run((dir / "copy").string()).skipped, 1u) << "a copied folder";
}

TEST(OutputDir, ACheckpointResumesAfterItsFolderWasMoved) {
  const auto dir = test::temp_dir("output_moved_checkpoint");
  TrainOptions options;
  options.quiet = true;
  options.threads = 1;
  options.max_epochs_this_call = 1;
  auto spec = [&](const fs::path& out) {
    return test::resolve_text(test::quickstart_text(), {"train.epochs=2", "output_dir=" + out.string()})[0];
  };
  ASSERT_EQ(train_run(spec(dir / "a"), test::builtin_host(), options), RunStatus::Interrupted);
  fs::rename(dir / "a", dir / "b");
  options.max_epochs_this_call = -1;
  ASSERT_EQ(train_run(spec(dir / "b"), test::builtin_host(), options), RunStatus::Finished);
  EXPECT_EQ(test::read_json(result_path(spec(dir / "b")))["resumed_from_epoch"], 1);
}

// --- item 5: an old heartbeat whose pid exists again ---

TEST(Heartbeat, ABeatHoursOldIsStaleEvenWhenItsPidExistsOnThisHost) {
  scale::Heartbeat beat;
  beat.host = scale::this_host();
  beat.pid = ::getppid();  // a process that exists: what a reused pid looks like
  beat.interval = 30;
  beat.updated = scale::unix_now() - 3 * 3600;
  EXPECT_FALSE(scale::heartbeat_live(beat, scale::unix_now()));
  beat.updated = scale::unix_now() - 20;
  EXPECT_TRUE(scale::heartbeat_live(beat, scale::unix_now()));
  beat.updated = scale::unix_now() - 101;  // 3 intervals + 10 s without a beat
  EXPECT_FALSE(scale::heartbeat_live(beat, scale::unix_now()));

  // Status calls such a run interrupted, and a run takes it over.
  const auto dir = test::temp_dir("old_beat");
  fs::create_directories(dir / "r");
  std::ofstream(scale::heartbeat_path(dir / "r"))
      << json{{"host", scale::this_host()}, {"pid", ::getppid()}, {"started", scale::unix_now() - 4 * 3600},
              {"updated", scale::unix_now() - 3 * 3600}, {"interval", 30}}
             .dump();
  EXPECT_EQ(scale::inspect_run(dir, "r", 0, scale::unix_now()).state, scale::RunState::Interrupted);
  std::string held_by;
  EXPECT_TRUE(scale::RunLock::acquire(dir / "r", held_by)) << held_by;
}

// --- item 12: every run running elsewhere: a distinct exit status ---

void hold(const fs::path& run_dir) {
  fs::create_directories(run_dir);
  std::ofstream(scale::heartbeat_path(run_dir)) << json{{"host", scale::this_host()}, {"pid", ::getppid()},
                                                        {"started", scale::unix_now()}, {"updated", scale::unix_now()},
                                                        {"interval", 30}}
                                                       .dump();
}

TEST(RunningElsewhere, ARunThatDidNothingBecauseEveryRunIsHeldExitsThree) {
  const auto dir = test::temp_dir("elsewhere");
  hold(dir / "res" / "run");
  const auto one = cli("run --quiet --set train.epochs=1 --set output_dir=res", dir);
  EXPECT_EQ(one.status, 3) << one.output;
  EXPECT_TRUE(contains(one.output, "nothing done: the run is running elsewhere")) << one.output;

  // --jobs: each child finds its run held and says so with its exit status; the parent counts them.
  std::ofstream(dir / "sweep.toml") << test::quickstart_text() << "\n[sweep]\n\"train.seed\" = [0, 1]\n";
  hold(dir / "sw" / "seed-0");
  hold(dir / "sw" / "seed-1");
  const auto both = cli("run sweep.toml --set output_dir=sw --jobs 2", dir);
  EXPECT_EQ(both.status, 3) << both.output;
  EXPECT_TRUE(contains(both.output, "nothing done: all 2 runs are running elsewhere")) << both.output;
}

TEST(RunningElsewhere, SomeRunsDoneAndSomeHeldIsSuccess) {
  const auto dir = test::temp_dir("elsewhere_some");
  auto specs = test::resolve_text(test::quickstart_text() + "\n[sweep]\n\"train.seed\" = [0, 1]\n",
                                  {"train.epochs=1", "output_dir=" + dir.string()});
  hold(specs[1].run_dir());
  SweepOptions options;
  options.quiet = true;
  options.threads = 1;
  const SweepOutcome outcome = run_sweep(specs, test::builtin_host(), options);
  EXPECT_EQ(outcome.finished, 1u);
  EXPECT_EQ(outcome.busy, 1u);
}

// --- item 11: a corrupt result is named and kept; --max-epochs 0 is refused ---

TEST(CorruptResult, StatusCallsItCorruptAndARerunKeepsItAside) {
  const auto dir = test::temp_dir("corrupt_result");
  fs::create_directories(dir / "res" / "run");
  std::ofstream(dir / "res" / "run" / "result.json") << "{\"status\": \"finish";
  const auto st = cli("status res", dir);
  EXPECT_EQ(st.status, 3) << st.output;
  EXPECT_TRUE(contains(st.output, "corrupt      result.json is not a readable result")) << st.output;
  EXPECT_TRUE(contains(st.output, "0 missing, 1 corrupt")) << st.output;

  const auto rerun = cli("run --quiet --threads 1 --set train.epochs=1 --set output_dir=res", dir);
  EXPECT_EQ(rerun.status, 0) << rerun.output;
  EXPECT_TRUE(contains(rerun.output, "res/run/result.json was corrupt; kept as result.json.corrupt-")) << rerun.output;
  int kept = 0;
  for (const auto& entry : fs::directory_iterator(dir / "res" / "run")) {
    if (entry.path().filename().string().rfind("result.json.corrupt-", 0) == 0) {
      ++kept;
      EXPECT_EQ(read_text(entry.path()), "{\"status\": \"finish");
    }
  }
  EXPECT_EQ(kept, 1);
  EXPECT_EQ(test::read_json(dir / "res" / "run" / "result.json")["status"], "finished");
}

TEST(MaxEpochs, ZeroIsRefused) {
  const auto c = cli("run --max-epochs 0 --set output_dir=/nonexistent/never");
  EXPECT_EQ(c.status, 1) << c.output;
  EXPECT_TRUE(contains(c.output, "pulab: error: --max-epochs must be at least 1")) << c.output;
}

// --- item 13: --quiet keeps the closing summary ---

TEST(Quiet, KeepsTheClosingSummaryAndTheResultPath) {
  const auto dir = test::temp_dir("quiet");
  const auto c = cli("run --quiet --threads 1 --set train.epochs=1 --set output_dir=res", dir);
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_FALSE(contains(c.output, "epoch 1/1")) << "no progress lines\n" << c.output;
  EXPECT_TRUE(contains(c.output, "1 finished, 0 skipped")) << c.output;
  EXPECT_TRUE(contains(c.output, "result: res/run/result.json")) << c.output;
}

// --- item 10: a path of the wrong kind gets one clear message ---

TEST(PathKinds, AFolderWhereAFileIsExpectedAndTheReverseAreNamed) {
  const auto dir = test::temp_dir("path_kinds");
  fs::create_directories(dir / "folder.toml");
  write(dir / "file", "x\n");
  write(dir / "base_is_folder.toml", "base = \"folder.toml\"\n");
  const std::string folder = (dir / "folder.toml").string(), file = (dir / "file").string();
  const std::vector<std::pair<std::string, std::function<void()>>> cases{
      {folder + ": is a folder, not an experiment file", [&] { load_experiment_file(folder); }},
      {"base_is_folder.toml:1:8: base file '" + folder + "' is a folder, not a file",
       [&] { load_experiment_file(dir / "base_is_folder.toml"); }},
      {file + ": is a file, not a folder (--plugin-dir takes the folder that holds plugin libraries)",
       [&] { PluginHost::search_path({file}); }},
      {"--set output_dir=" + file + ": output_dir = \"" + file + "\" is a file, not a folder",
       [&] { test::resolve_text(kMinimal, {"output_dir=" + file}); }},
      {"--out " + file + ": is a file, not a folder", [&] {
         report::ReportOptions o;
         o.dirs = {dir};
         o.out = file;
         report::make_report(o);
       }},
      {"--paper " + folder + ": is a folder, not a file", [&] {
         report::ReportOptions o;
         o.dirs = {dir};
         o.paper = folder;
         report::make_report(o);
       }},
  };
  for (const auto& [expected, call] : cases) {
    const auto msg = error_message(call);
    EXPECT_TRUE(contains(msg, expected)) << expected << "\n" << msg;
  }
  // Through the command line: one line, non-zero status.
  for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
           {"run folder.toml", "pulab: error: folder.toml: is a folder, not an experiment file\n"},
           {"slurm base_is_folder.toml --script folder.toml", "pulab: error: --script folder.toml: is a folder, not a file\n"},
       }) {
    const auto c = cli(args, dir);
    EXPECT_NE(c.status, 0) << args;
    EXPECT_EQ(c.output, expected) << args;
  }
}

// --- item 11: report names an unreadable result file ---

TEST(ReportInputs, AnUnreadableResultFileIsNamedWhenNothingElseIsFound) {
  const auto dir = test::temp_dir("report_unreadable");
  write(dir / "run" / "result.json", "{\"status\": ");
  const auto c = cli("report " + dir.string());
  EXPECT_EQ(c.status, 1) << c.output;
  EXPECT_TRUE(contains(c.output, "1 unreadable result file; " + (dir / "run" / "result.json").string() + ": "))
      << c.output;
}

// --- item 13: the smaller CLI fixes ---

TEST(Help, ASubcommandsHelpIsItsOwn) {
  const auto c = cli("new plugin --help");
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_TRUE(contains(c.output, "pulab new plugin --kind KIND NAME [--out DIR]")) << c.output;
  EXPECT_TRUE(contains(c.output, "new plugin options:")) << c.output;
  EXPECT_FALSE(contains(c.output, "pulab report DIR")) << c.output;
  const auto run = cli("run --help");
  EXPECT_TRUE(contains(run.output, "--max-epochs N")) << run.output;
  EXPECT_FALSE(contains(run.output, "slurm options")) << run.output;
  const auto all = cli("--help");
  for (const char* part : {"pulab run [FILE]", "pulab report DIR", "report options:", "slurm options", "new plugin options:"})
    EXPECT_TRUE(contains(all.output, part)) << part;
}

TEST(Help, UsageAndDocsListTheSamePlotKinds) {
  const auto c = cli("report --help");
  EXPECT_TRUE(contains(c.output, "[--plot alpha|np|c|all]...")) << c.output;
  std::ifstream in(fs::path(PULAB_SOURCE_DIR) / "docs" / "reporting.md");
  std::stringstream docs;
  docs << in.rdbuf();
  EXPECT_TRUE(contains(docs.str(), "[--plot alpha|np|c|all]...")) << "docs/reporting.md";
}

TEST(ResultFile, RecordsThePluginsTheRunUsedApartFromThoseLoaded) {
  const json result = test::train_text(test::quickstart_text(), {"train.epochs=1"});
  const json& used = result["versions"]["plugins_used"];
  ASSERT_TRUE(used.contains("naive")) << used.dump();
  EXPECT_EQ(used["naive"]["components"], json::array({"risk naive"}));
  EXPECT_TRUE(contains(used["naive"]["file"].get<std::string>(), "libpulab_naive.so"));
  EXPECT_EQ(used["naive"]["version"], "1.0.0");
  for (const char* plugin : {"synthetic", "scar", "mlp"}) EXPECT_TRUE(used.contains(plugin)) << plugin << used.dump();
  EXPECT_EQ(used["samplers"]["components"], json::array({"sampler joint"})) << used.dump();  // the default sampler
  EXPECT_EQ(used.size(), 5u) << used.dump();
  EXPECT_FALSE(used.contains("vpu"));
  EXPECT_TRUE(result["versions"]["plugins_loaded"].contains("vpu"));
  EXPECT_FALSE(result["versions"].contains("plugins")) << "the ambiguous old name is gone";
}

TEST(Plots, BandsAndAxesStayInsideThePercentRange) {
  report::Plot plot;
  plot.name = "error_x";
  plot.y_min = 0;
  plot.y_max = 100;
  report::Series s;
  s.x = {1, 2};
  s.y = {1, 2};
  s.err = {3, 3};  // the ±std band reaches below 0 %
  plot.series.push_back(s);
  const std::string band = report::plot_script(plot);
  EXPECT_TRUE(contains(band, "set yrange [0<*:*<100]")) << band;
  EXPECT_TRUE(contains(band, "clip(v) = v < 0 ? 0 : v > 100 ? 100 : v")) << band;
  EXPECT_TRUE(contains(band, "using 1:(clip($2-$3)):(clip($2+$3)) with filledcurves")) << band;
  plot.error_bars = true;
  EXPECT_TRUE(contains(report::plot_script(plot), "using 1:2:(clip($2-$3)):(clip($2+$3)) with yerrorlines"));
  report::Plot free;  // no range: nothing clipped
  free.series.push_back(s);
  EXPECT_FALSE(contains(report::plot_script(free), "set yrange"));
}

// A leaderboard's plot has more series than the palette has colours: each must still look unlike
// every other (colour, marker shape and dash together).
TEST(Plots, NoTwoOfManySeriesLookAlike) {
  report::Plot plot;
  plot.name = "accuracy_x";
  for (int i = 0; i < 24; ++i) {
    report::Series s;
    s.title = "method " + std::to_string(i);
    s.color = i;
    s.x = {1, 2};
    s.y = {1, 2};
    plot.series.push_back(s);
  }
  const std::string script = report::plot_script(plot);
  std::set<std::string> styles;
  for (std::size_t at = script.find("linespoints lc rgb '"); at != std::string::npos;
       at = script.find("linespoints lc rgb '", at + 1)) {
    styles.insert(script.substr(at, script.find(" ps ", at) - at));  // "lc rgb '#...' lw 2 dt D pt P"
  }
  EXPECT_EQ(styles.size(), 24u) << script;
}

// --- item 14: the shipped experiment files, named "pulab:..." ---

TEST(SharedExperiments, BaseAndComposeNamesStartingWithPulabResolveToTheShippedFiles) {
  ASSERT_FALSE(shared_experiments_dir().empty()) << "the build tree mirrors share/pulab/experiments";
  EXPECT_TRUE(fs::exists(shared_experiments_dir() / "base" / "synthetic.toml"));
  const auto dir = test::temp_dir("shared_experiments");
  write(dir / "e.toml", "name = \"x\"\nbase = \"pulab:base/synthetic.toml\"\n[sweep]\n"
                        "compose = [\"pulab:methods/naive.toml\", \"pulab:methods/nnpu.toml\"]\n");
  const auto specs = resolve_file(dir / "e.toml");
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].dataset.name, "synthetic");
  EXPECT_EQ(specs[1].run_id, "nnpu");
  EXPECT_EQ(specs[1].risk.name, "nnpu");
  write(dir / "typo.toml", "base = \"pulab:base/synthetc.toml\"\n");
  const auto msg = error_message([&] { resolve_file(dir / "typo.toml"); });
  EXPECT_NE(msg.find("typo.toml:1:8: base file '" + (shared_experiments_dir() / "base" / "synthetc.toml").string() +
                     "' does not exist"),
            std::string::npos)
      << msg;
}

}  // namespace
