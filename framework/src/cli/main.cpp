// The pulab command line: run, plan, plugins, describe, report.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "config/config_node.hpp"
#include "config/experiment.hpp"
#include "cli/allocator.hpp"
#include "cli/estimate_prior.hpp"
#include "cli/scaffold.hpp"
#include "engine/result_reuse.hpp"
#include "engine/results.hpp"
#include "engine/sweep_runner.hpp"
#include "path_kind.hpp"
#include "plugin/plugin_host.hpp"
#include "report/report.hpp"
#include "scale/heartbeat.hpp"
#include "scale/shard.hpp"
#include "scale/slurm.hpp"
#include "scale/status.hpp"
#include "pulab/error.hpp"
#include "pulab/version.hpp"

namespace pulab {
extern const char* const kEmbeddedQuickstart;
}

namespace {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace pulab;

// The help: one entry per command (its usage lines and its options), so that `pulab CMD --help`
// prints that command's part and `pulab --help` all of them.
struct CommandHelp {
  const char* name;
  const char* usage;
  const char* options;  // "" when it has none
};

const CommandHelp kCommands[] = {
    {"run", R"(  pulab run [FILE] [--set key=value]... [--jobs N] [--threads N] [--only RUN_ID | --shard K/N]
)",
     R"(run options:
  FILE                 an experiment file (default: the embedded quickstart experiment)
  --set key=value      override any key, e.g. --set train.epochs=5 (repeatable)
  --jobs N             runs of a sweep at once, threads split between them (default 1)
  --threads N          total intra-op threads (default: $SLURM_CPUS_PER_TASK inside a SLURM job, else
                       train.threads, else all cores)
  --only RUN_ID        run only this run of the sweep
  --shard K/N          run only the runs whose plan index i has i % N == K (K from 0 to N-1); shards
                       never write the same file, so they may run at once on different machines
  --expect-plan HASH   refuse to run unless the sweep still expands to the runs HASH was made of
                       (pulab slurm puts it in its scripts)
  --max-epochs N       stop each run after N more epochs, N >= 1 (it resumes next time)
  --redo-stale         run again each finished run whose result another configuration produced
                       (`pulab plan` marks them stale, e.g. after an upgrade changed a default); its
                       old result.json is kept beside as result.json.stale-<time>
  --reuse-from DIR     a run whose computation equals that of a finished run found below DIR (another
                       sweep's results: the same configuration and seed, other names) takes that
                       result instead of training; result.json says "reused_from" (repeatable)
  --quiet              no progress lines (the closing summary stays)
                       exit status: 0 done, 1 a run failed, 2 a usage or configuration error,
                       3 nothing done because every run is running elsewhere (another process's heartbeat)
)"},
    {"plan", R"(  pulab plan FILE [--set key=value]... [--shard K/N] [--reuse-from DIR]...
                                              expand, validate and list the runs (# = plan index)
)",
     R"(plan options:
  --set key=value      as for run
  --shard K/N          mark the runs of shard K of N
  --reuse-from DIR     mark "reusable" the runs that pulab run --reuse-from DIR would not train
)"},
    {"estimate-prior", R"(  pulab estimate-prior FILE [--estimator NAME[:key=value,...]]... [--set key=value]... [--out DIR]
                                              estimate the class prior of U on the experiment's splits (no
                                              training of a method); prints each estimate and its error
)",
     R"(estimate-prior options:
  --estimator SPEC     a prior estimator and its parameters, e.g. bbe, dedpul, km2,
                       elkan_noto:estimator=e3 (repeatable; default: the experiment's [prior_estimator]);
                       estimators reading P-vs-U scores share one classifier per split
  --set key=value      as for run (prior_estimator.folds=3, split.positive_classes=[0], ...)
  --out DIR            also write DIR/estimates.csv (one row per split and estimator) and DIR/summary.md
  --threads N          intra-op threads (default: train.threads, else all cores)
  --quiet              no progress lines
)"},
    {"status", R"(  pulab status DIR|FILE [--json] [--summary]  which runs are finished, running, failed, interrupted,
                                              missing, corrupt
)",
     R"(status options (a result folder with plan.json, a folder of such folders, or an experiment FILE):
  --json               the same as JSON
  --summary            also rebuild each folder's summary.csv (merges the results of all shards)
                       exit status: 0 when every run finished, 3 when some did not
)"},
    {"slurm", R"(  pulab slurm FILE [--partition P] [--time T] [--cpus-per-task C] [--mem M] [--max-parallel X]
              [--shards N] [--submit] ...     an sbatch script running the sweep as a job array
)",
     R"(slurm options (docs/scaling.md):
  --partition P, --time T, --mem M, --account A, --qos Q   the #SBATCH options of the same names
  --cpus-per-task C    CPUs (and pulab threads) per array task (default 1)
  --max-parallel X     at most X array tasks at once (--array=...%X)
  --shards N           N array tasks, each running runs i % N == K one after another (default: one task per run)
  --sbatch OPTION      any other #SBATCH option, e.g. --sbatch=--constraint=avx2 (repeatable)
  --setup LINE         a shell line the task runs first, e.g. --setup 'module load gcc' (repeatable)
  --script FILE        where the script goes (default OUTPUT_DIR/slurm/NAME.sbatch)
  --log-dir DIR        where the tasks log (default OUTPUT_DIR/slurm/logs)
  --pulab PATH         the pulab executable on the nodes (default: this one)
  --job-name NAME      (default pulab-NAME)
  --reuse-from DIR     passed to every task's pulab run (repeatable)
  --submit             also submit it: only the tasks whose runs are not finished (nor running)
)"},
    {"plugins", R"(  pulab plugins                               loaded plugins and their components
)",
     ""},
    {"describe", R"(  pulab describe NAME                         a component's (or a host table's) parameters
)",
     ""},
    {"new", R"(  pulab new plugin --kind KIND NAME [--out DIR]
                                              a plugin skeleton (KIND: risk, regularizer, weighting,
                                              labeling, hook, model, dataset, augmentation) that builds
                                              against the installed pulab
)",
     R"(new plugin options:
  --kind KIND          risk, regularizer, weighting, labeling, hook, model, dataset or augmentation:
                       the interface the plugin implements
  NAME                 the plugin's (and its component's) name: a C++ identifier, e.g. my_risk
  --out DIR            the folder the skeleton is written to (default: ./NAME)
)"},
    {"report", R"(  pulab report DIR... [--out OUTDIR] [--rows KEY] [--cols KEY] [--paper FILE [--paper-summary]]
               [--select-by CRITERION] [--selection] [--leaderboard [--rank-by METRIC]] [--plot alpha|np|c|all]...
               [--title T]
                                              tables and plots from result folders
)",
     R"(report options:
  DIR...               folders searched recursively for result.json (failed runs are listed, not used)
  --out OUTDIR         where report.md and plots/ go (default: the first DIR/report)
  --rows KEY           row labels: compose, experiment, a sweep key or a config path such as
                       config.split.n_labeled (default: compose if the runs have it, else experiment)
  --cols KEY           column labels, as --rows (default: experiment)
  --paper FILE         published numbers to show beside ours (e.g. experiments/paper/paper_numbers.toml)
  --paper-table ID     take them from this table of FILE only (default: the best-covering table)
  --paper-summary      add a section: every cell of the --paper file, ours beside it, the difference and
                       whether it is within the paper's std plus ours; unmeasured cells listed as such
  --select-by CRITERION
                       pick each cell's hyper-parameters by the validation accuracy of the best-validation
                       epoch (val, default) or of the last epoch (last), or by a PU-only criterion on
                       validation at the epoch it picks: pu_auc, pa (proxy accuracy), lee_liu
                       (r^2/P(y=1)) or pu_risk (the run's own risk, lowest); never by test accuracy
  --selection          add a section: test accuracy at the epoch each criterion picks against the
                       oracle's (best validation accuracy), and which PU-only criterion loses least
  --leaderboard        add a section: per data set (column) each method's test accuracy, F1 and AUC,
                       wall time and runs, then each method's mean rank over the data sets
  --rank-by METRIC     what the leaderboard ranks by: accuracy (default), f1 or auc (test, at the selected
                       reading); F1 or AUC where few positives make accuracy uninformative
  --plot KIND          add a plot: alpha (accuracy per epoch per gradient-penalty alpha), np (accuracy
                       vs n_labeled), c (accuracy vs split.label_frequency), or all; accuracy and error
                       (per-class error) per epoch are always drawn
  --no-plots           no per-epoch accuracy and error plots: tables only, or only the --plot kinds given
  --title T            the report's title
  --digits N           decimals of the percentages (default 1)
)"},
};

