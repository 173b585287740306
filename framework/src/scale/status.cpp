#include "scale/status.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/atomic_file.hpp"
#include "pulab/error.hpp"
#include "scale/shard.hpp"
#include "scale/work_left.hpp"

namespace pulab::scale {
namespace fs = std::filesystem;
using nlohmann::json;

const char* state_name(RunState state) {
  switch (state) {
    case RunState::Finished: return "finished";
    case RunState::Running: return "running";
    case RunState::Failed: return "failed";
    case RunState::Interrupted: return "interrupted";
    case RunState::Missing: return "missing";
    case RunState::Corrupt: return "corrupt";
  }
  return "?";
}

fs::path plan_path(const fs::path& output_dir) { return output_dir / "plan.json"; }

void write_plan(const fs::path& output_dir, const Plan& plan) {
  fs::create_directories(output_dir);
  const json j{{"experiment", plan.experiment}, {"experiment_file", plan.experiment_file},
               {"arguments", plan.arguments},   {"hash", plan.hash},
               {"runs", plan.run_ids}};
  // Through the shared atomic writer: a failed write (a full disk) leaves no plan.json.tmp.* behind.
  write_text_atomically(plan_path(output_dir), j.dump(1) + "\n");
}

Plan read_plan(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(file.string() + ": cannot open");
  try {
    const json j = json::parse(in);
    Plan plan;
    plan.experiment = j.at("experiment").get<std::string>();
    plan.experiment_file = j.value("experiment_file", "");
    plan.run_ids = j.at("runs").get<std::vector<std::string>>();
    plan.arguments = j.value("arguments", std::vector<std::string>{});
    plan.hash = j.value("hash", plan_hash(plan.run_ids));
    return plan;
  } catch (const std::exception& e) {
    throw Error(file.string() + ": not a pulab plan (" + e.what() + ")");
  }
}

namespace {

std::string age(double seconds) {
  const long s = static_cast<long>(std::max(0.0, seconds) + 0.5);
  if (s >= 86400) return fmt::format("{}d{:02}h", s / 86400, (s % 86400) / 3600);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

double mtime_unix(const fs::path& file) {
  std::error_code ec;
  const auto t = fs::last_write_time(file, ec);
  if (ec) return 0;
  const auto system = std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      t - fs::file_time_type::clock::now() + std::chrono::system_clock::now());
  return std::chrono::duration<double>(system.time_since_epoch()).count();
}

}  // namespace

RunInfo inspect_run(const fs::path& output_dir, const std::string& run_id, std::size_t index, double now) {
  RunInfo info;
  info.index = index;
  info.run_id = run_id;
  const fs::path dir = output_dir / run_id;
  std::optional<json> result;
  bool corrupt = false;
  if (std::ifstream in(dir / "result.json"); in) {
    try {
      result = json::parse(in);
      corrupt = !result->is_object() || !result->contains("status");
    } catch (const std::exception&) {
      corrupt = true;
    }
    if (corrupt) result.reset();
  }
  const std::string status = result ? result->value("status", "") : "";
  if (status == "finished") {
    info.state = RunState::Finished;
    if (result->contains("last")) info.test_accuracy = (*result)["last"]["test"].value("accuracy", -1.0);
    info.wall_seconds = result->value("wall_seconds", -1.0);
    info.detail = fmt::format("{} epochs, {:.1f} s on {}", result->value("epochs", json::array()).size(),
                              std::max(0.0, info.wall_seconds), result->value("hostname", "?"));
    if (info.test_accuracy >= 0) info.detail = fmt::format("test acc {:.2f}%, ", 100 * info.test_accuracy) + info.detail;
    if (const auto source = result->find("reused_from"); source != result->end() && source->is_object()) {
      info.detail += ", reused from " + source->value("result", std::string("another sweep"));
    }
    return info;
  }
  const auto beat = read_heartbeat(dir);
  info.heartbeat = beat;
  if (beat && heartbeat_live(*beat, now)) {
    info.state = RunState::Running;
    info.detail = "on " + describe(*beat, now);
    if (status == "failed") info.detail += " (a retry; it failed before)";
    return info;
  }
  const bool checkpoint = fs::exists(dir / "checkpoint.pt");
  std::string left;
  if (checkpoint) left = "checkpoint of " + age(now - mtime_unix(dir / "checkpoint.pt")) + " ago; resumes from it";
  if (beat) {
    left += (left.empty() ? "" : "; ") + std::string("its process is gone: ") + describe(*beat, now);
  }
  if (corrupt) {
    info.state = RunState::Corrupt;
    info.detail = "result.json is not a readable result; the next `pulab run` keeps it as result.json.corrupt-<time> "
                  "and runs again";
    if (!left.empty()) info.detail += "; " + left;
    return info;
  }
  if (status == "failed") {
    info.state = RunState::Failed;
    info.detail = result->value("error", "(no message)");
    return info;
  }
  if (checkpoint || beat) {
    info.state = RunState::Interrupted;
    info.detail = left;
    return info;
  }
  info.state = RunState::Missing;
  if (fs::exists(dir / "config.toml")) info.detail = "started, no epoch done";
  return info;
}

std::size_t StatusReport::count(RunState state) const {
  return static_cast<std::size_t>(
      std::count_if(runs.begin(), runs.end(), [&](const RunInfo& r) { return r.state == state; }));
}

StatusReport sweep_status(const fs::path& output_dir, const std::string& experiment,
                          const std::vector<std::string>& run_ids) {
  StatusReport report;
  report.output_dir = output_dir;
  report.experiment = experiment;
  report.planned = true;
  const double now = unix_now();
  for (std::size_t i = 0; i < run_ids.size(); ++i) report.runs.push_back(inspect_run(output_dir, run_ids[i], i, now));
  return report;
}

std::vector<StatusReport> folder_status(const fs::path& given) {
  fs::path dir = given.lexically_normal();
  if (dir.filename().empty() && dir.has_parent_path()) dir = dir.parent_path();  // "results/x/"
  if (!fs::is_directory(dir)) throw Error(dir.string() + ": not a folder (give a result folder or an experiment file)");
  std::vector<StatusReport> reports;
  auto from_plan = [&](const fs::path& folder) {
    const Plan plan = read_plan(plan_path(folder));
    reports.push_back(sweep_status(folder, plan.experiment, plan.run_ids));
  };
  if (fs::exists(plan_path(dir))) {
    from_plan(dir);
    return reports;
  }
  std::set<fs::path> with_plan;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && fs::exists(plan_path(entry.path()))) with_plan.insert(entry.path());
  for (const auto& folder : with_plan) from_plan(folder);
  if (!reports.empty()) return reports;

