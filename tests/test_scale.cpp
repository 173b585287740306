// Scaling out: shards of a sweep, run heartbeats and `pulab status`, the sbatch script of
// `pulab slurm`, and a real single-node SLURM cluster on 127.0.0.1 (tests/slurm/cluster.sh).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "pulab/error.hpp"
#include "scale/heartbeat.hpp"
#include "scale/shard.hpp"
#include "scale/slurm.hpp"
#include "scale/status.hpp"
#include "scale/work_left.hpp"
#include "test_support.hpp"

namespace {
namespace fs = std::filesystem;
using namespace pulab;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Command {
  int status;
  std::string output;
};

Command shell(const std::string& cmd) {
  Command c{0, ""};
  FILE* pipe = ::popen((cmd + " 2>&1").c_str(), "r");
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe)) c.output += buffer;
  const int raw = ::pclose(pipe);
  c.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return c;
}

Command pulab_cli(const std::string& args) { return shell(std::string(PULAB_TEST_BINARY) + " " + args); }

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<double> per_epoch(const json& result, const char* split, const char* metric) {
  std::vector<double> out;
  for (const auto& e : result["epochs"]) out.push_back(e[split][metric].get<double>());
  return out;
}

// A sweep of the quickstart over seeds, written to DIR/sweep.toml.
fs::path sweep_file(const fs::path& dir, int seeds, const std::string& extra = "") {
  std::string values;
  for (int s = 0; s < seeds; ++s) values += (s ? ", " : "") + std::to_string(s);
  const fs::path file = dir / "sweep.toml";
  std::ofstream(file) << test::quickstart_text() << extra << "\n[sweep]\n\"train.seed\" = [" << values << "]\n";
  return file;
}

// --- shards ---

TEST(Shard, KOfNCountsFromZeroAndBadValuesSayWhy) {
  const auto s = scale::parse_shard("2/4");
  EXPECT_EQ(s.index, 2u);
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(scale::parse_shard("0/1").count, 1u);
  EXPECT_NE(test::error_message([] { scale::parse_shard("4/4"); }).find("K must be between 0 and 3 (shards count from 0"),
            std::string::npos);
  EXPECT_NE(test::error_message([] { scale::parse_shard("1/0"); }).find("N must be at least 1"), std::string::npos);
  for (const char* bad : {"1", "a/b", "-1/4", "1/", "/4", "1/4/2", " 1/4"})
    EXPECT_NE(test::error_message([&] { scale::parse_shard(bad); }).find("expected K/N"), std::string::npos) << bad;
}

TEST(Shard, EveryRunBelongsToExactlyOneShard) {
  for (std::size_t total : {1u, 5u, 12u}) {
    for (std::size_t n = 1; n <= 6; ++n) {
      std::multiset<std::size_t> seen;
      for (std::size_t k = 0; k < n; ++k) {
        for (std::size_t i : scale::shard_indices(total, {k, n})) {
          EXPECT_TRUE(scale::in_shard(i, {k, n}));
          EXPECT_EQ(i % n, k);
          seen.insert(i);
        }
      }
      ASSERT_EQ(seen.size(), total) << total << " runs, " << n << " shards";
      for (std::size_t i = 0; i < total; ++i) EXPECT_EQ(seen.count(i), 1u);
    }
  }
}

TEST(Shard, ArraySpecAndPlanHash) {
  EXPECT_EQ(scale::array_spec({0, 1, 2, 3}), "0-3");
  EXPECT_EQ(scale::array_spec({0, 1, 2, 3}, 2), "0-3%2");
  EXPECT_EQ(scale::array_spec({1, 3, 4, 5, 9}), "1,3-5,9");
  EXPECT_EQ(scale::array_spec({7}), "7");
  const std::string h = scale::plan_hash({"seed-0", "seed-1"});
  EXPECT_EQ(h.size(), 16u);
  EXPECT_EQ(h, scale::plan_hash({"seed-0", "seed-1"}));
  EXPECT_NE(h, scale::plan_hash({"seed-1", "seed-0"}));
  EXPECT_NE(h, scale::plan_hash({"seed-0", "seed-1", "seed-2"}));
}

