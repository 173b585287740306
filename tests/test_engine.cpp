// The training engine end to end on synthetic data: accuracy, determinism, resume, failures.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include <torch/cuda.h>

#include "config/config_node.hpp"
#include "engine/results.hpp"
#include "engine/sweep_runner.hpp"
#include "engine/trainer.hpp"
#include "pulab/error.hpp"
#include "test_support.hpp"

namespace {
namespace fs = std::filesystem;
using namespace pulab;
using nlohmann::json;

std::vector<double> per_epoch(const json& result, const char* split, const char* metric) {
  std::vector<double> out;
  for (const auto& e : result["epochs"]) out.push_back(e[split][metric].get<double>());
  return out;
}

TEST(Engine, QuickstartTrainsWellAboveChance) {
  const json result = test::train_text(test::quickstart_text());
  EXPECT_EQ(result["status"], "finished");
  EXPECT_EQ(result["epochs"].size(), 10u);
  // Naive PU on well-separated synthetic data; measured 0.9835 (see docs/architecture.md).
  EXPECT_GT(result["last"]["test"]["accuracy"].get<double>(), 0.95);
  EXPECT_GT(result["last"]["test"]["auc"].get<double>(), 0.97);
  EXPECT_EQ(result["split"]["n_labeled"], 500);
  EXPECT_EQ(result["split"]["n_validation"], 300);
  EXPECT_EQ(result["config"]["train"]["epochs"], 10);
  EXPECT_TRUE(result["versions"]["plugins_used"].contains("naive"));
}

TEST(Engine, TheOperativeConfigurationWrittenNextToTheResultReproducesTheRun) {
  const auto dir = test::temp_dir("operative");
  auto specs = test::resolve_text(test::quickstart_text(), {"train.epochs=2", "output_dir=" + dir.string()});
  TrainOptions options;
  options.quiet = true;
  train_run(specs[0], test::builtin_host(), options);
  const fs::path written = specs[0].run_dir() / "config.toml";
  ASSERT_TRUE(fs::exists(written));
  // Run the written file again into another folder: the same results.
  const auto again_dir = test::temp_dir("operative_again");
  ConfigNode root = load_experiment_file(written);
  apply_override(root, "output_dir=" + again_dir.string());
  const RunSpec again = resolve_run(expand_sweep(root)[0], test::builtin_host().registries());
  EXPECT_EQ(again.run_id, specs[0].run_id);
  train_run(again, test::builtin_host(), options);
  const json a = test::read_json(result_path(specs[0]));
  const json b = test::read_json(result_path(again));
  EXPECT_EQ(per_epoch(a, "test", "accuracy"), per_epoch(b, "test", "accuracy"));
  EXPECT_EQ(per_epoch(a, "val", "auc"), per_epoch(b, "val", "auc"));
}

TEST(Engine, SameSeedSameThreadsGivesIdenticalResults) {
  const std::vector<std::string> fast{"train.epochs=3"};
  const json a = test::train_text(test::quickstart_text(), fast);
  const json b = test::train_text(test::quickstart_text(), fast);
  EXPECT_EQ(per_epoch(a, "test", "accuracy"), per_epoch(b, "test", "accuracy"));
  EXPECT_EQ(per_epoch(a, "test", "auc"), per_epoch(b, "test", "auc"));
  std::vector<double> ra, rb;
  for (const auto& e : a["epochs"]) ra.push_back(e["train_risk"]);
  for (const auto& e : b["epochs"]) rb.push_back(e["train_risk"]);
  EXPECT_EQ(ra, rb);
  const json c = test::train_text(test::quickstart_text(), {"train.epochs=3", "train.seed=1"});
  EXPECT_NE(per_epoch(a, "test", "auc"), per_epoch(c, "test", "auc"));
}

TEST(Engine, AnInterruptedRunResumesToTheSameResult) {
  const auto dir = test::temp_dir("resume");
  auto specs = test::resolve_text(test::quickstart_text(), {"train.epochs=5", "output_dir=" + dir.string()});
  const RunSpec& spec = specs[0];
  TrainOptions options;
  options.quiet = true;
  options.threads = 2;
  options.max_epochs_this_call = 2;
  EXPECT_EQ(train_run(spec, test::builtin_host(), options), RunStatus::Interrupted);
  EXPECT_TRUE(fs::exists(spec.run_dir() / "checkpoint.pt"));
  EXPECT_FALSE(fs::exists(result_path(spec)));
  options.max_epochs_this_call = -1;
  EXPECT_EQ(train_run(spec, test::builtin_host(), options), RunStatus::Finished);
  EXPECT_FALSE(fs::exists(spec.run_dir() / "checkpoint.pt"));
  const json resumed = test::read_json(result_path(spec));
  EXPECT_EQ(resumed["resumed_from_epoch"], 2);

  const json straight = test::train_text(test::quickstart_text(), {"train.epochs=5"});
  EXPECT_EQ(per_epoch(resumed, "test", "accuracy"), per_epoch(straight, "test", "accuracy"));
  EXPECT_EQ(per_epoch(resumed, "val", "auc"), per_epoch(straight, "val", "auc"));
}

TEST(Engine, ACorruptCheckpointGivesAClearError) {
  const auto dir = test::temp_dir("corrupt");
  auto specs = test::resolve_text(test::quickstart_text(), {"train.epochs=2", "output_dir=" + dir.string()});
  fs::create_directories(specs[0].run_dir());
  std::ofstream(specs[0].run_dir() / "checkpoint.pt") << "garbage";
  TrainOptions options;
  options.quiet = true;
  const auto msg = test::error_message([&] { train_run(specs[0], test::builtin_host(), options); });
  EXPECT_NE(msg.find("checkpoint.pt: cannot resume from this checkpoint"), std::string::npos) << msg;
}

class EngineFailures : public ::testing::Test {
 protected:
  static PluginHost& host() {
    static PluginHost* h = [] {
      auto* p = new PluginHost();
      p->load_directory(PULAB_TEST_PLUGIN_DIR);
      p->load_file(fs::path(PULAB_TEST_FIXTURE_DIR) / "fixture_nan.so");
      return p;
    }();
    return *h;
  }
};

TEST_F(EngineFailures, ANanLossStopsThatRunAndTheSweepGoesOn) {
  const auto dir = test::temp_dir("nan");
  ConfigNode root = load_experiment_text(test::quickstart_text(), "quickstart.toml", PULAB_SOURCE_DIR);
  apply_override(root, "output_dir=" + dir.string());
  apply_override(root, "train.epochs=2");
  apply_override(root, "risk.name=nan_after");
  ConfigNode sweep = parse_toml("[sweep]\n\"risk.steps\" = [30, 1000]\n", "sweep.toml");
  merge_into(root, sweep);
  std::vector<RunSpec> specs;
  for (const auto& run : expand_sweep(root)) specs.push_back(resolve_run(run, host().registries()));
  ASSERT_EQ(specs.size(), 2u);

  // A finished result of another run in the folder must survive untouched.
  SweepOptions options;
  options.quiet = true;
  options.threads = 2;
  const SweepOutcome outcome = run_sweep(specs, host(), options);
  EXPECT_EQ(outcome.finished, 1u);
  ASSERT_EQ(outcome.failures.size(), 1u);
  EXPECT_EQ(outcome.failures[0].first, "steps-30");
  // The fixture counts its calls: epoch 1's steps, then one call for the PU risk on validation
  // after epoch 1 (engine/pu_criteria.hpp), so the 30th call is epoch 2's batch 7.
  EXPECT_NE(outcome.failures[0].second.find("run quickstart/steps-30: epoch 2, batch 7: the risk is nan"),
            std::string::npos)
      << outcome.failures[0].second;
  const json failed = test::read_json(result_path(specs[0]));
  EXPECT_EQ(failed["status"], "failed");
  const json ok = test::read_json(result_path(specs[1]));
  EXPECT_EQ(ok["status"], "finished");

  // Re-running skips the finished run and leaves its file as it was; the failed run is retried
  // from its last checkpoint (the fixture's step counter starts again, so it now finishes).
  const auto before = fs::last_write_time(result_path(specs[1]));
  const SweepOutcome again = run_sweep(specs, host(), options);
  EXPECT_EQ(again.skipped, 1u);
  EXPECT_EQ(again.finished, 1u);
  EXPECT_TRUE(again.failures.empty());
  EXPECT_EQ(test::read_json(result_path(specs[0]))["resumed_from_epoch"], 1);
  EXPECT_EQ(fs::last_write_time(result_path(specs[1])), before);
  std::ifstream csv(dir / "summary.csv");
  std::string header, line1, line2;
  std::getline(csv, header);
  std::getline(csv, line1);
  std::getline(csv, line2);
  EXPECT_EQ(line1.rfind("steps-1000,finished", 0), 0u) << line1;
  EXPECT_EQ(line2.rfind("steps-30,finished", 0), 0u) << line2;
  // No temporary files are left behind.
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
}

// --- the command line ---

struct Command {
  int status;
  std::string output;
};

Command run_cli(const std::string& args) {
  const std::string cmd = std::string(PULAB_TEST_BINARY) + " " + args + " 2>&1";
  Command c{0, ""};
  FILE* pipe = ::popen(cmd.c_str(), "r");
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe)) c.output += buffer;
  const int raw = ::pclose(pipe);
  c.status = WEXITSTATUS(raw);
  return c;
}