constexpr const char* kCommonOptions = R"(common options:
  --plugin-dir DIR     also load plugins from DIR (repeatable; PULAB_PLUGIN_PATH works too)
)";

// `pulab --help`: every command.
std::string global_help() {
  std::string out = "pulab — a plugin framework for Positive-Unlabeled learning\n\nusage:\n";
  for (const auto& c : kCommands) out += c.usage;
  out += "  pulab --help | --version\n  pulab COMMAND --help                        one command's usage and options\n\n";
  out += kCommonOptions;
  for (const auto& c : kCommands)
    if (*c.options) out += std::string("\n") + c.options;
  return out;
}

// `pulab CMD --help`: that command only; "" for an unknown command.
std::string command_help(const std::string& name) {
  for (const auto& c : kCommands) {
    if (name != c.name) continue;
    std::string out = std::string("usage:\n") + c.usage + "\n" + kCommonOptions;
    if (*c.options) out += std::string("\n") + c.options;
    return out;
  }
  return "";
}

struct CommonArgs {
  std::vector<std::string> plugin_dirs;
  std::vector<std::string> overrides;
};

void load_plugins(PluginHost& host, const std::vector<std::string>& dirs) {
  std::vector<fs::path> paths(dirs.begin(), dirs.end());
  host.load_all(paths);
}