  // No plan: whatever runs left a trace, here or one level down (a folder of result folders).
  auto traced = [](const fs::path& folder) {
    std::set<std::string> ids;
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (!entry.is_directory()) continue;
      for (const char* f : {"result.json", "checkpoint.pt", "running.json", "config.toml"})
        if (fs::exists(entry.path() / f)) ids.insert(entry.path().filename().string());
    }
    return std::vector<std::string>(ids.begin(), ids.end());
  };
  auto unplanned = [&](const fs::path& folder, const std::vector<std::string>& ids) {
    StatusReport report = sweep_status(folder, folder.filename().string(), ids);
    report.planned = false;
    reports.push_back(report);
  };
  if (const auto ids = traced(dir); !ids.empty()) {
    unplanned(dir, ids);
    return reports;
  }
  std::set<fs::path> sub;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory()) sub.insert(entry.path());
  for (const auto& folder : sub)
    if (const auto ids = traced(folder); !ids.empty()) unplanned(folder, ids);
  if (reports.empty()) unplanned(dir, {});
  return reports;
}

std::string format_status(const StatusReport& report) {
  std::string out = fmt::format("experiment '{}': {} run{} in {}\n", report.experiment, report.runs.size(),
                                report.runs.size() == 1 ? "" : "s", report.output_dir.string());
  std::size_t width = 6;
  for (const auto& r : report.runs) width = std::max(width, r.run_id.size());
  out += fmt::format("{:>4}  {:<{}}  {:<11}  {}\n", report.planned ? "#" : "", "run_id", width, "status", "");
  for (const auto& r : report.runs) {
    out += fmt::format("{:>4}  {:<{}}  {:<11}  {}\n", report.planned ? std::to_string(r.index) : "", r.run_id, width,
                       state_name(r.state), r.detail);
  }
  out += fmt::format("{} finished, {} running, {} failed, {} interrupted, {} missing{}\n", report.count(RunState::Finished),
                     report.count(RunState::Running), report.count(RunState::Failed),
                     report.count(RunState::Interrupted), report.count(RunState::Missing),
                     report.count(RunState::Corrupt) ? fmt::format(", {} corrupt", report.count(RunState::Corrupt)) : "");
  if (const auto left = work_left(report, unix_now())) out += format_work_left(*left) + "\n";
  if (!report.planned) {
    out += "(no plan.json in this folder: runs that never started are not listed; `pulab status FILE` lists them)\n";
  }
  return out;
}

std::string status_json(const std::vector<StatusReport>& reports) {
  json out = json::array();
  for (const auto& report : reports) {
    json runs = json::array();
    for (const auto& r : report.runs) {
      json run{{"index", r.index}, {"run_id", r.run_id}, {"status", state_name(r.state)}, {"detail", r.detail}};
      if (r.test_accuracy >= 0) run["test_accuracy"] = r.test_accuracy;
      runs.push_back(run);
    }
    json counts = json::object();
    for (auto s : {RunState::Finished, RunState::Running, RunState::Failed, RunState::Interrupted, RunState::Missing,
                   RunState::Corrupt})
      counts[state_name(s)] = report.count(s);
    json entry{{"experiment", report.experiment},
               {"output_dir", report.output_dir.string()},
               {"planned", report.planned},
               {"counts", counts},
               {"runs", runs}};
    if (const auto left = work_left(report, unix_now())) entry["seconds_left_estimate"] = left->seconds;
    out.push_back(entry);
  }
  return out.dump(1) + "\n";
}

}  // namespace pulab::scale