TEST(Cli, PluginsListsTheLoadedPlugins) {
  const auto c = run_cli("plugins");
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_NE(c.output.find("naive 1.0.0"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("libpulab_naive.so"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("dataset      synthetic"), std::string::npos) << c.output;
}

TEST(Cli, DescribeShowsTheSchema) {
  const auto c = run_cli("describe naive");
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_NE(c.output.find("loss"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("\"sigmoid\""), std::string::npos) << c.output;
  // Keys longer than the usual column (Dist-PU's mixup_stage_weight_decay_scale) keep the columns
  // aligned: every parameter line ("  key  type  = default  help") has its " = " at one place.
  const auto long_keys = run_cli("describe dist_pu");
  EXPECT_NE(long_keys.output.find("mixup_stage_weight_decay_scale"), std::string::npos) << long_keys.output;
  std::set<std::size_t> columns;
  std::istringstream lines(long_keys.output);
  for (std::string line; std::getline(lines, line);) {
    const bool parameter = line.size() > 2 && line.rfind("  ", 0) == 0 && std::islower(static_cast<unsigned char>(line[2]));
    if (parameter) columns.insert(line.find(" = "));
  }
  EXPECT_EQ(columns.size(), 1u) << long_keys.output;
  const auto bad = run_cli("describe naiv");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("did you mean 'naive'?"), std::string::npos) << bad.output;
}

TEST(Cli, PlanPrintsTheExpandedRunsWithoutTraining) {
  const auto dir = test::temp_dir("plan");
  std::ofstream(dir / "sweep.toml") << test::quickstart_text() << "\n[sweep]\n\"train.seed\" = [0, 1, 2]\n";
  const auto c = run_cli("plan " + (dir / "sweep.toml").string() + " --set output_dir=" + (dir / "out").string());
  EXPECT_EQ(c.status, 0) << c.output;
  EXPECT_NE(c.output.find("3 runs"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("seed-2"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("pending"), std::string::npos) << c.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

TEST(Cli, ErrorsAreOneClearLineWithANonZeroExit) {
  const auto dir = test::temp_dir("cli_err");
  std::ofstream(dir / "bad.toml") << "[train]\nepochs = \"x\"\n";
  const auto c = run_cli((std::string("run ") + (dir / "bad.toml").string()));
  EXPECT_EQ(c.status, 2);
  EXPECT_EQ(c.output.rfind("pulab: error: ", 0), 0u) << c.output;
  const auto unknown = run_cli("runn");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.output.find("did you mean 'run'?"), std::string::npos) << unknown.output;
  const auto missing = run_cli("run /no/such/file.toml");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.output.find("/no/such/file.toml: cannot open experiment file"), std::string::npos) << missing.output;
  const auto version = run_cli("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_NE(version.output.find("pulab 0.4.0"), std::string::npos);
}

TEST(Cli, JobsRunsASweepInParallelProcessesWithTheSameResults) {
  const auto dir = test::temp_dir("jobs");
  std::ofstream(dir / "sweep.toml") << test::quickstart_text() << "\n[sweep]\n\"train.seed\" = [0, 1]\n";
  const std::string common = (dir / "sweep.toml").string() + " --quiet --set train.epochs=2 --set output_dir=";
  const auto parallel = run_cli("run " + common + (dir / "par").string() + " --jobs 2 --threads 2");
  EXPECT_EQ(parallel.status, 0) << parallel.output;
  const auto serial = run_cli("run " + common + (dir / "ser").string() + " --threads 1");
  EXPECT_EQ(serial.status, 0) << serial.output;
  for (const char* id : {"seed-0", "seed-1"}) {
    const json a = test::read_json(dir / "par" / id / "result.json");
    const json b = test::read_json(dir / "ser" / id / "result.json");
    EXPECT_EQ(a["threads"], 1);
    EXPECT_EQ(per_epoch(a, "test", "accuracy"), per_epoch(b, "test", "accuracy")) << id;
  }
  EXPECT_TRUE(fs::exists(dir / "par" / "summary.csv"));
}

}  // namespace

namespace {
TEST(Engine, AFinishedResultOfAnotherConfigurationIsReportedNotSkippedNorOverwritten) {
  const auto dir = test::temp_dir("stale");
  auto first = test::resolve_text(test::quickstart_text(), {"train.epochs=1", "output_dir=" + dir.string()});
  SweepOptions options;
  options.quiet = true;
  EXPECT_EQ(run_sweep(first, test::builtin_host(), options).finished, 1u);
  const auto before = fs::last_write_time(result_path(first[0]));

  // A [report] label is not part of what a run computes: still the same run.
  auto relabeled = test::resolve_text(test::quickstart_text(),
                                      {"train.epochs=1", "output_dir=" + dir.string(), "report.column=x"});
  EXPECT_EQ(stale_result(relabeled[0]), "");
  EXPECT_EQ(run_sweep(relabeled, test::builtin_host(), options).skipped, 1u);

  auto changed = test::resolve_text(test::quickstart_text(), {"train.epochs=1", "output_dir=" + dir.string(), "train.lr=0.5"});
  const SweepOutcome outcome = run_sweep(changed, test::builtin_host(), options);
  ASSERT_EQ(outcome.failures.size(), 1u);
  EXPECT_NE(outcome.failures[0].second.find("was produced by another configuration (first difference: train.lr)"),
            std::string::npos)
      << outcome.failures[0].second;
  EXPECT_EQ(fs::last_write_time(result_path(first[0])), before);
  EXPECT_EQ(test::read_json(result_path(first[0]))["status"], "finished");
}

TEST(Cli, RedoStaleRunsAStaleRunAgainAndKeepsItsOldResultBeside) {
  const auto dir = test::temp_dir("redo_stale");
  std::ofstream(dir / "sweep.toml") << test::quickstart_text() << "\n[sweep]\n\"train.seed\" = [0, 1]\n";
  const std::string common =
      (dir / "sweep.toml").string() + " --quiet --set train.epochs=1 --set output_dir=" + (dir / "out").string();
  ASSERT_EQ(run_cli("run " + common).status, 0);
  const json old_seed0 = test::read_json(dir / "out" / "seed-0" / "result.json");
  // Another learning rate: both runs are stale; without the flag they are reported, not redone.
  const auto refused = run_cli("run " + common + " --set train.lr=0.002");
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("--redo-stale"), std::string::npos) << refused.output;
  // With it (one process, then --jobs 2 for the other path): each run is done again, and its old
  // result is kept beside, unchanged.
  for (const std::string jobs : {"", " --jobs 2 --threads 2"}) {
    const auto redone = run_cli("run " + common + " --set train.lr=" + (jobs.empty() ? "0.002" : "0.003") +
                                " --redo-stale" + jobs);
    EXPECT_EQ(redone.status, 0) << redone.output;
    EXPECT_NE(redone.output.find("kept as result.json.stale-"), std::string::npos) << redone.output;
  }
  for (const char* id : {"seed-0", "seed-1"}) {
    std::vector<json> aside;
    for (const auto& entry : fs::directory_iterator(dir / "out" / id)) {
      if (entry.path().filename().string().rfind("result.json.stale-", 0) == 0) aside.push_back(test::read_json(entry.path()));
    }
    ASSERT_EQ(aside.size(), 2u) << id;  // lr 1e-3 (the quickstart's) and 0.002, each set aside once
    EXPECT_EQ(test::read_json(dir / "out" / id / "result.json")["config"]["train"]["lr"], 0.003) << id;
  }
  bool found_original = false;
  for (const auto& entry : fs::directory_iterator(dir / "out" / "seed-0")) {
    if (entry.path().filename().string().rfind("result.json.stale-", 0) == 0)
      found_original = found_original || test::read_json(entry.path()) == old_seed0;
  }
  EXPECT_TRUE(found_original);
  // Current results are skipped as before, with or without the flag.
  const auto again = run_cli("run " + common + " --set train.lr=0.003 --redo-stale");
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("0 finished, 2 skipped"), std::string::npos) << again.output;
}

// A sweep overlapping another (here: a learning-rate grid holding the other sweep's lr for seed 0)
// takes the finished result of the same computation instead of training it; the result is the
// one training would give (the same run trained afresh matches it epoch by epoch), and says where
// it came from.
TEST(Cli, ReuseFromTakesTheResultOfTheSameComputationFromAnotherSweep) {
  const auto dir = test::temp_dir("reuse_from");
  std::ofstream(dir / "seeds.toml") << test::quickstart_text() << "\n[sweep]\n\"train.seed\" = [0, 1]\n";
  std::ofstream(dir / "rates.toml") << test::quickstart_text() << "\n[sweep]\n\"train.lr\" = [0.001, 0.002]\n";
  const std::string epochs = " --quiet --set train.epochs=2";
  ASSERT_EQ(run_cli("run " + (dir / "seeds.toml").string() + epochs + " --set output_dir=" + (dir / "a").string()).status, 0);
  const std::string rates = (dir / "rates.toml").string() + epochs + " --set name=\"lr_search\"";
  const std::string from_a = " --reuse-from " + (dir / "a").string();

  const auto plan = run_cli("plan " + (dir / "rates.toml").string() + " --set train.epochs=2 --set name=\"lr_search\"" +
                            " --set output_dir=" + (dir / "b").string() + from_a);
  EXPECT_EQ(plan.status, 0) << plan.output;
  EXPECT_NE(plan.output.find("reusable"), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("pending"), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("\n1 reusable, 1 pending\n"), std::string::npos) << plan.output;

  // One process, then --jobs 2 (the parent reuses, children train the rest).
  for (const std::string out : {"b", "b_jobs"}) {
    const auto run = run_cli("run " + rates + " --set output_dir=" + (dir / out).string() + from_a +
                             (out == "b" ? "" : " --jobs 2 --threads 2"));
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("1 finished, 0 skipped (finished earlier), 0 interrupted, 0 failed, 1 reused"),
              std::string::npos) << run.output;
  }
  const json source = test::read_json(dir / "a" / "seed-0" / "result.json");
  std::vector<json> reused, trained;
  for (const auto& run_dir : fs::directory_iterator(dir / "b")) {
    if (!fs::exists(run_dir.path() / "result.json")) continue;
    const json r = test::read_json(run_dir.path() / "result.json");
    (r.contains("reused_from") ? reused : trained).push_back(r);
  }
  ASSERT_EQ(reused.size(), 1u);
  ASSERT_EQ(trained.size(), 1u);
  EXPECT_EQ(trained[0]["config"]["train"]["lr"], 0.002);
  const json& r = reused[0];
  EXPECT_EQ(r["reused_from"]["result"], (dir / "a" / "seed-0" / "result.json").lexically_normal().string());
  EXPECT_EQ(r["reused_from"]["run_id"], "seed-0");
  EXPECT_EQ(r["experiment"], "lr_search");
  EXPECT_EQ(r["config"]["name"], "lr_search");
  EXPECT_EQ(r["config"]["run_id"], r["run_id"]);
  EXPECT_NE(r["run_id"], "seed-0");
  EXPECT_EQ(r["epochs"], source["epochs"]);
  EXPECT_EQ(r["versions"], source["versions"]);
  EXPECT_FALSE(fs::exists(dir / "b" / r["run_id"].get<std::string>() / "checkpoint.pt"));
  // Trained afresh, the same run gives the same numbers.
  const auto fresh = run_cli("run " + rates + " --set output_dir=" + (dir / "c").string() + " --only " +
                             r["run_id"].get<std::string>());
  ASSERT_EQ(fresh.status, 0) << fresh.output;
  const json again = test::read_json(dir / "c" / r["run_id"].get<std::string>() / "result.json");
  for (const char* split : {"val", "test"})
    for (const char* metric : {"accuracy", "auc", "f1"}) EXPECT_EQ(per_epoch(again, split, metric), per_epoch(r, split, metric));
  const auto status = run_cli("status " + (dir / "b").string());
  EXPECT_NE(status.output.find(", reused from " + (dir / "a" / "seed-0" / "result.json").lexically_normal().string()),
            std::string::npos) << status.output;
  // A rerun finds it finished and current.
  const auto rerun = run_cli("run " + rates + " --set output_dir=" + (dir / "b").string());
  EXPECT_NE(rerun.output.find("0 finished, 2 skipped"), std::string::npos) << rerun.output;
  // A mistyped folder is an error, not a sweep that silently trains everything.
  const auto missing = run_cli("run " + rates + " --set output_dir=" + (dir / "d").string() + " --reuse-from " +
                               (dir / "no_such").string());
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_NE(missing.output.find("--reuse-from " + (dir / "no_such").string() + ": no such folder"), std::string::npos)
      << missing.output;
  EXPECT_FALSE(fs::exists(dir / "d"));
}

// The sweep runner shows a run's progress in its heartbeat from this callback (`pulab status`).
TEST(Engine, EveryCheckpointedEpochIsReportedWithTheRunsEpochsAndItsPace) {
  const auto dir = test::temp_dir("progress");
  auto specs = test::resolve_text(test::quickstart_text(), {"train.epochs=3", "output_dir=" + dir.string()});
  std::vector<std::pair<std::int64_t, std::int64_t>> reported;
  TrainOptions options;
  options.quiet = true;
  options.max_epochs_this_call = 2;
  options.on_epoch_end = [&](std::int64_t done, std::int64_t epochs, double seconds_per_epoch) {
    reported.emplace_back(done, epochs);
    EXPECT_GT(seconds_per_epoch, 0.0);
    if (done < epochs) EXPECT_TRUE(fs::exists(specs[0].run_dir() / "checkpoint.pt")) << "reported once it is saved";
  };
  EXPECT_EQ(train_run(specs[0], test::builtin_host(), options), RunStatus::Interrupted);
  options.max_epochs_this_call = -1;
  EXPECT_EQ(train_run(specs[0], test::builtin_host(), options), RunStatus::Finished);  // resumes after epoch 2
  using P = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(reported, (std::vector<P>{P{1, 3}, P{2, 3}, P{3, 3}}));
}

TEST(Engine, ACheckpointOfAnotherConfigurationIsRefused) {
  const auto dir = test::temp_dir("ckpt_config");
  auto specs = test::resolve_text(test::quickstart_text(), {"train.epochs=4", "output_dir=" + dir.string()});
  TrainOptions options;
  options.quiet = true;
  options.max_epochs_this_call = 1;
  EXPECT_EQ(train_run(specs[0], test::builtin_host(), options), RunStatus::Interrupted);
  auto changed = test::resolve_text(test::quickstart_text(), {"train.epochs=4", "train.lr=0.002", "output_dir=" + dir.string()});
  const auto msg = test::error_message([&] { train_run(changed[0], test::builtin_host(), options); });
  EXPECT_NE(msg.find("checkpoint.pt: this checkpoint was written by another configuration"), std::string::npos) << msg;
}
}  // namespace