TEST(Shard, PlanNumbersStablyAndShardsRunDisjointPartsThatMatchTheWholeSweep) {
  const auto dir = test::temp_dir("shard_cli");
  const fs::path file = sweep_file(dir, 3);
  const std::string common = file.string() + " --set train.epochs=1 --set output_dir=";
  const auto plan1 = pulab_cli("plan " + common + (dir / "sharded").string());
  const auto plan2 = pulab_cli("plan " + common + (dir / "sharded").string());
  ASSERT_EQ(plan1.status, 0) << plan1.output;
  EXPECT_EQ(plan1.output, plan2.output);
  EXPECT_NE(plan1.output.find("   1  seed-1"), std::string::npos) << plan1.output;
  const auto plan_shard = pulab_cli("plan " + common + (dir / "sharded").string() + " --shard 1/2");
  EXPECT_NE(plan_shard.output.find("shard 1/2: 1 of them"), std::string::npos) << plan_shard.output;
  EXPECT_EQ(plan_shard.output.find("seed-0"), std::string::npos) << plan_shard.output;

  // Two shards, one after the other (as two machines would): runs {0, 2} and {1}.
  for (const char* shard : {"0/2", "1/2"}) {
    const auto c = pulab_cli("run " + common + (dir / "sharded").string() + " --quiet --threads 1 --shard " + shard);
    EXPECT_EQ(c.status, 0) << c.output;
  }
  for (const char* id : {"seed-0", "seed-1", "seed-2"}) EXPECT_TRUE(fs::exists(dir / "sharded" / id / "result.json")) << id;
  // Shards write only their run folders: no summary, no plan (nothing two shards could both write).
  EXPECT_FALSE(fs::exists(dir / "sharded" / "summary.csv"));
  EXPECT_FALSE(fs::exists(dir / "sharded" / "plan.json"));
  // A shard that is run again skips its finished runs.
  const auto again = pulab_cli("run " + common + (dir / "sharded").string() + " --threads 1 --shard 0/2");
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("0 finished, 2 skipped"), std::string::npos) << again.output;
  // A shard beyond the runs has nothing to do; a bad one is one clear line.
  const auto empty = pulab_cli("run " + common + (dir / "sharded").string() + " --shard 4/5");
  EXPECT_EQ(empty.status, 0) << empty.output;
  EXPECT_NE(empty.output.find("shard 4/5: no run"), std::string::npos) << empty.output;
  const auto bad = pulab_cli("run " + common + (dir / "sharded").string() + " --shard 2/2");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("pulab: error: --shard 2/2: K must be between 0 and 1"), std::string::npos) << bad.output;
  const auto both = pulab_cli("run " + common + (dir / "sharded").string() + " --shard 0/2 --only seed-0");
  EXPECT_NE(both.output.find("give --only or --shard, not both"), std::string::npos) << both.output;
  const auto other_plan = pulab_cli("run " + common + (dir / "sharded").string() + " --shard 0/2 --expect-plan 0123456789abcdef");
  EXPECT_EQ(other_plan.status, 1);
  EXPECT_NE(other_plan.output.find("the sweep now expands to other runs (3 runs"), std::string::npos) << other_plan.output;

  // The same runs as the whole sweep in one process.
  const auto whole = pulab_cli("run " + common + (dir / "whole").string() + " --quiet --threads 1");
  EXPECT_EQ(whole.status, 0) << whole.output;
  EXPECT_TRUE(fs::exists(dir / "whole" / "summary.csv"));
  EXPECT_TRUE(fs::exists(dir / "whole" / "plan.json"));
  for (const char* id : {"seed-0", "seed-1", "seed-2"}) {
    const json a = test::read_json(dir / "sharded" / id / "result.json");
    const json b = test::read_json(dir / "whole" / id / "result.json");
    EXPECT_EQ(per_epoch(a, "test", "accuracy"), per_epoch(b, "test", "accuracy")) << id;
    EXPECT_EQ(per_epoch(a, "val", "auc"), per_epoch(b, "val", "auc")) << id;
  }
  // `pulab status --summary` merges the shards' results into one summary.csv.
  const auto st = pulab_cli("status " + file.string() + " --set train.epochs=1 --set output_dir=" +
                            (dir / "sharded").string() + " --summary");
  EXPECT_EQ(st.status, 0) << st.output;
  EXPECT_NE(st.output.find("3 finished, 0 running, 0 failed, 0 interrupted, 0 missing"), std::string::npos) << st.output;
  std::ifstream csv(dir / "sharded" / "summary.csv");
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(csv, line)) lines.push_back(line.substr(0, line.find(',', line.find(',') + 1)));
  EXPECT_EQ(lines, (std::vector<std::string>{"run_id,status", "seed-0,finished", "seed-1,finished", "seed-2,finished"}));
}