ConfigNode load_experiment(const std::string& file, const std::vector<std::string>& overrides) {
  ConfigNode root = file.empty() ? load_experiment_text(kEmbeddedQuickstart, "<embedded quickstart.toml>", fs::current_path())
                                 : load_experiment_file(file);
  for (const auto& o : overrides) apply_override(root, o);
  return root;
}

// A command's sweep, expanded once: every run id in plan order (the `#` of pulab plan, what
// --shard counts and --expect-plan hashes) and the runs resolved (all of them, or the --only one).
struct ExpandedSweep {
  std::vector<std::string> ids;
  std::vector<RunSpec> specs;
};

ExpandedSweep expand(const ConfigNode& root, const std::vector<std::string>& overrides, const PluginHost& host,
                     const std::string& only = "") {
  ExpandedSweep sweep;
  for (const auto& run : expand_sweep(root, overrides)) {
    sweep.ids.push_back(run.run_id);
    if (!only.empty() && run.run_id != only) continue;
    sweep.specs.push_back(resolve_run(run, host.registries()));
  }
  if (!only.empty() && sweep.specs.empty()) {
    std::string known;
    for (const auto& id : sweep.ids) known += (known.empty() ? "" : ", ") + id;
    throw Error("--only " + only + ": no such run (runs: " + known + ")");
  }
  return sweep;
}

scale::Plan make_plan(const std::string& file, const CommonArgs& common, const std::string& experiment,
                      const std::vector<std::string>& ids) {
  scale::Plan plan;
  plan.experiment = experiment;
  plan.experiment_file = file.empty() ? "" : fs::absolute(file).string();
  for (const auto& o : common.overrides) plan.arguments.insert(plan.arguments.end(), {"--set", o});
  for (const auto& d : common.plugin_dirs) plan.arguments.insert(plan.arguments.end(), {"--plugin-dir", d});
  plan.run_ids = ids;
  plan.hash = scale::plan_hash(ids);
  return plan;
}

// Threads inside a SLURM allocation: its CPUs per task, when --threads is not given.
std::int64_t slurm_threads() {
  const char* v = std::getenv("SLURM_CPUS_PER_TASK");
  if (!v) return 0;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return end != v && *end == '\0' && n > 0 ? n : 0;
}

// The finished results below the --reuse-from folders (null when none is given); a folder that
// does not exist is a configuration error (exit status 2).
std::shared_ptr<const ReusableResults> reusable_results(const std::vector<std::string>& folders) {
  if (folders.empty()) return nullptr;
  return std::make_shared<const ReusableResults>(std::vector<fs::path>(folders.begin(), folders.end()));
}