namespace {
// train.precision was added after results had been written: a result whose stored configuration
// has no such key was produced with float32 and must still count as finished (not stale, not
// redone); a result of bfloat16 is another configuration.
TEST(Engine, AResultFromBeforeTrainPrecisionExistedIsStillTheSameRun) {
  const auto dir = test::temp_dir("legacy_key");
  auto specs = test::resolve_text(test::quickstart_text(), {"train.epochs=1", "output_dir=" + dir.string()});
  SweepOptions options;
  options.quiet = true;
  ASSERT_EQ(run_sweep(specs, test::builtin_host(), options).finished, 1u);
  const fs::path file = result_path(specs[0]);
  json result = test::read_json(file);
  ASSERT_EQ(result["config"]["train"]["precision"], "float32");
  result["config"]["train"].erase("precision");
  std::ofstream(file) << result.dump(1);
  EXPECT_EQ(stale_result(specs[0]), "");
  EXPECT_EQ(run_sweep(specs, test::builtin_host(), options).skipped, 1u);

  auto bf16 = test::resolve_text(test::quickstart_text(),
                                 {"train.epochs=1", "output_dir=" + dir.string(), "train.precision=bfloat16"});
  EXPECT_NE(stale_result(bf16[0]).find("first difference: train.precision"), std::string::npos) << stale_result(bf16[0]);
  // The checkpoint fingerprint follows the same rule: float32 compares equal to "no key".
  EXPECT_EQ(config_fingerprint(specs[0]).find("precision"), std::string::npos);
  EXPECT_NE(config_fingerprint(bf16[0]).find("\"precision\":\"bfloat16\""), std::string::npos);
}

// What bench/ and docs/performance.md read from a result: training time without evaluation, the
// process's peak memory, the data loading time.
TEST(Engine, ResultsRecordTrainingTimeMemoryAndDataLoading) {
  const json result = test::train_text(test::quickstart_text(), {"train.epochs=2"});
  for (const auto& e : result["epochs"]) {
    EXPECT_GT(e["train_seconds"].get<double>(), 0);
    EXPECT_LE(e["train_seconds"].get<double>(), e["seconds"].get<double>());
    EXPECT_GT(e["peak_rss_mb"].get<double>(), 10);
  }
  EXPECT_GE(result["peak_rss_mb"].get<double>(), result["epochs"][0]["peak_rss_mb"].get<double>());
  EXPECT_GT(result["data_seconds"].get<double>(), 0);
}

// bfloat16 autocast is opt-in: it must actually change the arithmetic (else it is not on) and
// still learn the synthetic task with GradPU (penalty and upweighting, i.e. double backward
// under autocast).
TEST(Engine, Bfloat16AutocastTrainsGradpu) {
  const std::vector<std::string> gradpu{"train.epochs=3", "risk.loss=abs", "regularizer.gradient_penalty.alpha=0.2",
                                       "weighting.name=positive_upweighting", "weighting.beta_max=1.0"};
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), gradpu.begin(), gradpu.end());
    return extra;
  };
  const json f32 = test::train_text(test::quickstart_text(), gradpu);
  const json bf16 = test::train_text(test::quickstart_text(), with({"train.precision=bfloat16"}));
  EXPECT_EQ(bf16["config"]["train"]["precision"], "bfloat16");
  EXPECT_NE(bf16["epochs"][0]["train_objective"].get<double>(), f32["epochs"][0]["train_objective"].get<double>());
  EXPECT_GT(bf16["last"]["test"]["accuracy"].get<double>(), 0.93);
  EXPECT_NEAR(bf16["last"]["test"]["accuracy"].get<double>(), f32["last"]["test"]["accuracy"].get<double>(), 0.03);
}
}  // namespace

