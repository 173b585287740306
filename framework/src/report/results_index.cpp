#include "report/results_index.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/keys_added_later.hpp"
#include "pulab/error.hpp"

namespace pulab::report {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Scores scores_from(const json& j) {
  Scores s;
  if (!j.is_object()) return s;
  s.accuracy = j.value("accuracy", 0.0);
  s.auc = j.value("auc", 0.0);
  s.f1 = j.value("f1", 0.0);
  s.precision = j.value("precision", 0.0);
  s.recall = j.value("recall", 0.0);
  s.error_p = j.value("error_p", 0.0);
  s.error_n = j.value("error_n", 0.0);
  return s;
}

Reading reading_from(const json& j) {
  Reading r;
  if (!j.is_object()) return r;
  r.epoch = j.value("epoch", std::int64_t{0});
  if (j.contains("val")) r.val = scores_from(j["val"]);
  if (j.contains("test")) r.test = scores_from(j["test"]);
  return r;
}

std::optional<double> number_at(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// "val_pu" of an epoch, or only the older "val_pu_auc".
PuCriteria pu_criteria_from(const json& epoch) {
  PuCriteria c;
  c.auc = number_at(epoch, "val_pu_auc");
  const auto pu = epoch.find("val_pu");
  if (pu == epoch.end() || !pu->is_object()) return c;
  if (const auto auc = number_at(*pu, "auc")) c.auc = auc;
  c.proxy_accuracy = number_at(*pu, "proxy_accuracy");
  c.lee_liu = number_at(*pu, "lee_liu");
  c.risk = number_at(*pu, "risk");
  return c;
}

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  if (v.is_null()) return "";
  return v.dump();
}

void flatten(const json& j, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) flatten(v, prefix + "." + k, out);
  } else {
    out[prefix] = scalar_text(j);
  }
}

}  // namespace

std::string normalize_number(const std::string& value) {
  if (value.empty()) return value;
  const char* begin = value.c_str();
  char* end = nullptr;
  const double d = std::strtod(begin, &end);
  if (end != begin + value.size()) return value;  // not (only) a number
  if (value.find_first_of("xXnN") != std::string::npos) return value;  // hex, nan, inf: keep as written
  return fmt::format("{}", d);
}

std::string config_path_of(const std::string& key) {
  if (key == "experiment" || key == "compose" || key == "run_id") return "";
  if (key.rfind("config.", 0) == 0) return key.substr(7);
  return key;
}

std::vector<std::string> key_alternatives(const std::string& key) {
  std::vector<std::string> keys;
  std::size_t start = 0;
  for (std::size_t bar; (bar = key.find('|', start)) != std::string::npos; start = bar + 1)
    keys.push_back(key.substr(start, bar - start));
  keys.push_back(key.substr(start));
  return keys;
}

namespace {

// The first alternative of "A|B|..." with a non-empty value in this run; "" when none has one.
std::string first_present(const RunResult& run, const std::string& key) {
  for (const auto& alternative : key_alternatives(key))
    if (const auto v = run.value(alternative); v && !v->empty()) return alternative;
  return "";
}

}  // namespace

std::optional<std::string> RunResult::value(const std::string& key) const {
  if (key.find('|') != std::string::npos) {
    const std::string present = first_present(*this, key);
    if (present.empty()) return std::nullopt;
    return value(present);
  }
  if (key == "experiment") return experiment;
  if (key == "run_id") return run_id;
  if (key == "compose") {
    auto it = sweep.find("compose");
    if (it == sweep.end()) return std::nullopt;
    return it->second;
  }
  const std::string path = config_path_of(key);
  if (auto it = sweep.find(path); it != sweep.end()) return it->second;
  if (auto it = config.find("config." + path); it != config.end()) return it->second;
  return std::nullopt;
}

std::string RunResult::label(const std::string& key) const {
  if (key.find('|') != std::string::npos) {
    const std::string present = first_present(*this, key);
    return present.empty() ? "(none)" : label(present);
  }
  const auto v = value(key);
  if (!v) return "(none)";
  if (key == "experiment" || key == "compose" || key == "run_id") return *v;
  const std::string path = config_path_of(key);
  // An experiment's own [report] labels are labels already, used as written.
  if (path == "report.row" || path == "report.column") return *v;
  return path.substr(path.rfind('.') + 1) + "-" + normalize_number(*v);
}

RunResult parse_result(const std::string& text, const fs::path& file) {
  const json j = json::parse(text);
  if (!j.is_object()) throw Error("not a JSON object");
  RunResult r;
  r.file = file;
  r.experiment = j.value("experiment", "");
  r.run_id = j.value("run_id", "");
  r.status = j.value("status", "");
  r.error = j.value("error", "");
  r.seed = j.value("seed", std::int64_t{0});
  r.wall_seconds = j.value("wall_seconds", 0.0);
  if (j.contains("sweep") && j["sweep"].is_object()) {
    for (const auto& [k, v] : j["sweep"].items()) r.sweep[k] = scalar_text(v);
  }
  // A key added after the file was written reads as the value that reproduces the older
  // behaviour, as the stale check counts it (engine/keys_added_later.hpp).
  if (j.contains("config") && j["config"].is_object()) flatten(with_keys_added_later(j["config"]), "config", r.config);
  if (j.contains("epochs") && j["epochs"].is_array()) {
    for (const auto& e : j["epochs"]) {
      EpochScores s;
      s.epoch = e.value("epoch", std::int64_t{0});
      s.train_risk = e.value("train_risk", 0.0);
      if (e.contains("val")) s.val = scores_from(e["val"]);
      if (e.contains("test")) s.test = scores_from(e["test"]);
      if (e.is_object()) {
        s.val_pu = pu_criteria_from(e);
        r.has_val_pu = r.has_val_pu || (e.contains("val_pu") && e["val_pu"].is_object());
      }
      r.epochs.push_back(s);
    }
  }
  if (j.contains("last")) r.last = reading_from(j["last"]);
  if (j.contains("best_val")) r.best_val = reading_from(j["best_val"]);
  if (r.finished() && !j.contains("last")) throw Error("status is finished but there is no \"last\" reading");
  return r;
}

ResultsIndex load_results(const std::vector<fs::path>& dirs) {
  std::vector<fs::path> files;
  for (const auto& dir : dirs) {
    if (fs::is_regular_file(dir)) {
      files.push_back(dir);
      continue;
    }
    if (!fs::is_directory(dir)) throw Error(dir.string() + ": no such folder (give a result folder or a result.json)");
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_regular_file() && it->path().filename() == "result.json") files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());

  ResultsIndex index;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) {  // e.g. no read permission: say so, rather than "unexpected end of input"
      index.unreadable.push_back(file.string() + ": cannot open (" + std::strerror(errno) + ")");
      continue;
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
      RunResult r = parse_result(text.str(), file);
      (r.finished() ? index.runs : index.failed).push_back(std::move(r));
    } catch (const std::exception& e) {
      index.unreadable.push_back(file.string() + ": " + e.what());
    }
  }
  return index;
}

bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
    const bool db = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
    if (da && db) {
      char* ea = nullptr;
      char* eb = nullptr;
      const double va = std::strtod(a.c_str() + i, &ea);
      const double vb = std::strtod(b.c_str() + j, &eb);
      if (va != vb) return va < vb;
      i = static_cast<std::size_t>(ea - a.c_str());
      j = static_cast<std::size_t>(eb - b.c_str());
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;
}

}  // namespace pulab::report
