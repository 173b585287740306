#include "cli/estimate_prior.hpp"

#include <cmath>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <torch/torch.h>

#include "config/config_node.hpp"
#include "engine/atomic_file.hpp"
#include "engine/prior_estimation.hpp"
#include "engine/run_components.hpp"
#include "engine/run_split.hpp"
#include "pulab/error.hpp"

namespace pulab {
namespace {

struct EstimateRow {
  std::string setting, dataset, run_id, estimator, note;
  std::int64_t seed = 0;
  double true_prior = 0, estimate = 0, prior = 0, seconds = 0, classifier_seconds = 0;
  bool clipped = false;
  double abs_error() const { return std::abs(estimate - true_prior); }
};

// What identifies a split and its classifier: data set, labeling, split keys, seed, model and the
// classifier's keys. Runs of a sweep that differ only in the method share it.
std::string split_key(const RunSpec& spec) {
  ConfigNode key = ConfigNode::table();
  for (const char* table : {"dataset", "labeling", "split", "model"}) {
    if (const ConfigNode* n = spec.resolved.find(table)) key.as_table()[table] = *n;
  }
  const auto& e = spec.prior_estimation;
  return to_toml_document(key) + fmt::format("seed={} folds={} epochs={} batch={} lr={}", spec.train.seed, e.folds,
                                             e.classifier_epochs, e.classifier_batch_size, e.classifier_lr);
}

// The data setting a run belongs to: its data set and the sweep values other than seed and method.
std::string setting_of(const RunSpec& spec) {
  std::string label = spec.dataset.name;
  for (const auto& [key, value] : spec.sweep_values) {
    if (key == "train.seed" || key == "compose" || key.rfind("prior_estimator.", 0) == 0) continue;
    label += " " + key + "=" + value;
  }
  return label;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string rows_csv(const std::vector<EstimateRow>& rows) {
  std::ostringstream out;
  out << "setting,dataset,seed,run_id,true_prior,estimator,estimate,prior,abs_error,clipped,seconds,"
         "classifier_seconds,note\n";
  for (const auto& r : rows) {
    out << fmt::format("{},{},{},{},{:.6f},{},{:.6f},{:.6f},{:.6f},{},{:.3f},{:.3f},{}\n", csv_field(r.setting),
                       csv_field(r.dataset), r.seed, csv_field(r.run_id), r.true_prior, csv_field(r.estimator),
                       r.estimate, r.prior, r.abs_error(), r.clipped ? "true" : "false", r.seconds,
                       r.classifier_seconds, csv_field(r.note));
  }
  return out.str();
}

// Mean |pi^ - pi| +- std over seeds per (setting, estimator), the mean true prior, mean seconds.
std::string summary_markdown(const std::vector<EstimateRow>& rows) {
  std::map<std::pair<std::string, std::string>, std::vector<const EstimateRow*>> groups;
  std::vector<std::string> settings, estimators;
  for (const auto& r : rows) {
    if (std::find(settings.begin(), settings.end(), r.setting) == settings.end()) settings.push_back(r.setting);
    if (std::find(estimators.begin(), estimators.end(), r.estimator) == estimators.end()) estimators.push_back(r.estimator);
    groups[{r.setting, r.estimator}].push_back(&r);
  }
  auto mean_std = [](const std::vector<double>& v) {
    double m = 0, s = 0;
    for (double x : v) m += x;
    m /= double(v.size());
    for (double x : v) s += (x - m) * (x - m);
    return std::make_pair(m, v.size() > 1 ? std::sqrt(s / double(v.size() - 1)) : 0.0);
  };
  std::string out = "| setting | true prior | " ;
  for (const auto& e : estimators) out += " " + e + " |";
  out += "\n|---|---|";
  for (std::size_t i = 0; i < estimators.size(); ++i) out += "---|";
  out += "\n";
  std::map<std::string, std::vector<double>> per_estimator, seconds;
  for (const auto& s : settings) {
    std::vector<double> priors;
    for (const auto* r : groups[{s, estimators.front()}]) priors.push_back(r->true_prior);
    out += fmt::format("| {} | {:.3f} |", s, priors.empty() ? 0.0 : mean_std(priors).first);
    for (const auto& e : estimators) {
      std::vector<double> err;
      for (const auto* r : groups[{s, e}]) {
        err.push_back(r->abs_error());
        per_estimator[e].push_back(r->abs_error());
        seconds[e].push_back(r->seconds);
      }
      if (err.empty()) { out += " – |"; continue; }
      const auto [m, sd] = mean_std(err);
      out += fmt::format(" {:.3f} ± {:.3f} |", m, sd);
    }
    out += "\n";
  }
  out += "| **all settings** | |";
  for (const auto& e : estimators) out += fmt::format(" **{:.3f}** |", mean_std(per_estimator[e]).first);
  out += "\n| seconds per estimate | |";
  for (const auto& e : estimators) out += fmt::format(" {:.1f} |", mean_std(seconds[e]).first);
  out += fmt::format("\n\nMean absolute error |pi^ - pi| (± std over the {} seeds of a setting); pi is the true "
                     "class prior of U, used for this evaluation only. Seconds include the P-vs-U classifier, "
                     "shared by the estimators that read it.\n",
                     rows.empty() ? 0 : groups.begin()->second.size());
  return out;
}

}  // namespace

int estimate_prior_command(const std::vector<EstimatorVariant>& variants, const PluginHost& host,
                           const EstimatePriorOptions& options) {
  if (variants.empty() || variants.front().runs.empty()) throw Error("estimate-prior: the experiment has no runs");
  for (const auto& v : variants) {
    for (const auto& run : v.runs) {
      if (run.prior_estimation.estimator.name.empty()) {
        throw ConfigError("estimate-prior: experiment '" + run.experiment +
                          "' has no [prior_estimator] table; add one or name estimators with --estimator NAME");
      }
    }
  }
  if (options.threads > 0) torch::set_num_threads(static_cast<int>(options.threads));
  const Registries& registries = host.registries();
  std::vector<EstimateRow> rows;
  std::map<std::string, bool> done;
  const auto& first = variants.front().runs;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (done[split_key(first[i])]) continue;
    done[split_key(first[i])] = true;
    BuildContext context;
    context.data_dir = first[i].data_dir.string();
    const PUData pu = load_run_split(first[i], registries, context, context.input_shape);
    if (!options.quiet) {
      fmt::print("{} seed {}: {} labeled positives, {} unlabeled, true prior of U {:.4f}\n", setting_of(first[i]),
                 first[i].train.seed, pu.stats.n_labeled, pu.stats.n_unlabeled, pu.stats.true_prior);
    }
    std::unique_ptr<OutOfFoldScores> scores;
    for (const auto& variant : variants) {
      const RunSpec& spec = variant.runs.at(i);
      auto estimator = build_component(registries.prior_estimators, spec.prior_estimation.estimator, context);
      if (estimator->needs_classifier() && !scores) {
        scores = std::make_unique<OutOfFoldScores>(out_of_fold_scores(
            pu, spec, registries, context, static_cast<std::uint64_t>(spec.train.seed), options.quiet));
      }
      const auto e = run_prior_estimator(*estimator, spec.prior_estimation.estimator.name, pu, spec, registries, context,
                                         scores.get(), options.quiet);
      EstimateRow row{setting_of(spec), spec.dataset.name, spec.run_id, variant.label, e.note, spec.train.seed,
                      pu.stats.true_prior, e.raw, e.prior, e.seconds, e.classifier_seconds, e.clipped};
      fmt::print("  {:<28} pi^ = {:.4f}  |pi^ - pi| = {:.4f}  {:.1f} s  {}\n", variant.label, row.estimate,
                 row.abs_error(), row.seconds, row.note);
      std::fflush(stdout);
      rows.push_back(row);
    }
  }
  const std::string summary = summary_markdown(rows);
  fmt::print("\n{}", summary);
  if (!options.out_dir.empty()) {
    std::filesystem::create_directories(options.out_dir);
    write_text_atomically(options.out_dir / "estimates.csv", rows_csv(rows));
    write_text_atomically(options.out_dir / "summary.md", "# Class-prior estimates\n\n" + summary);
    fmt::print("wrote {} and {}\n", (options.out_dir / "estimates.csv").string(),
               (options.out_dir / "summary.md").string());
  }
  return 0;
}

}  // namespace pulab