namespace {
// device = "cuda": on a machine with a CUDA device and a CUDA LibTorch, the quickstart and GradPU
// (double backward, bfloat16 autocast) train there and the result says where; everywhere else the
// run is refused with a clear message and the GPU part is skipped.
TEST(Engine, CudaTrainsWhereAvailableAndIsRefusedClearlyElsewhere) {
  if (!torch::cuda::is_available()) {
    const auto msg = test::error_message([] { test::train_text(test::quickstart_text(), {"train.device=cuda"}); });
    EXPECT_NE(msg.find("train.device = \"cuda\" but this pulab sees no CUDA device"), std::string::npos) << msg;
    GTEST_SKIP() << "no CUDA device here: the CUDA training path runs on GPU machines only";
  }
  const json result = test::train_text(test::quickstart_text(), {"train.device=cuda", "train.epochs=3"});
  EXPECT_EQ(result["device"], "cuda");
  // 0.9425 on the H200 (LibTorch 2.11, 2026-11-30): CUDA's random streams are not the CPU's, so the
  // CPU test's 0.95 after the default epochs is no bar for 3 epochs here; this checks it learns.
  EXPECT_GT(result["last"]["test"]["accuracy"].get<double>(), 0.9);
  const json gradpu = test::train_text(
      test::quickstart_text(), {"train.device=cuda", "train.epochs=3", "risk.loss=abs", "regularizer.gradient_penalty.alpha=0.2",
                                "weighting.name=positive_upweighting", "weighting.beta_max=1.0", "train.precision=bfloat16"});
  EXPECT_GT(gradpu["last"]["test"]["accuracy"].get<double>(), 0.93);
}
}  // namespace