// --- heartbeats and status ---

// A process id that is certainly not running: a child that has exited and been reaped.
long dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

void write_beat(const fs::path& run_dir, const std::string& host, long pid, double updated) {
  fs::create_directories(run_dir);
  std::ofstream(scale::heartbeat_path(run_dir)) << json{{"host", host},       {"pid", pid},    {"started", updated - 60},
                                                        {"updated", updated}, {"interval", 30}, {"slurm_job", "42_3"}}
                                                       .dump();
}

TEST(Status, AHeartbeatIsALockWhileItsProcessLivesAndIsTakenOverWhenItIsGone) {
  const auto dir = test::temp_dir("heartbeat");
  std::string held_by;
  {
    auto lock = scale::RunLock::acquire(dir / "a", held_by);
    ASSERT_TRUE(lock);
    const auto beat = scale::read_heartbeat(dir / "a");
    ASSERT_TRUE(beat);
    EXPECT_EQ(beat->pid, ::getpid());
    EXPECT_EQ(beat->host, scale::this_host());
    EXPECT_TRUE(scale::heartbeat_live(*beat, scale::unix_now()));
    EXPECT_EQ(beat->epochs, 0) << "no progress before the first epoch";
    EXPECT_EQ(scale::describe(*beat, beat->updated).find("epoch"), std::string::npos);
    // After an epoch the trainer's progress is in the file at once: 88 epochs of 21 s are left.
    lock->set_progress(12, 100, 21.0);
    const auto progressed = scale::read_heartbeat(dir / "a");
    ASSERT_TRUE(progressed);
    EXPECT_EQ(progressed->epochs_done, 12);
    EXPECT_EQ(progressed->epochs, 100);
    EXPECT_DOUBLE_EQ(progressed->seconds_per_epoch, 21.0);
    const std::string text = scale::describe(*progressed, progressed->updated);
    EXPECT_NE(text.find(", epoch 12 of 100, about 31 min left"), std::string::npos) << text;
    EXPECT_TRUE(scale::heartbeat_live(*progressed, scale::unix_now()));
  }
  EXPECT_FALSE(fs::exists(scale::heartbeat_path(dir / "a"))) << "removed when the run ends";

  // Another live process on this host (our parent) holds "b".
  write_beat(dir / "b", scale::this_host(), ::getppid(), scale::unix_now());
  EXPECT_FALSE(scale::RunLock::acquire(dir / "b", held_by));
  EXPECT_NE(held_by.find("pid " + std::to_string(::getppid()) + ", SLURM job 42_3"), std::string::npos) << held_by;
  // A process of this host that is gone (kill -9): stale at once.
  write_beat(dir / "c", scale::this_host(), dead_pid(), scale::unix_now());
  EXPECT_TRUE(scale::RunLock::acquire(dir / "c", held_by));
  // Another host: live while it beats, stale after 3 intervals + 10 s without a beat (a lost node).
  scale::Heartbeat remote;
  remote.host = "node-that-is-not-here";
  remote.pid = 1;
  remote.interval = 30;
  remote.updated = scale::unix_now() - 20;
  EXPECT_TRUE(scale::heartbeat_live(remote, scale::unix_now()));
  remote.updated = scale::unix_now() - 101;
  EXPECT_FALSE(scale::heartbeat_live(remote, scale::unix_now()));
}