int cmd_run(const std::vector<std::string>& args) {
  std::string file, only, shard_text, expect_plan, position;
  CommonArgs common;
  std::int64_t jobs = 1, threads = 0, max_epochs = -1;
  bool quiet = false, redo_stale = false;
  std::vector<std::string> reuse_from;
  po::options_description desc;
  desc.add_options()("file", po::value(&file))("set", po::value(&common.overrides)->composing())(
      "plugin-dir", po::value(&common.plugin_dirs)->composing())("jobs", po::value(&jobs))("threads", po::value(&threads))(
      "only", po::value(&only))("max-epochs", po::value(&max_epochs))("quiet", po::bool_switch(&quiet))(
      "redo-stale", po::bool_switch(&redo_stale))("reuse-from", po::value(&reuse_from)->composing())(
      "shard", po::value(&shard_text))("expect-plan", po::value(&expect_plan))("position", po::value(&position));
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (jobs < 1) throw Error("--jobs must be at least 1");
  // 0 would load the data and stop before the first epoch, reporting every run "interrupted".
  if (vm.count("max-epochs") && max_epochs < 1) {
    throw Error("--max-epochs must be at least 1 (to list the runs without training, use pulab plan FILE)");
  }
  if (threads < 0) throw Error("--threads must be at least 0");
  if (!vm.count("threads")) threads = slurm_threads();
  if (!only.empty() && !shard_text.empty()) throw Error("give --only or --shard, not both");
  // Indexed before anything is written: a mistyped folder stops the command, not the runs.
  const auto reusable = reusable_results(reuse_from);
  const bool sharded = !shard_text.empty();
  const scale::Shard shard = sharded ? scale::parse_shard(shard_text) : scale::Shard{};

  PluginHost host;
  load_plugins(host, common.plugin_dirs);
  const ConfigNode root = load_experiment(file, common.overrides);
  ExpandedSweep sweep = expand(root, common.overrides, host, only);
  const auto& ids = sweep.ids;
  if (!expect_plan.empty() && scale::plan_hash(ids) != expect_plan) {
    throw Error(fmt::format("--expect-plan {}: the sweep now expands to other runs ({} run{}, plan {}): the experiment "
                            "file or its --set changed after the job script was written; write it again with pulab slurm",
                            expect_plan, ids.size(), ids.size() == 1 ? "" : "s", scale::plan_hash(ids)));
  }
  auto& specs = sweep.specs;
  if (sharded) {
    std::vector<RunSpec> selected;
    for (std::size_t i = 0; i < specs.size(); ++i)
      if (scale::in_shard(i, shard)) selected.push_back(specs[i]);
    if (selected.empty()) {
      if (!quiet) fmt::print("shard {}: no run (the sweep '{}' has {} run{})\n", shard_text, specs.front().experiment,
                             specs.size(), specs.size() == 1 ? "" : "s");
      return 0;
    }
    specs = std::move(selected);
  }
  if (!quiet && position.empty()) {
    fmt::print("pulab {}: {} run{} of '{}' -> {}\n", kHostVersion, specs.size(), specs.size() == 1 ? "" : "s",
               specs.front().experiment, specs.front().output_dir.string());
    std::fflush(stdout);  // before the children write theirs
  }

  SweepOptions options;
  options.jobs = jobs;
  options.threads = threads;
  options.quiet = quiet;
  options.max_epochs_this_call = max_epochs;
  options.redo_stale = redo_stale;
  options.reusable = reusable;
  if (!position.empty()) {  // hidden: set by a --jobs parent for its child's progress lines
    std::size_t k = 0, m = 0;
    if (std::sscanf(position.c_str(), "%zu/%zu", &k, &m) == 2 && k < m) {
      options.position = k;
      options.position_total = m;
    }
  }
  options.experiment_file = file;
  // A shard or a single run writes only its own run folders; the whole sweep also its plan and summary.
  options.write_summary = only.empty() && !sharded;
  if (options.write_summary) {
    scale::write_plan(specs.front().output_dir, make_plan(file, common, specs.front().experiment, ids));
  }
  for (const auto& o : common.overrides) options.child_args.insert(options.child_args.end(), {"--set", o});
  for (const auto& d : common.plugin_dirs) options.child_args.insert(options.child_args.end(), {"--plugin-dir", d});
  const SweepOutcome outcome = run_sweep(specs, host, options);

  // A --jobs child leaves the sweep's closing lines to its parent; --quiet hides the progress, not
  // the closing summary and where the results are.
  const bool child = options.position_total > 0;
  const bool all_elsewhere = outcome.busy > 0 && outcome.busy == specs.size();
  if (all_elsewhere && !child) {
    fmt::print("\nnothing done: {} running elsewhere (left alone; pulab status {} shows where)\n",
               specs.size() == 1 ? "the run is" : fmt::format("all {} runs are", specs.size()),
               specs.front().output_dir.string());
  } else if (!child || !outcome.failures.empty()) {
    fmt::print("\n{} finished, {} skipped (finished earlier), {} interrupted, {} failed{}{}\n", outcome.finished,
               outcome.skipped, outcome.interrupted, outcome.failures.size(),
               outcome.reused ? fmt::format(", {} reused (--reuse-from)", outcome.reused) : "",
               outcome.busy ? fmt::format(", {} running elsewhere (left alone)", outcome.busy) : "");
  }
  if (specs.size() == 1 && outcome.failures.empty() && run_finished(specs.front()) && !child) {
    fmt::print("result: {}\n", result_path(specs.front()).string());
  } else if (options.write_summary && !all_elsewhere) {
    fmt::print("summary: {}\n", (specs.front().output_dir / "summary.csv").string());
  }
  for (const auto& [id, message] : outcome.failures) fmt::print(stderr, "FAILED {}: {}\n", id, message);
  if (!outcome.failures.empty()) return 1;
  // Scripts can tell "did nothing, another process has these runs" from "done".
  return all_elsewhere ? kExitAllRunningElsewhere : 0;
}

std::string component_list(const RunSpec& s) {
  std::string regs;
  for (const auto& r : s.regularizers) regs += "+" + r.name;
  return fmt::format("{} | {} | {}{}{}", s.dataset.name, s.model.name, s.risk.name, regs,
                     s.weighting.name.empty() ? "" : " | " + s.weighting.name);
}

