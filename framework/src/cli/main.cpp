// The pulab command line: run, plan, plugins, describe, report.
#include <cstdlib>
#include <iostream>
#include <thread>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "config/config_node.hpp"
#include "config/experiment.hpp"
#include "engine/results.hpp"
#include "engine/sweep_runner.hpp"
#include "plugin/plugin_host.hpp"
#include "report/report.hpp"
#include "pulab/error.hpp"
#include "pulab/version.hpp"

namespace pulab {
extern const char* const kEmbeddedQuickstart;
}

namespace {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace pulab;

constexpr const char* kUsage = R"(pulab — a plugin framework for Positive-Unlabeled learning

usage:
  pulab run [FILE] [--set key=value]... [--jobs N] [--threads N] [--only RUN_ID]
  pulab plan FILE [--set key=value]...       expand, validate and list the runs
  pulab plugins                               loaded plugins and their components
  pulab describe NAME                         a component's (or train/split's) parameters
  pulab report DIR... [--out OUTDIR] [--rows KEY] [--cols KEY] [--paper FILE] [--select-by val|last]
               [--plot accuracy|error|alpha|np]... [--title T]
                                              tables and plots from result folders
  pulab --help | --version

common options:
  --plugin-dir DIR     also load plugins from DIR (repeatable; PULAB_PLUGIN_PATH works too)

run options:
  FILE                 an experiment file (default: the embedded quickstart experiment)
  --set key=value      override any key, e.g. --set train.epochs=5 (repeatable)
  --jobs N             runs of a sweep at once, threads split between them (default 1)
  --threads N          total intra-op threads (default: train.threads, else all cores)
  --only RUN_ID        run only this run of the sweep
  --max-epochs N       stop each run after N more epochs (it resumes next time)
  --quiet              no progress lines

report options:
  DIR...               folders searched recursively for result.json (failed runs are listed, not used)
  --out OUTDIR         where report.md and plots/ go (default: the first DIR/report)
  --rows KEY           row labels: compose, experiment, a sweep key or a config path such as
                       config.split.n_labeled (default: compose if the runs have it, else experiment)
  --cols KEY           column labels, as --rows (default: experiment)
  --paper FILE         published numbers to show beside ours (e.g. experiments/paper/paper_numbers.toml)
  --paper-table ID     take them from this table of FILE only (default: the best-covering table)
  --select-by val|last pick each cell's hyper-parameters by the validation accuracy of the best-validation
                       epoch (val, default) or of the last epoch; never by test accuracy
  --plot KIND          add a plot: alpha (accuracy per epoch per gradient-penalty alpha), np (accuracy
                       vs n_labeled); accuracy and error (per-class error) per epoch are always drawn
  --no-plots           tables only
  --title T            the report's title
  --digits N           decimals of the percentages (default 1)
)";

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

std::vector<RunSpec> resolve_all(const ConfigNode& root, const PluginHost& host, const std::string& only) {
  std::vector<RunSpec> specs;
  std::vector<std::string> ids;
  for (const auto& run : expand_sweep(root)) {
    ids.push_back(run.run_id);
    if (!only.empty() && run.run_id != only) continue;
    specs.push_back(resolve_run(run, host.registries()));
  }
  if (!only.empty() && specs.empty()) {
    std::string known;
    for (const auto& id : ids) known += (known.empty() ? "" : ", ") + id;
    throw Error("--only " + only + ": no such run (runs: " + known + ")");
  }
  return specs;
}

int cmd_run(const std::vector<std::string>& args) {
  std::string file, only;
  CommonArgs common;
  std::int64_t jobs = 1, threads = 0, max_epochs = -1;
  bool quiet = false;
  po::options_description desc;
  desc.add_options()("file", po::value(&file))("set", po::value(&common.overrides)->composing())(
      "plugin-dir", po::value(&common.plugin_dirs)->composing())("jobs", po::value(&jobs))("threads", po::value(&threads))(
      "only", po::value(&only))("max-epochs", po::value(&max_epochs))("quiet", po::bool_switch(&quiet));
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (jobs < 1) throw Error("--jobs must be at least 1");
  if (threads < 0) throw Error("--threads must be at least 0");

  PluginHost host;
  load_plugins(host, common.plugin_dirs);
  const ConfigNode root = load_experiment(file, common.overrides);
  const auto specs = resolve_all(root, host, only);
  if (!quiet) {
    fmt::print("pulab {}: {} run{} of '{}' -> {}\n", kHostVersion, specs.size(), specs.size() == 1 ? "" : "s",
               specs.front().experiment, specs.front().output_dir.string());
  }

  SweepOptions options;
  options.jobs = jobs;
  options.threads = threads;
  options.quiet = quiet;
  options.max_epochs_this_call = max_epochs;
  options.experiment_file = file;
  for (const auto& o : common.overrides) options.child_args.insert(options.child_args.end(), {"--set", o});
  for (const auto& d : common.plugin_dirs) options.child_args.insert(options.child_args.end(), {"--plugin-dir", d});
  const SweepOutcome outcome = run_sweep(specs, host, options);

  if (!quiet || !outcome.failures.empty()) {
    fmt::print("\n{} finished, {} skipped (finished earlier), {} interrupted, {} failed\n", outcome.finished,
               outcome.skipped, outcome.interrupted, outcome.failures.size());
  }
  if (specs.size() == 1 && outcome.failures.empty() && run_finished(specs.front()) && !quiet) {
    fmt::print("result: {}\n", result_path(specs.front()).string());
  } else if (!quiet) {
    fmt::print("summary: {}\n", (specs.front().output_dir / "summary.csv").string());
  }
  for (const auto& [id, message] : outcome.failures) fmt::print(stderr, "FAILED {}: {}\n", id, message);
  return outcome.failures.empty() ? 0 : 1;
}