TEST(Status, ListsFinishedRunningFailedInterruptedAndMissingRuns) {
  const auto dir = test::temp_dir("status");
  const std::vector<std::string> ids{"done", "busy", "nan", "killed", "lost", "todo"};
  scale::Plan plan;
  plan.experiment = "demo";
  plan.run_ids = ids;
  plan.hash = scale::plan_hash(ids);
  scale::write_plan(dir, plan);
  fs::create_directories(dir / "done");
  std::ofstream(dir / "done" / "result.json")
      << json{{"status", "finished"}, {"hostname", "n1"}, {"wall_seconds", 12.5}, {"epochs", json::array({1, 2})},
              {"last", {{"test", {{"accuracy", 0.9835}}}}}}
             .dump();
  write_beat(dir / "busy", scale::this_host(), ::getpid(), scale::unix_now());
  fs::create_directories(dir / "nan");
  std::ofstream(dir / "nan" / "result.json")
      << json{{"status", "failed"}, {"error", "run demo/nan: epoch 2, batch 8: the risk is nan"}}.dump();
  write_beat(dir / "killed", scale::this_host(), dead_pid(), scale::unix_now());
  std::ofstream(dir / "killed" / "checkpoint.pt") << "x";
  fs::create_directories(dir / "lost");
  std::ofstream(dir / "lost" / "checkpoint.pt") << "x";

  const auto reports = scale::folder_status(dir);
  ASSERT_EQ(reports.size(), 1u);
  const auto& r = reports[0];
  ASSERT_EQ(r.runs.size(), 6u);
  std::map<std::string, scale::RunInfo> by_id;
  for (const auto& run : r.runs) by_id[run.run_id] = run;
  EXPECT_EQ(by_id["done"].state, scale::RunState::Finished);
  EXPECT_EQ(by_id["busy"].state, scale::RunState::Running);
  EXPECT_NE(by_id["busy"].detail.find("SLURM job 42_3"), std::string::npos) << by_id["busy"].detail;
  EXPECT_EQ(by_id["nan"].state, scale::RunState::Failed);
  EXPECT_EQ(by_id["nan"].detail, "run demo/nan: epoch 2, batch 8: the risk is nan");
  EXPECT_EQ(by_id["killed"].state, scale::RunState::Interrupted);
  EXPECT_NE(by_id["killed"].detail.find("its process is gone"), std::string::npos) << by_id["killed"].detail;
  EXPECT_EQ(by_id["lost"].state, scale::RunState::Interrupted);
  EXPECT_EQ(by_id["todo"].state, scale::RunState::Missing);
  EXPECT_EQ(by_id["killed"].index, 3u);

  const auto c = pulab_cli("status " + dir.string());
  EXPECT_EQ(c.status, 3) << c.output;  // not every run finished
  EXPECT_NE(c.output.find("1 finished, 1 running, 1 failed, 2 interrupted, 1 missing"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("failed       run demo/nan: epoch 2, batch 8: the risk is nan"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("test acc 98.35%"), std::string::npos) << c.output;
  const auto j = pulab_cli("status " + dir.string() + " --json");
  const json parsed = json::parse(j.output);
  EXPECT_EQ(parsed[0]["counts"]["interrupted"], 2);
  EXPECT_EQ(parsed[0]["runs"][5]["status"], "missing");
  // Five runs left, none of them with a finished run of its own setting or a reported epoch: each
  // is paced by the one finished run's 12.5 s.
  EXPECT_NE(c.output.find("5 runs left: about 1 min for one process at the pace of the 1 finished run\n"),
            std::string::npos) << c.output;
  EXPECT_DOUBLE_EQ(parsed[0]["seconds_left_estimate"].get<double>(), 5 * 12.5);
  // The parent folder of several result folders lists each of them.
  const auto parent = pulab_cli("status " + dir.parent_path().string());
  EXPECT_NE(parent.output.find("experiment 'demo': 6 runs"), std::string::npos) << parent.output;
  const auto none = pulab_cli("status " + (dir / "nowhere").string());
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.output.find("no such file or folder"), std::string::npos) << none.output;
}

TEST(Status, EstimatesTheWorkLeftFromTheSweepsOwnFinishedRunsAndTheEpochsReported) {
  EXPECT_EQ(scale::setting_of("nnpu_label_frequency-0.01_seed-0"), "nnpu_label_frequency-0.01");
  EXPECT_EQ(scale::setting_of("seed-12"), "");
  EXPECT_EQ(scale::setting_of("alpha-0.2"), "alpha-0.2");
  EXPECT_EQ(scale::setting_of("reseed-1_lr-0.1"), "reseed-1_lr-0.1");

  const double now = 1.0e9;
  auto run = [](const std::string& id, scale::RunState state, double wall = -1) {
    scale::RunInfo info;
    info.run_id = id;
    info.state = state;
    info.wall_seconds = wall;
    return info;
  };
  auto beat = [&](std::int64_t done, std::int64_t epochs, double seconds_per_epoch, double age) {
    scale::Heartbeat b;
    b.epochs_done = done;
    b.epochs = epochs;
    b.seconds_per_epoch = seconds_per_epoch;
    b.updated = now - age;
    return b;
  };
  scale::StatusReport report;
  report.runs.push_back(run("a_seed-0", scale::RunState::Finished, 100));
  report.runs.push_back(run("a_seed-1", scale::RunState::Missing));  // its setting's 100 s
  report.runs.push_back(run("b_seed-0", scale::RunState::Finished, 300));
  auto killed = run("b_seed-1", scale::RunState::Interrupted);  // 30 of its setting's 40 epochs left: 225 s
  killed.heartbeat = beat(10, 40, 0, 500);
  report.runs.push_back(killed);
  report.runs.push_back(run("c_seed-0", scale::RunState::Failed));  // retried; no run of its setting: the mean, 200 s
  auto busy = run("d_seed-0", scale::RunState::Running);  // its own pace: 5 epochs of 6 s, reported 10 s ago
  busy.heartbeat = beat(5, 10, 6, 10);
  report.runs.push_back(busy);

  const auto left = scale::work_left(report, now);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->runs, 4u);
  EXPECT_EQ(left->paced_by, 2u);
  EXPECT_DOUBLE_EQ(left->seconds, 100 + 225 + 200 + 20);
  EXPECT_EQ(scale::format_work_left(*left), "4 runs left: about 9 min for one process at the pace of the 2 finished runs");
  scale::WorkLeft long_sweep{15, 4 * 3600 + 20 * 60 + 10, 14};
  EXPECT_EQ(scale::format_work_left(long_sweep), "15 runs left: about 4h20m for one process at the pace of the 14 finished runs");

  // Nothing to say when every run has finished, or when none has (nothing to pace the rest by).
  scale::StatusReport done;
  done.runs.push_back(run("a_seed-0", scale::RunState::Finished, 100));
  EXPECT_FALSE(scale::work_left(done, now));
  scale::StatusReport fresh;
  fresh.runs.push_back(run("a_seed-0", scale::RunState::Missing));
  EXPECT_FALSE(scale::work_left(fresh, now));
}