int cmd_plan(const std::vector<std::string>& args) {
  std::string file, shard_text;
  std::vector<std::string> reuse_from;
  CommonArgs common;
  po::options_description desc;
  desc.add_options()("file", po::value(&file))("set", po::value(&common.overrides)->composing())(
      "plugin-dir", po::value(&common.plugin_dirs)->composing())("shard", po::value(&shard_text))(
      "reuse-from", po::value(&reuse_from)->composing());
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  const auto reusable = reusable_results(reuse_from);
  PluginHost host;
  load_plugins(host, common.plugin_dirs);
  const scale::Shard shard = shard_text.empty() ? scale::Shard{} : scale::parse_shard(shard_text);
  const auto specs = expand(load_experiment(file, common.overrides), common.overrides, host).specs;
  fmt::print("experiment '{}': {} run{} -> {}{}\n", specs.front().experiment, specs.size(), specs.size() == 1 ? "" : "s",
             specs.front().output_dir.string(),
             shard_text.empty() ? "" : fmt::format(" (shard {}: {} of them)", shard_text,
                                                   scale::shard_indices(specs.size(), shard).size()));
  std::size_t width = 6;
  for (const auto& s : specs) width = std::max(width, s.run_id.size());
  std::map<std::string, std::size_t> tally;
  fmt::print("{:>4}  {:<{}}  {:<9}  {:>6}  {}\n", "#", "run_id", width, "status", "epochs", "dataset | model | risk+regularizers | weighting");
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& s = specs[i];
    if (!scale::in_shard(i, shard)) continue;
    const auto beat = scale::read_heartbeat(s.run_dir());
    const char* status = run_finished(s)                               ? (stale_result(s).empty() ? "finished" : "stale")
                         : beat && scale::heartbeat_live(*beat, scale::unix_now()) ? "running"
                         : reusable && reusable->find(s)             ? "reusable"
                         : fs::exists(checkpoint_path(s))            ? "partial"
                                                                     : "pending";
    fmt::print("{:>4}  {:<{}}  {:<9}  {:>6}  {}\n", i, s.run_id, width, status, s.train.epochs, component_list(s));
    ++tally[status];
  }
  std::string counts;
  for (const char* status : {"finished", "stale", "running", "reusable", "partial", "pending"}) {
    if (tally.count(status)) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", tally[status], status);
  }
  fmt::print("{}\n", counts);
  return 0;
}

// "elkan_noto:estimator=e3" -> overrides prior_estimator.name=elkan_noto, prior_estimator.estimator=e3.
std::vector<std::string> estimator_overrides(const std::string& spec) {
  const auto colon = spec.find(':');
  std::vector<std::string> out{"prior_estimator.name=\"" + spec.substr(0, colon) + "\""};
  if (colon == std::string::npos) return out;
  std::stringstream rest(spec.substr(colon + 1));
  for (std::string assignment; std::getline(rest, assignment, ',');) {
    if (assignment.find('=') == std::string::npos) {
      throw Error("--estimator " + spec + ": '" + assignment + "' is not key=value");
    }
    out.push_back("prior_estimator." + assignment);
  }
  return out;
}

int cmd_estimate_prior(const std::vector<std::string>& args) {
  std::string file, out_dir;
  std::vector<std::string> estimators;
  std::int64_t threads = 0;
  CommonArgs common;
  po::options_description desc;
  desc.add_options()("file", po::value(&file))("set", po::value(&common.overrides)->composing())(
      "plugin-dir", po::value(&common.plugin_dirs)->composing())("estimator", po::value(&estimators)->composing())(
      "out", po::value(&out_dir))("threads", po::value(&threads))("quiet", po::bool_switch());
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (file.empty()) throw Error("estimate-prior: give an experiment FILE");
  PluginHost host;
  load_plugins(host, common.plugin_dirs);
  std::vector<EstimatorVariant> variants;
  if (estimators.empty()) {
    variants.push_back({"", expand(load_experiment(file, common.overrides), common.overrides, host).specs});
    for (const auto& r : variants.back().runs) {
      if (!r.prior_estimation.estimator.name.empty()) variants.back().label = r.prior_estimation.estimator.name;
    }
  }
  for (const auto& spec : estimators) {
    // The named estimator replaces the experiment's [prior_estimator]; --set still applies last.
    ConfigNode root = load_experiment(file, {});
    root.as_table().erase("prior_estimator");
    std::vector<std::string> overrides = estimator_overrides(spec);
    overrides.insert(overrides.end(), common.overrides.begin(), common.overrides.end());
    for (const auto& o : overrides) apply_override(root, o);
    variants.push_back({spec, expand(root, overrides, host).specs});
  }
  EstimatePriorOptions options;
  options.out_dir = out_dir;
  options.threads = threads;
  options.quiet = vm["quiet"].as<bool>();
  return estimate_prior_command(variants, host, options);
}

int cmd_plugins(const std::vector<std::string>& args) {
  CommonArgs common;
  po::options_description desc;
  desc.add_options()("plugin-dir", po::value(&common.plugin_dirs)->composing());
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).run(), vm);
  po::notify(vm);
  PluginHost host;
  load_plugins(host, common.plugin_dirs);
  fmt::print("pulab {} (plugin ABI {}); searched:", kHostVersion, kPluginAbiVersion);
  for (const auto& d : PluginHost::search_path({common.plugin_dirs.begin(), common.plugin_dirs.end()}))
    fmt::print(" {}", d.string());
  fmt::print("\n\n");
  for (const auto& p : host.plugins()) {
    fmt::print("{} {} (built against pulab {}, ABI {})\n    {}\n", p.name, p.version, p.host_version, p.abi_version,
               p.file.string());
    auto list = [&](const auto& registry) {
      for (const auto& [name, c] : registry.entries()) {
        using Entry = std::decay_t<decltype(c)>;
        using Interface = typename decltype(Entry::factory)::result_type::element_type;
        if (c.plugin == p.name) fmt::print("    {:<12} {:<24} {}\n", kind_name<Interface>(), name, c.help);
      }
    };
    host.registries().for_each(list);
  }
  return 0;
}