std::string component_list(const RunSpec& s) {
  std::string regs;
  for (const auto& r : s.regularizers) regs += "+" + r.name;
  return fmt::format("{} | {} | {}{}{}", s.dataset.name, s.model.name, s.risk.name, regs,
                     s.weighting.name.empty() ? "" : " | " + s.weighting.name);
}

int cmd_plan(const std::vector<std::string>& args) {
  std::string file;
  CommonArgs common;
  po::options_description desc;
  desc.add_options()("file", po::value(&file))("set", po::value(&common.overrides)->composing())(
      "plugin-dir", po::value(&common.plugin_dirs)->composing());
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  PluginHost host;
  load_plugins(host, common.plugin_dirs);
  const auto specs = resolve_all(load_experiment(file, common.overrides), host, "");
  fmt::print("experiment '{}': {} run{} -> {}\n", specs.front().experiment, specs.size(), specs.size() == 1 ? "" : "s",
             specs.front().output_dir.string());
  std::size_t width = 6;
  for (const auto& s : specs) width = std::max(width, s.run_id.size());
  fmt::print("{:>4}  {:<{}}  {:<9}  {:>6}  {}\n", "#", "run_id", width, "status", "epochs", "dataset | model | risk+regularizers | weighting");
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& s = specs[i];
    const char* status = run_finished(s)                               ? (stale_result(s).empty() ? "finished" : "stale")
                         : fs::exists(s.run_dir() / "checkpoint.pt") ? "partial"
                                                                     : "pending";
    fmt::print("{:>4}  {:<{}}  {:<9}  {:>6}  {}\n", i, s.run_id, width, status, s.train.epochs, component_list(s));
  }
  return 0;
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
    const auto& r = host.registries();
    list(r.datasets);
    list(r.labelings);
    list(r.models);
    list(r.risks);
    list(r.regularizers);
    list(r.weightings);
  }
  return 0;
}

void print_schema(const Schema& schema) {
  if (schema.specs().empty()) fmt::print("  (no parameters)\n");
  for (const auto& s : schema.specs()) {
    std::string constraint;
    if (!s.choices.empty()) {
      for (const auto& c : s.choices) constraint += (constraint.empty() ? "one of " : ", ") + c;
    } else if (s.min && s.max) {
      constraint = fmt::format("in [{}, {}]", *s.min, *s.max);
    } else if (s.min) {
      constraint = fmt::format(">= {}", *s.min);
    }
    fmt::print("  {:<18} {:<18} = {:<14} {}{}\n", s.key, to_string(s.type), format_param(s.default_value), s.help,
               constraint.empty() ? "" : " (" + constraint + ")");
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
  if (name.empty()) throw Error("describe: give a component name, or train / split / report");
  if (name == "train" || name == "split" || name == "report") {
    fmt::print("[{}] (host table)\n", name);
    print_schema(name == "train" ? train_schema() : name == "split" ? split_schema() : report_schema());
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
  const auto& r = host.registries();
  show(r.datasets);
  show(r.labelings);
  show(r.models);
  show(r.risks);
  show(r.regularizers);
  show(r.weightings);
  if (!found) {
    std::string m = closest_match(name, all);
    throw Error("no component named '" + name + "'" + (m.empty() ? "" : " (did you mean '" + m + "'?)") +
                "; `pulab plugins` lists them");
  }
  return 0;
}

int cmd_report(const std::vector<std::string>& args) {
  std::vector<std::string> dirs, plots;
  std::string out, rows, cols, paper, paper_table, select_by = "val", title;
  int digits = 1;
  bool no_plots = false;
  po::options_description desc;
  desc.add_options()("dir", po::value(&dirs)->composing())("out", po::value(&out))("rows", po::value(&rows))(
      "cols", po::value(&cols))("paper", po::value(&paper))("paper-table", po::value(&paper_table))(
      "select-by", po::value(&select_by))("plot", po::value(&plots)->composing())("no-plots", po::bool_switch(&no_plots))(
      "title", po::value(&title))("digits", po::value(&digits));
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
  options.title = title;
  options.digits = digits;
  if (no_plots) options.plots.clear();
  for (const auto& p : plots) {
    if (p == "all") options.plots.insert(report::plot_kinds().begin(), report::plot_kinds().end());
    else options.plots.insert(p);
  }
  if (no_plots && !plots.empty()) throw Error("--no-plots and --plot contradict each other");

  const report::ReportOutcome outcome = report::make_report(options);
  std::cout << outcome.markdown;
  for (const auto& w : outcome.warnings) fmt::print(stderr, "pulab report: warning: {}\n", w);
  fmt::print("\nwrote {} ({} finished run{}, {} failed; {} image{})\n", outcome.markdown_file.string(), outcome.finished,
             outcome.finished == 1 ? "" : "s", outcome.failed, outcome.images.size(), outcome.images.size() == 1 ? "" : "s");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
      std::cout << kUsage;
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
        std::cout << kUsage;
        return 0;
      }
    }
    if (command == "run") return cmd_run(args);
    if (command == "plan") return cmd_plan(args);
    if (command == "plugins") return cmd_plugins(args);
    if (command == "describe") return cmd_describe(args);
    if (command == "report") return cmd_report(args);
    std::string m = closest_match(command, {"run", "plan", "plugins", "describe", "report"});
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