// --- the sbatch script ---

scale::SlurmOptions demo_options() {
  scale::SlurmOptions o;
  o.pulab = "/opt/pulab/bin/pulab";
  o.experiment_file = "/shared/exp/sweep.toml";
  o.run_arguments = {"--set", "report.title=two words"};
  o.workdir = "/shared/exp";
  o.output_dir = "/shared/results/demo";
  o.log_dir = "/shared/results/demo/slurm/logs";
  o.experiment = "demo";
  o.job_name = "pulab-demo";
  o.runs = 4;
  o.plan_hash = "00112233aabbccdd";
  o.cpus_per_task = 2;
  o.max_parallel = 3;
  o.partition = "cpu";
  o.time = "02:00:00";
  o.mem = "4G";
  o.setup = {"module load gcc"};
  o.environment = {{"PULAB_DATA", "/shared/data"}};
  return o;
}

TEST(Slurm, TheScriptIsAJobArrayWithThreadsFromTheAllocationAndALogPerTask) {
  auto o = demo_options();
  const std::string s = scale::sbatch_script(o);
  for (const char* line :
       {"#!/bin/bash\n", "#SBATCH --array=0-3%3\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --partition=cpu\n",
        "#SBATCH --time=02:00:00\n", "#SBATCH --mem=4G\n", "#SBATCH --chdir=/shared/exp\n",
        "#SBATCH --output=/shared/results/demo/slurm/logs/%x-%A_%a.log\n", "#SBATCH --job-name=pulab-demo\n",
        "THREADS=${SLURM_CPUS_PER_TASK:-1}\n", "export PULAB_DATA=/shared/data\n", "module load gcc\n",
        "PULAB=/opt/pulab/bin/pulab\n", "What every compute node needs",
        "exec \"$PULAB\" run /shared/exp/sweep.toml --set 'report.title=two words' \\\n"
        "  --shard \"${SLURM_ARRAY_TASK_ID}/4\" --expect-plan 00112233aabbccdd --threads \"$THREADS\"\n"}) {
    EXPECT_NE(s.find(line), std::string::npos) << line << "\n---\n" << s;
  }
  o.shards = 2;
  const std::string sharded = scale::sbatch_script(o);
  EXPECT_NE(sharded.find("#SBATCH --array=0-1%3\n"), std::string::npos) << sharded;
  EXPECT_NE(sharded.find("--shard \"${SLURM_ARRAY_TASK_ID}/2\""), std::string::npos) << sharded;
  o.shards = 5;
  EXPECT_NE(test::error_message([&] { scale::sbatch_script(o); }).find("--shards 5: the sweep has only 4 runs"),
            std::string::npos);
  o.shards = 0;
  o.time = "2 hours";
  EXPECT_NE(test::error_message([&] { scale::sbatch_script(o); }).find("no blanks"), std::string::npos);
  EXPECT_EQ(scale::shell_quote("it's"), "'it'\\''s'");
}

