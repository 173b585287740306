#include "engine/results.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/version.h>

#include "engine/atomic_file.hpp"
#include "engine/keys_added_later.hpp"
#include "engine/prior_estimation.hpp"
#include "pulab/error.hpp"
#include "pulab/version.hpp"

namespace pulab {
namespace fs = std::filesystem;
using nlohmann::json;

std::size_t RunRecord::best_by_val_accuracy() const {
  std::size_t best = 0;
  for (std::size_t i = 1; i < epochs.size(); ++i)
    if (epochs[i].val.accuracy > epochs[best].val.accuracy) best = i;
  return best;
}

std::size_t RunRecord::best_by_pu_criterion() const {
  std::size_t best = 0;
  for (std::size_t i = 1; i < epochs.size(); ++i)
    if (epochs[i].val_pu_auc > epochs[best].val_pu_auc) best = i;
  return best;
}

void write_file_atomically(const fs::path& path, const std::string& text) { write_text_atomically(path, text); }

fs::path result_path(const RunSpec& spec) { return spec.run_dir() / "result.json"; }

fs::path checkpoint_path(const RunSpec& spec) { return spec.run_dir() / "checkpoint.pt"; }

void remove_in_progress_files(const RunSpec& spec) {
  std::error_code ignored;  // absent is fine: a run without a prior estimate, or finished in one go
  fs::remove(checkpoint_path(spec), ignored);
  fs::remove(prior_estimate_path(spec), ignored);
}

bool run_finished(const RunSpec& spec) {
  std::ifstream in(result_path(spec));
  if (!in) return false;
  try {
    json j = json::parse(in);
    return j.value("status", "") == "finished";
  } catch (const std::exception&) {
    return false;
  }
}

namespace {

// Renames the run's result.json to result.json.<tag>-<YYYYmmdd-HHMMSS> (-2, -3, ... if taken).
fs::path set_result_aside(const RunSpec& spec, const std::string& tag) {
  const fs::path file = result_path(spec);
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::localtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
  const std::string base = file.string() + "." + tag + "-" + stamp;
  fs::path aside = base;
  for (int n = 2; fs::exists(aside); ++n) aside = base + "-" + std::to_string(n);
  fs::rename(file, aside);
  return aside;
}

}  // namespace

fs::path set_aside_corrupt_result(const RunSpec& spec) {
  std::ifstream in(result_path(spec));
  if (!in) return {};
  try {
    const json j = json::parse(in);
    if (j.is_object() && j.contains("status")) return {};
  } catch (const std::exception&) {
  }
  in.close();
  return set_result_aside(spec, "corrupt");
}

fs::path set_aside_stale_result(const RunSpec& spec) {
  if (!run_finished(spec) || stale_result(spec).empty()) return {};
  return set_result_aside(spec, "stale");
}

namespace {

json config_to_json(const ConfigNode& n);

// The configuration as compared between runs: without [report] (labels only), without where
// results and data live (`res`, `./res/`, an absolute path and a moved or copied folder hold the
// same runs), and without a later-added key at its legacy value. Erasing keys keeps results of
// older versions, which stored them, valid.
json comparable_config(json config) {
  config.erase("report");
  config.erase("output_dir");
  config.erase("data_dir");
  return without_keys_at_legacy_values(std::move(config));
}

// The first path where two configurations differ, or "".
std::string first_difference(const json& a, const json& b, const std::string& path) {
  if (a.is_object() && b.is_object()) {
    for (const auto& [k, v] : a.items()) {
      const std::string p = path.empty() ? k : path + "." + k;
      if (!b.contains(k)) return p;
      std::string d = first_difference(v, b[k], p);
      if (!d.empty()) return d;
    }
    for (const auto& [k, v] : b.items())
      if (!a.contains(k)) return path.empty() ? k : path + "." + k;
    return "";
  }
  return a == b ? "" : (path.empty() ? "(root)" : path);
}

}  // namespace

std::string stale_result(const RunSpec& spec) {
  std::ifstream in(result_path(spec));
  if (!in) return "";
  json stored;
  try {
    stored = json::parse(in).at("config");
  } catch (const std::exception&) {
    return "";
  }
  const std::string diff = first_difference(comparable_config(config_to_json(spec.resolved)),
                                            comparable_config(stored), "");
  if (diff.empty()) return "";
  return result_path(spec).string() + " was produced by another configuration (first difference: " + diff +
         "); run with --redo-stale to run it again (the old file is kept beside), or set another output_dir";
}

std::string config_fingerprint(const RunSpec& spec) {
  return comparable_config(config_to_json(spec.resolved)).dump();
}

namespace {
json without_run_labels(json comparable) {
  comparable.erase("name");
  comparable.erase("run_id");
  return comparable;
}
}  // namespace

std::string computation_fingerprint(const RunSpec& spec) {
  return without_run_labels(comparable_config(config_to_json(spec.resolved))).dump();
}

std::string computation_fingerprint_of_result(const fs::path& result_file) {
  std::ifstream in(result_file);
  if (!in) return "";
  try {
    const json stored = json::parse(in);
    if (stored.value("status", "") != "finished") return "";
    return without_run_labels(comparable_config(stored.at("config"))).dump();
  } catch (const std::exception&) {
    return "";
  }
}

namespace {

json to_json(const Metrics& m) {
  return {{"accuracy", m.accuracy}, {"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1},
          {"auc", m.auc},           {"error_p", m.error_p},     {"error_n", m.error_n}};
}

Metrics metrics_from(const json& j) {
  Metrics m;
  m.accuracy = j.at("accuracy");
  m.precision = j.at("precision");
  m.recall = j.at("recall");
  m.f1 = j.at("f1");
  m.auc = j.at("auc");
  m.error_p = j.at("error_p");
  m.error_n = j.at("error_n");
  return m;
}

json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::optional<double> optional_from(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// The PU-only criteria; val_pu_auc stays a key of its own for the readers of older files.
json val_pu_json(const EpochRecord& e) {
  return {{"auc", e.val_pu_auc}, {"proxy_accuracy", optional_json(e.val_pu.proxy_accuracy)},
          {"lee_liu", optional_json(e.val_pu.lee_liu)}, {"risk", optional_json(e.val_pu.risk)}};
}

json to_json(const EpochRecord& e) {
  return {{"epoch", e.epoch},         {"train_risk", e.train_risk}, {"train_objective", e.train_objective},
          {"lr", e.lr},               {"seconds", e.seconds},       {"train_seconds", e.train_seconds},
          {"peak_rss_mb", e.peak_rss_mb}, {"hook_seconds", e.hook_seconds}, {"prior", e.prior},
          {"threshold", e.threshold},
          {"val", to_json(e.val)},    {"test", to_json(e.test)},    {"val_pu_auc", e.val_pu_auc},
          {"val_pu", val_pu_json(e)}};
}

json config_to_json(const ConfigNode& n) {
  struct Visitor {
    json operator()(std::monostate) const { return nullptr; }
    json operator()(bool b) const { return b; }
    json operator()(std::int64_t i) const { return i; }
    json operator()(double d) const { return d; }
    json operator()(const std::string& s) const { return s; }
    json operator()(const ConfigNode::Array& a) const {
      json out = json::array();
      for (const auto& c : a) out.push_back(config_to_json(c));
      return out;
    }
    json operator()(const ConfigNode::Table& t) const {
      json out = json::object();
      for (const auto& [k, c] : t) out[k] = config_to_json(c);
      return out;
    }
  };
  return std::visit(Visitor{}, n.value);
}

json segments_json(const RunRecord& record) {
  json out = json::array();
  for (const auto& s : record.segments) {
    out.push_back({{"first_epoch", s.first_epoch}, {"threads", s.threads}, {"device", s.device}});
  }
  return out;
}

json reading(const EpochRecord& e) {
  return {{"epoch", e.epoch},
          {"val", to_json(e.val)},
          {"test", to_json(e.test)},
          {"val_pu_auc", e.val_pu_auc},
          {"val_pu", val_pu_json(e)}};
}

json run_header(const RunSpec& spec) {
  json sweep = json::object();
  for (const auto& [k, v] : spec.sweep_values) sweep[k] = v;
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  return {{"experiment", spec.experiment}, {"run_id", spec.run_id},  {"sweep", sweep},
          {"seed", spec.train.seed},       {"hostname", host},       {"config", config_to_json(spec.resolved)}};
}

// The plugins whose components this run used: name -> version, file and the components
// ("risk nnpu"), in the order of the run's tables.
json plugins_used(const RunSpec& spec, const std::vector<LoadedPlugin>& plugins) {
  std::vector<std::pair<std::string, std::string>> used{
      {"dataset", spec.dataset.name}, {"labeling", spec.labeling.name}, {"model", spec.model.name}, {"risk", spec.risk.name}};
  for (const auto& r : spec.regularizers) used.emplace_back("regularizer", r.name);
  if (!spec.weighting.name.empty()) used.emplace_back("weighting", spec.weighting.name);
  used.emplace_back("sampler", spec.sampler.name);
  for (const auto& h : spec.hooks) used.emplace_back("hook", h.name);
  for (const auto& [role, a] : spec.augmentations) used.emplace_back("augmentation", a.name);
  json out = json::object();
  for (const auto& component : used) {
    for (const auto& p : plugins) {
      if (std::find(p.components.begin(), p.components.end(), component) == p.components.end()) continue;
      if (!out.contains(p.name)) {
        out[p.name] = {{"version", p.version}, {"file", p.file.string()}, {"components", json::array()}};
      }
      out[p.name]["components"].push_back(component.first + " " + component.second);
    }
  }
  return out;
}

// Every plugin loaded in the process (what was available, not what the run used): name -> version.
json plugins_loaded(const std::vector<LoadedPlugin>& plugins) {
  json out = json::object();
  for (const auto& p : plugins) out[p.name] = p.version;
  return out;
}

}  // namespace

std::string result_json(const RunSpec& spec, const SplitStats& split, const RunRecord& record,
                        const std::vector<LoadedPlugin>& plugins) {
  json j = run_header(spec);
  j["status"] = "finished";
  j["versions"] = {{"pulab", kHostVersion}, {"plugin_abi", kPluginAbiVersion}, {"torch", TORCH_VERSION},
                   {"plugins_used", plugins_used(spec, plugins)}, {"plugins_loaded", plugins_loaded(plugins)}};
  j["threads"] = record.threads;  // this (the last) process's; every process's in "segments"
  j["segments"] = segments_json(record);
  j["device"] = record.device;
  j["wall_seconds"] = record.wall_seconds;
  j["data_seconds"] = record.data_seconds;
  double peak_rss = 0;
  for (const auto& e : record.epochs) peak_rss = std::max(peak_rss, e.peak_rss_mb);
  j["peak_rss_mb"] = peak_rss;
  j["resumed_from_epoch"] = record.resumed_from_epoch;
  if (record.stopped_early_after_epoch > 0) j["stopped_early_after_epoch"] = record.stopped_early_after_epoch;
  j["split"] = {{"positive_classes", split.positive_classes},
                {"n_labeled", split.n_labeled},
                {"n_unlabeled", split.n_unlabeled},
                {"n_unlabeled_positive", split.n_unlabeled_positive},
                {"n_validation", split.n_validation},
                {"n_validation_positive", split.n_validation_positive},
                {"n_validation_labeled", split.n_validation_labeled},
                {"n_test", split.n_test},
                {"n_test_positive", split.n_test_positive},
                {"true_prior", split.true_prior},
                {"prior", split.prior}};
  if (!split.prior_estimator.empty()) {
    // The true prior of U is above for evaluating the estimate only; no component ever saw it.
    j["split"]["prior_estimation"] = {{"estimator", split.prior_estimator},
                                      {"estimate", split.prior_estimate_raw},
                                      {"clipped", split.prior_estimate_clipped},
                                      {"note", split.prior_estimate_note},
                                      {"abs_error", std::abs(split.prior_estimate_raw - split.true_prior)},
                                      {"seconds", split.prior_estimation_seconds},
                                      {"classifier_seconds", split.prior_classifier_seconds}};
  }
  json epochs = json::array();
  for (const auto& e : record.epochs) epochs.push_back(to_json(e));
  j["epochs"] = epochs;
  if (!record.epochs.empty()) {
    j["last"] = reading(record.epochs.back());
    j["best_val"] = reading(record.epochs[record.best_by_val_accuracy()]);
    j["best_pu"] = reading(record.epochs[record.best_by_pu_criterion()]);
  }
  return j.dump(1) + "\n";
}

std::string reused_result_json(const RunSpec& spec, const std::string& source_text, const fs::path& source_file) {
  json j = json::parse(source_text);
  const json source_header = {{"experiment", j.at("experiment")}, {"run_id", j.at("run_id")}};
  json header = run_header(spec);
  header.erase("hostname");  // where the run was trained: the source's
  for (auto& [key, value] : header.items()) j[key] = value;
  j["reused_from"] = source_header;
  j["reused_from"]["result"] = source_file.lexically_normal().string();
  return j.dump(1) + "\n";
}

std::string failure_json(const RunSpec& spec, const std::string& message) {
  json j = run_header(spec);
  j["status"] = "failed";
  j["error"] = message;
  return j.dump(1) + "\n";
}

std::string history_json(const RunRecord& record) {
  json epochs = json::array();
  for (const auto& e : record.epochs) epochs.push_back(to_json(e));
  return json{{"epochs", epochs}, {"wall_seconds", record.wall_seconds}, {"segments", segments_json(record)}}.dump();
}

RunRecord history_from_json(const std::string& text) {
  RunRecord r;
  json j = json::parse(text);
  r.wall_seconds = j.at("wall_seconds");
  for (const auto& s : j.value("segments", json::array())) {  // absent in checkpoints of pulab < 0.2
    r.segments.push_back({s.at("first_epoch").get<std::int64_t>(), s.at("threads").get<std::int64_t>(),
                          s.at("device").get<std::string>()});
  }
  for (const auto& e : j.at("epochs")) {
    EpochRecord rec;
    rec.epoch = e.at("epoch");
    rec.train_risk = e.at("train_risk");
    rec.train_objective = e.at("train_objective");
    rec.lr = e.at("lr");
    rec.seconds = e.at("seconds");
    rec.train_seconds = e.value("train_seconds", 0.0);  // absent in checkpoints of pulab < 0.2
    rec.peak_rss_mb = e.value("peak_rss_mb", 0.0);
    rec.hook_seconds = e.value("hook_seconds", 0.0);  // absent in checkpoints of pulab < 0.3
    rec.prior = e.value("prior", 0.0);
    rec.threshold = e.at("threshold");
    rec.val = metrics_from(e.at("val"));
    rec.test = metrics_from(e.at("test"));
    rec.val_pu_auc = e.at("val_pu_auc");
    if (const auto pu = e.find("val_pu"); pu != e.end() && pu->is_object()) {  // absent in older checkpoints
      rec.val_pu.proxy_accuracy = optional_from(*pu, "proxy_accuracy");
      rec.val_pu.lee_liu = optional_from(*pu, "lee_liu");
      rec.val_pu.risk = optional_from(*pu, "risk");
    }
    r.epochs.push_back(rec);
  }
  return r;
}

void write_summary(const fs::path& output_dir) {
  if (!fs::is_directory(output_dir)) return;
  std::map<std::string, json> results;
  for (const auto& entry : fs::directory_iterator(output_dir)) {
    const fs::path file = entry.path() / "result.json";
    std::ifstream in(file);
    if (!in) continue;
    try {
      results[entry.path().filename().string()] = json::parse(in);
    } catch (const std::exception&) {
      continue;  // a foreign or damaged file is not ours to summarise
    }
  }
  std::ostringstream csv;
  csv << "run_id,status,seed,epochs,last_test_accuracy,last_test_auc,best_val_epoch,best_val_test_accuracy,"
         "best_val_accuracy,wall_seconds,error\n";
  for (const auto& [id, j] : results) {
    const bool ok = j.value("status", "") == "finished" && j.contains("last");
    auto quoted = [](std::string s) {
      for (auto& c : s)
        if (c == '"' || c == '\n') c = '\'';
      return "\"" + s + "\"";
    };
    csv << id << "," << j.value("status", "?") << "," << j.value("seed", -1) << ",";
    if (ok) {
      csv << j["epochs"].size() << "," << fmt::format("{:.6f}", j["last"]["test"]["accuracy"].get<double>()) << ","
          << fmt::format("{:.6f}", j["last"]["test"]["auc"].get<double>()) << "," << j["best_val"]["epoch"] << ","
          << fmt::format("{:.6f}", j["best_val"]["test"]["accuracy"].get<double>()) << ","
          << fmt::format("{:.6f}", j["best_val"]["val"]["accuracy"].get<double>()) << ","
          << fmt::format("{:.1f}", j.value("wall_seconds", 0.0)) << ",\n";
    } else {
      csv << ",,,,,,," << quoted(j.value("error", "")) << "\n";
    }
  }
  write_file_atomically(output_dir / "summary.csv", csv.str());
}

}  // namespace pulab