void print_schema(const Schema& schema) {
  if (schema.specs().empty()) fmt::print("  (no parameters)\n");
  std::size_t key_width = 18;  // the key column fits the longest key, so the columns stay aligned
  for (const auto& s : schema.specs()) key_width = std::max(key_width, s.key.size());
  for (const auto& s : schema.specs()) {
    std::string constraint;
    if (!s.choices.empty()) {
      for (const auto& c : s.choices) constraint += (constraint.empty() ? "one of " : ", ") + c;
    } else if (s.min && s.max) {
      constraint = fmt::format("in [{}, {}]", *s.min, *s.max);
    } else if (s.min) {
      constraint = fmt::format(">= {}", *s.min);
    }
    fmt::print("  {:<{}} {:<18} = {:<14} {}{}\n", s.key, key_width, to_string(s.type), format_param(s.default_value),
               s.help, constraint.empty() ? "" : " (" + constraint + ")");
  }
}

int cmd_describe(const std::vector<std::string>& args) {
  std::string name;
  CommonArgs common;
  po::options_description desc;
  desc.add_options()("name", po::value(&name))("plugin-dir", po::value(&common.plugin_dirs)->composing());
  po::positional_options_description pos;
  pos.add("name", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (name.empty()) throw Error("describe: give a component name, or train / split / report / prior_estimator");
  if (name == "train" || name == "split" || name == "report" || name == "prior_estimator") {
    fmt::print("[{}] (host table{})\n", name,
               name == "prior_estimator" ? "; besides these keys, `name` and the named estimator's own" : "");
    print_schema(name == "train"             ? train_schema()
                 : name == "split"           ? split_schema()
                 : name == "prior_estimator" ? prior_estimator_schema()
                                             : report_schema());
    return 0;
  }
  PluginHost host;
  load_plugins(host, common.plugin_dirs);
  bool found = false;
  std::vector<std::string> all;
  auto show = [&](const auto& registry) {
    for (const auto& n : registry.names()) all.push_back(n);
    if (const auto* c = registry.find(name)) {
      using Entry = std::decay_t<decltype(*c)>;
      using Interface = typename decltype(Entry::factory)::result_type::element_type;
      fmt::print("{} '{}' from plugin '{}' ({})\n  {}\n\n", kind_name<Interface>(), c->name, c->plugin, c->origin, c->help);
      print_schema(c->schema);
      found = true;
    }
  };
  host.registries().for_each(show);
  if (!found) {
    std::string m = closest_match(name, all);
    throw Error("no component named '" + name + "'" + (m.empty() ? "" : " (did you mean '" + m + "'?)") +
                "; `pulab plugins` lists them");
  }
  return 0;
}

int cmd_status(const std::vector<std::string>& args) {
  std::string target;
  CommonArgs common;
  bool as_json = false, summary = false;
  po::options_description desc;
  desc.add_options()("target", po::value(&target))("set", po::value(&common.overrides)->composing())(
      "plugin-dir", po::value(&common.plugin_dirs)->composing())("json", po::bool_switch(&as_json))(
      "summary", po::bool_switch(&summary));
  po::positional_options_description pos;
  pos.add("target", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (target.empty()) throw Error("status: give a result folder (e.g. results/quickstart) or an experiment file");
  if (!fs::exists(target)) throw Error(target + ": no such file or folder");
  std::vector<scale::StatusReport> reports;
  if (fs::is_directory(target)) {
    reports = scale::folder_status(target);
  } else {
    PluginHost host;
    load_plugins(host, common.plugin_dirs);
    const ConfigNode root = load_experiment(target, common.overrides);
    const auto sweep = expand(root, common.overrides, host);
    reports.push_back(scale::sweep_status(sweep.specs.front().output_dir, sweep.specs.front().experiment, sweep.ids));
  }
  if (summary) {
    for (const auto& r : reports) write_summary(r.output_dir);
  }
  bool complete = true;
  for (const auto& r : reports) complete = complete && r.count(scale::RunState::Finished) == r.runs.size();
  if (as_json) {
    std::cout << scale::status_json(reports);
  } else {
    for (std::size_t i = 0; i < reports.size(); ++i) fmt::print("{}{}", i ? "\n" : "", scale::format_status(reports[i]));
  }
  return complete ? 0 : 3;
}

int cmd_slurm(const std::vector<std::string>& args) {
  std::vector<std::string> reuse_from;
  std::string file, script, log_dir, pulab_path, job_name;
  CommonArgs common;
  scale::SlurmOptions o;
  bool submit = false;
  po::options_description desc;
  desc.add_options()("file", po::value(&file))("set", po::value(&common.overrides)->composing())(
      "plugin-dir", po::value(&common.plugin_dirs)->composing())("partition", po::value(&o.partition))(
      "time", po::value(&o.time))("mem", po::value(&o.mem))("account", po::value(&o.account))("qos", po::value(&o.qos))(
      "cpus-per-task", po::value(&o.cpus_per_task))("max-parallel", po::value(&o.max_parallel))(
      "shards", po::value(&o.shards))("sbatch", po::value(&o.sbatch_options)->composing())(
      "setup", po::value(&o.setup)->composing())("script", po::value(&script))("log-dir", po::value(&log_dir))(
      "pulab", po::value(&pulab_path))("job-name", po::value(&job_name))("submit", po::bool_switch(&submit))(
      "reuse-from", po::value(&reuse_from)->composing());
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (file.empty()) throw Error("slurm: give the experiment file, e.g. pulab slurm experiments/quickstart.toml --time 1:00:00");
  if (const std::string problem = path_kind_problem(script, PathKind::File, false); !script.empty() && !problem.empty()) {
    throw Error("--script " + script + ": " + problem);
  }
  if (const std::string problem = path_kind_problem(log_dir, PathKind::Folder, false); !log_dir.empty() && !problem.empty()) {
    throw Error("--log-dir " + log_dir + ": " + problem);
  }

  PluginHost host;
  load_plugins(host, common.plugin_dirs);
  const ConfigNode root = load_experiment(file, common.overrides);
  const auto sweep = expand(root, common.overrides, host);
  const auto& specs = sweep.specs;
  const auto& ids = sweep.ids;
  const fs::path output_dir = fs::absolute(specs.front().output_dir).lexically_normal();

  o.pulab = pulab_path.empty() ? fs::canonical("/proc/self/exe") : fs::absolute(pulab_path);
  o.experiment_file = fs::absolute(file).lexically_normal();
  for (const auto& s : common.overrides) o.run_arguments.insert(o.run_arguments.end(), {"--set", s});
  for (const auto& d : common.plugin_dirs) o.run_arguments.insert(o.run_arguments.end(), {"--plugin-dir", fs::absolute(d).string()});
  reusable_results(reuse_from);  // a folder that does not exist stops here, not in every task
  for (const auto& d : reuse_from) o.run_arguments.insert(o.run_arguments.end(), {"--reuse-from", fs::absolute(d).string()});
  o.workdir = fs::current_path();
  o.output_dir = output_dir;
  o.log_dir = log_dir.empty() ? output_dir / "slurm" / "logs" : fs::absolute(log_dir).lexically_normal();
  o.experiment = specs.front().experiment;
  o.job_name = job_name.empty() ? "pulab-" + o.experiment : job_name;
  o.runs = specs.size();
  o.plan_hash = scale::plan_hash(ids);
  for (const char* name : {"PULAB_DATA", "PULAB_PLUGIN_PATH"})
    if (const char* v = std::getenv(name)) o.environment.emplace_back(name, v);
  const std::string text = scale::sbatch_script(o);

  const fs::path script_file = script.empty() ? output_dir / "slurm" / (o.experiment + ".sbatch") : fs::absolute(script);
  fs::create_directories(o.log_dir);
  fs::create_directories(script_file.parent_path());
  {
    std::ofstream out(script_file, std::ios::trunc);
    if (!(out << text) || !out.flush()) throw Error(script_file.string() + ": cannot write");
  }
  fs::permissions(script_file, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
  scale::write_plan(output_dir, make_plan(o.experiment_file.string(), common, o.experiment, ids));

  const std::size_t tasks = scale::task_count(o);
  fmt::print("wrote {}\n  {} array task{} ({}), {} CPU{} each{}\n  logs:    {}/{}-<job>_<task>.log\n  results: {}\n",
             script_file.string(), tasks, tasks == 1 ? "" : "s",
             o.shards ? fmt::format("{} shards of {} runs", o.shards, o.runs) : "one per run", o.cpus_per_task,
             o.cpus_per_task == 1 ? "" : "s", o.max_parallel ? fmt::format(", at most {} at once", o.max_parallel) : "",
             o.log_dir.string(), o.job_name, output_dir.string());
  if (const std::string w = scale::shared_filesystem_warning(output_dir); !w.empty()) fmt::print(stderr, "pulab slurm: warning: {}\n", w);
  if (!submit) {
    fmt::print("submit with: sbatch {}    (or add --submit)\nprogress:    pulab status {}\n", script_file.string(),
               output_dir.string());
    return 0;
  }
  // Only the tasks with something left to do: a run not finished and not running elsewhere.
  const double now = scale::unix_now();
  std::vector<std::size_t> pending;
  for (std::size_t task = 0; task < tasks; ++task) {
    for (std::size_t i : scale::shard_indices(specs.size(), {task, tasks})) {
      const auto info = scale::inspect_run(output_dir, ids[i], i, now);
      if (info.state != scale::RunState::Finished && info.state != scale::RunState::Running) {
        pending.push_back(task);
        break;
      }
    }
  }
  if (pending.empty()) {
    fmt::print("nothing to submit: every run is finished or running (pulab status {})\n", output_dir.string());
    return 0;
  }
  const std::string array = scale::array_spec(pending, o.max_parallel);
  const std::string job = scale::submit(script_file, pending.size() == tasks ? "" : array);
  fmt::print("submitted job {} (array {})\nprogress:    pulab status {}\n", job, array, output_dir.string());
  return 0;
}

int cmd_report(const std::vector<std::string>& args) {
  std::vector<std::string> dirs, plots;
  std::string out, rows, cols, paper, paper_table, select_by = "val", title, rank_by;
  int digits = 1;
  bool no_plots = false, selection = false, leaderboard = false, paper_summary = false;
  po::options_description desc;
  desc.add_options()("dir", po::value(&dirs)->composing())("out", po::value(&out))("rows", po::value(&rows))(
      "cols", po::value(&cols))("paper", po::value(&paper))("paper-table", po::value(&paper_table))(
      "select-by", po::value(&select_by))("plot", po::value(&plots)->composing())("no-plots", po::bool_switch(&no_plots))(
      "title", po::value(&title))("digits", po::value(&digits))("selection", po::bool_switch(&selection))(
      "leaderboard", po::bool_switch(&leaderboard))("paper-summary", po::bool_switch(&paper_summary))(
      "rank-by", po::value(&rank_by));
  po::positional_options_description pos;
  pos.add("dir", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (dirs.empty()) throw Error("report: give one or more result folders, e.g. pulab report results/quickstart");
  if (digits < 0 || digits > 6) throw Error("--digits must be between 0 and 6");

  report::ReportOptions options;
  options.dirs.assign(dirs.begin(), dirs.end());
  options.out = out;
  options.rows = rows;
  options.cols = cols;
  options.paper = paper;
  options.paper_table = paper_table;
  options.select_by = report::parse_select_by(select_by);
  options.selection = selection;
  options.leaderboard = leaderboard;
  if (!rank_by.empty()) {
    if (!leaderboard) throw Error("--rank-by ranks the leaderboard: give --leaderboard too");
    options.rank_by = report::parse_rank_metric(rank_by);
  }
  options.paper_summary = paper_summary;
  options.title = title;
  options.digits = digits;
  if (no_plots) options.plots.clear();  // with --plot: only the plots it names (a c-grid's 14 columns need no per-epoch plots)
  for (const auto& p : plots) {
    if (p == "all") options.plots.insert(report::plot_kinds().begin(), report::plot_kinds().end());
    else options.plots.insert(p);
  }

  const report::ReportOutcome outcome = report::make_report(options);
  std::cout << outcome.markdown;
  for (const auto& w : outcome.warnings) fmt::print(stderr, "pulab report: warning: {}\n", w);
  fmt::print("\nwrote {} ({} finished run{}, {} failed; {} image{})\n", outcome.markdown_file.string(), outcome.finished,
             outcome.finished == 1 ? "" : "s", outcome.failed, outcome.images.size(), outcome.images.size() == 1 ? "" : "s");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  pulab::configure_allocator();  // before the first tensor: see cli/allocator.hpp
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      // `pulab help CMD` is `pulab CMD --help`.
      const std::string one = args.size() > 1 && args[0] == "help" ? command_help(args[1]) : "";
      std::cout << (one.empty() ? global_help() : one);
      return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
      fmt::print("pulab {} (plugin ABI {})\n", kHostVersion, kPluginAbiVersion);
      return 0;
    }
    const std::string command = args[0];
    args.erase(args.begin());
    for (const auto& a : args) {
      if (a == "--help" || a == "-h") {
        const std::string one = command_help(command);
        std::cout << (one.empty() ? global_help() : one);
        return 0;
      }
    }
    if (command == "run") return cmd_run(args);
    if (command == "plan") return cmd_plan(args);
    if (command == "plugins") return cmd_plugins(args);
    if (command == "describe") return cmd_describe(args);
    if (command == "report") return cmd_report(args);
    if (command == "status") return cmd_status(args);
    if (command == "slurm") return cmd_slurm(args);
    if (command == "estimate-prior") return cmd_estimate_prior(args);
    if (command == "new") return cmd_new(args);
    std::string m = closest_match(command, {"run", "plan", "plugins", "describe", "report", "new", "status", "slurm",
                                                "estimate-prior"});
    std::cerr << "pulab: error: unknown command '" << command << "'" << (m.empty() ? "" : " (did you mean '" + m + "'?)")
              << "; see pulab --help\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "pulab: error: " << e.what() << "; see pulab --help\n";
    return 2;
  } catch (const ConfigError& e) {
    std::cerr << "pulab: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "pulab: error: " << e.what() << "\n";
    return 1;
  }
}