TEST(Slurm, TheCommandWritesAScriptThatBashAcceptsAndThePlan) {
  const auto dir = test::temp_dir("slurm_cli");
  const fs::path file = sweep_file(dir, 3);
  const auto c = pulab_cli("slurm " + file.string() + " --set output_dir=" + (dir / "out").string() +
                           " --cpus-per-task 2 --max-parallel 2 --time 0:10:00 --setup 'echo ready' --reuse-from " +
                           dir.string());
  ASSERT_EQ(c.status, 0) << c.output;
  const fs::path script = dir / "out" / "slurm" / "quickstart.sbatch";
  ASSERT_TRUE(fs::exists(script)) << c.output;
  EXPECT_TRUE(fs::is_directory(dir / "out" / "slurm" / "logs")) << "sbatch does not create the log folder itself";
  EXPECT_NE(c.output.find("3 array tasks (one per run), 2 CPUs each, at most 2 at once"), std::string::npos) << c.output;
  const std::string text = read_text(script);
  EXPECT_NE(text.find("#SBATCH --array=0-2%2"), std::string::npos) << text;
  EXPECT_NE(text.find("--set output_dir=" + (dir / "out").string()), std::string::npos) << text;
  EXPECT_NE(text.find("--reuse-from " + dir.string()), std::string::npos) << text;
  EXPECT_NE(text.find("PULAB=" + fs::canonical(PULAB_TEST_BINARY).string()), std::string::npos) << text;
  const auto syntax = shell("bash -n " + script.string());
  EXPECT_EQ(syntax.status, 0) << syntax.output;
  const scale::Plan plan = scale::read_plan(dir / "out" / "plan.json");
  EXPECT_EQ(plan.run_ids, (std::vector<std::string>{"seed-0", "seed-1", "seed-2"}));
  const auto st = pulab_cli("status " + (dir / "out").string());
  EXPECT_EQ(st.status, 3);
  EXPECT_NE(st.output.find("0 finished, 0 running, 0 failed, 0 interrupted, 3 missing"), std::string::npos) << st.output;
  const auto no_folder = pulab_cli("slurm " + file.string() + " --reuse-from " + (dir / "no_such").string());
  EXPECT_EQ(no_folder.status, 2) << no_folder.output;
  EXPECT_NE(no_folder.output.find("no such folder"), std::string::npos) << no_folder.output;
  const auto bad = pulab_cli("slurm " + file.string() + " --shards 9");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("--shards 9: the sweep has only 3 runs"), std::string::npos) << bad.output;
}

TEST(Slurm, InsideAnAllocationThreadsComeFromSlurmCpusPerTaskUnlessGiven) {
  const auto dir = test::temp_dir("slurm_threads");
  const fs::path file = sweep_file(dir, 2);
  const std::string common = file.string() + " --quiet --set train.epochs=1 --set output_dir=" + (dir / "out").string();
  const auto a = shell("SLURM_CPUS_PER_TASK=3 " + std::string(PULAB_TEST_BINARY) + " run " + common + " --only seed-0");
  ASSERT_EQ(a.status, 0) << a.output;
  EXPECT_EQ(test::read_json(dir / "out" / "seed-0" / "result.json")["threads"], 3);
  const auto b =
      shell("SLURM_CPUS_PER_TASK=3 " + std::string(PULAB_TEST_BINARY) + " run " + common + " --only seed-1 --threads 1");
  ASSERT_EQ(b.status, 0) << b.output;
  EXPECT_EQ(test::read_json(dir / "out" / "seed-1" / "result.json")["threads"], 1);
}

// --- a real SLURM cluster ---

// True while `pid` runs; a zombie (whose parent, perhaps a PID 1 that does not reap, has not
// collected it) counts as gone.
bool process_running(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

// Starts tests/slurm/cluster.sh in `dir` and stops it (every daemon it started, by PID) when it
// goes out of scope.
class Cluster {
 public:
  explicit Cluster(fs::path dir) : dir_(std::move(dir)) {
    const auto c = shell("bash " + script() + " start " + dir_.string());
    started_ = c.status == 0;
    output_ = c.output;
    pids_ = daemon_pids();
    if (started_) ::setenv("SLURM_CONF", (dir_ / "slurm.conf").c_str(), 1);
  }
  ~Cluster() { stop(); }
  bool started() const { return started_; }
  const std::string& output() const { return output_; }
  std::vector<long> daemon_pids() const {
    std::vector<long> pids;
    for (const char* f : {"munged.pid", "slurmctld.pid", "slurmd.pid"}) {
      std::ifstream in(dir_ / f);
      long pid = 0;
      if (in >> pid) pids.push_back(pid);
    }
    return pids;
  }
  void stop() {
    if (stopped_) return;
    stopped_ = true;
    shell("bash " + script() + " stop " + dir_.string());
    ::unsetenv("SLURM_CONF");
    // Never leave a daemon behind, even if the script could not stop it.
    for (long pid : pids_) {
      if (process_running(pid)) {
        ADD_FAILURE() << "cluster.sh stop left daemon " << pid << " running; killing it";
        ::kill(static_cast<pid_t>(pid), SIGKILL);
      }
    }
  }
  static std::string script() { return std::string(PULAB_SOURCE_DIR) + "/tests/slurm/cluster.sh"; }

 private:
  fs::path dir_;
  bool started_ = false, stopped_ = false;
  std::string output_;
  std::vector<long> pids_;
};

bool job_active(const std::string& job) {
  const auto c = shell("squeue -h -j " + job + " -t PENDING,RUNNING,COMPLETING,CONFIGURING,SUSPENDED -o %i");
  return c.status == 0 && c.output.find_first_not_of(" \n") != std::string::npos;
}

bool wait_for_job(const std::string& job, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    if (!job_active(job)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

TEST(SlurmCluster, AJobArrayKilledMidRunAndResubmittedGivesEveryRunOnceAndAsLocally) {
  const auto check = shell("bash " + Cluster::script() + " check");
  if (check.status != 0) {
    GTEST_SKIP() << "no SLURM here (" << check.output.substr(0, check.output.find('\n'))
                 << "); .ci/run installs slurmctld slurmd slurm-client munge";
  }
  const auto t0 = Clock::now();
  const auto dir = test::temp_dir("slurm_cluster");
  // 4 runs of 4 epochs on synthetic data (~0.4 s an epoch on one thread), so that a run can be
  // killed between its checkpoints.
  const fs::path file = sweep_file(dir, 4);
  const std::string sets = " --set train.epochs=4 --set dataset.n_train=12000 --set train.batch_size=32";
  ::setenv("PULAB_HEARTBEAT_SECONDS", "1", 1);  // the tasks inherit it through sbatch

  Cluster cluster(dir / "cluster");
  ASSERT_TRUE(cluster.started()) << cluster.output();
  const auto pids = cluster.daemon_pids();
  ASSERT_EQ(pids.size(), 3u);
  const double start_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  const fs::path out = dir / "out";
  const auto written = pulab_cli("slurm " + file.string() + sets + " --set output_dir=" + out.string() +
                                 " --cpus-per-task 1 --time 0:05:00 --submit");
  ASSERT_EQ(written.status, 0) << written.output;
  const auto at = written.output.find("submitted job ");
  ASSERT_NE(at, std::string::npos) << written.output;
  const std::string job1 = written.output.substr(at + 14, written.output.find(' ', at + 14) - (at + 14));

  // A node lost mid-run: kill -9 the first run that has a checkpoint (an epoch done, more to go).
  std::string killed;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (killed.empty() && Clock::now() < deadline) {
    for (int s = 0; s < 4 && killed.empty(); ++s) {
      const fs::path run_dir = out / ("seed-" + std::to_string(s));
      const auto beat = scale::read_heartbeat(run_dir);
      if (beat && fs::exists(run_dir / "checkpoint.pt") && !fs::exists(run_dir / "result.json")) {
        ASSERT_EQ(::kill(static_cast<pid_t>(beat->pid), SIGKILL), 0);
        killed = "seed-" + std::to_string(s);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(killed.empty()) << "no run reached a checkpoint";
  ASSERT_TRUE(wait_for_job(job1, 60)) << "job " << job1 << " did not end";
  const double first_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  // The killed run is interrupted, the other three finished.
  const auto st1 = pulab_cli("status " + out.string() + " --json");
  EXPECT_EQ(st1.status, 3) << st1.output;
  const json s1 = json::parse(st1.output);
  EXPECT_EQ(s1[0]["counts"]["finished"], 3) << st1.output;
  EXPECT_EQ(s1[0]["counts"]["interrupted"], 1) << st1.output;
  for (const auto& r : s1[0]["runs"])
    EXPECT_EQ(r["status"], r["run_id"] == killed ? "interrupted" : "finished") << r.dump();
  std::map<std::string, fs::file_time_type> finished_at;
  for (int s = 0; s < 4; ++s) {
    const std::string id = "seed-" + std::to_string(s);
    if (id != killed) finished_at[id] = fs::last_write_time(out / id / "result.json");
  }

  // Resubmit the same script: only the killed run trains again, from its checkpoint.
  const fs::path script = out / "slurm" / "quickstart.sbatch";
  const auto resubmitted = shell("sbatch --parsable " + script.string());
  ASSERT_EQ(resubmitted.status, 0) << resubmitted.output;
  const std::string job2 = resubmitted.output.substr(0, resubmitted.output.find_first_of(";\n"));
  ASSERT_TRUE(wait_for_job(job2, 60)) << "job " << job2 << " did not end";
  const double second_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  const auto st2 = pulab_cli("status " + out.string());
  EXPECT_EQ(st2.status, 0) << st2.output;
  EXPECT_NE(st2.output.find("4 finished, 0 running, 0 failed, 0 interrupted, 0 missing"), std::string::npos) << st2.output;
  const auto nothing = pulab_cli("slurm " + file.string() + sets + " --set output_dir=" + out.string() + " --submit");
  EXPECT_NE(nothing.output.find("nothing to submit"), std::string::npos) << nothing.output;
  for (const auto& [id, when] : finished_at) EXPECT_EQ(fs::last_write_time(out / id / "result.json"), when) << id;

  // Each run's result exactly once, nothing left over, and each a resumed-or-not copy of the local run.
  std::map<std::string, int> results;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    const std::string name = entry.path().filename().string();
    if (name == "result.json") ++results[entry.path().parent_path().filename().string()];
    EXPECT_TRUE(name != "checkpoint.pt" && name != "running.json" && name.find(".tmp.") == std::string::npos)
        << entry.path();
  }
  EXPECT_EQ(results, (std::map<std::string, int>{{"seed-0", 1}, {"seed-1", 1}, {"seed-2", 1}, {"seed-3", 1}}));
  EXPECT_EQ(test::read_json(out / killed / "result.json")["resumed_from_epoch"].get<int>() >= 1, true);
  std::set<std::string> logs;
  for (const auto& entry : fs::directory_iterator(out / "slurm" / "logs")) logs.insert(entry.path().filename().string());
  EXPECT_EQ(logs.size(), 8u) << "one log per array task of the two submissions";
  EXPECT_TRUE(logs.count("pulab-quickstart-" + job1 + "_0.log")) << *logs.begin();

  const auto local = pulab_cli("run " + file.string() + sets + " --set output_dir=" + (dir / "local").string() +
                               " --quiet --jobs 2 --threads 2");  // 1 thread a run, as in the array tasks
  ASSERT_EQ(local.status, 0) << local.output;
  for (int s = 0; s < 4; ++s) {
    const std::string id = "seed-" + std::to_string(s);
    const json a = test::read_json(out / id / "result.json");
    const json b = test::read_json(dir / "local" / id / "result.json");
    EXPECT_EQ(a["threads"], 1) << id;
    EXPECT_EQ(per_epoch(a, "test", "accuracy"), per_epoch(b, "test", "accuracy")) << id;
    EXPECT_EQ(per_epoch(a, "val", "auc"), per_epoch(b, "val", "auc")) << id;
    EXPECT_EQ(a["best_val"], b["best_val"]) << id;
  }
  const auto report = pulab_cli("report " + out.string() + " --no-plots --out " + (dir / "report").string());
  EXPECT_EQ(report.status, 0) << report.output;
  EXPECT_NE(report.output.find("(4 finished runs, 0 failed"), std::string::npos) << report.output;

  cluster.stop();  // fails the test if a daemon outlives `cluster.sh stop`
  ::unsetenv("PULAB_HEARTBEAT_SECONDS");
  std::fprintf(stderr, "[slurm] cluster up after %.1f s, first array done at %.1f s, resubmission done at %.1f s, total %.1f s\n",
               start_seconds, first_seconds, second_seconds,
               std::chrono::duration<double>(Clock::now() - t0).count());
}

}  // namespace
