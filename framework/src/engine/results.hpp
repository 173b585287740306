#pragma once
// Result files: one JSON per run, written atomically, and a CSV summary per experiment.
//
// Every file is written to a temporary name in the same folder and renamed into place, so a
// crash or a kill never leaves a half-written result behind.
#include <filesystem>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "data/pu_split.hpp"
#include "engine/run_record.hpp"
#include "plugin/plugin_host.hpp"

namespace pulab {

// Writes `text` to `path` atomically (temp file + rename).
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

std::filesystem::path result_path(const RunSpec& spec);
// The checkpoint an unfinished run resumes from.
std::filesystem::path checkpoint_path(const RunSpec& spec);
// A finished run's folder keeps config.toml and result.json. Once result.json is written, what only an
// unfinished run needs goes: its checkpoint and its prior estimate (after training and after a reuse).
void remove_in_progress_files(const RunSpec& spec);
// True when the run's result file exists and says it finished.
bool run_finished(const RunSpec& spec);
// When the run's result.json exists but is not a readable result (not JSON, no status), renames
// it to result.json.corrupt-<YYYYmmdd-HHMMSS> and returns the new path; else returns "". A corrupt
// result is never overwritten silently: the rerun keeps it aside and says so.
std::filesystem::path set_aside_corrupt_result(const RunSpec& spec);
// When the run finished with a stale result (stale_result non-empty), renames its result.json to
// result.json.stale-<YYYYmmdd-HHMMSS> and returns the new path, so that the run is done again
// under the current configuration; else returns "". Reports read result.json only.
std::filesystem::path set_aside_stale_result(const RunSpec& spec);
// For a finished run: "" when its result was produced by this configuration, else a message
// naming the first key that differs (the file is then stale: re-running would not redo it).
// [report] labels, output_dir and data_dir do not count (where results and data live is not part
// of what a run computes).
std::string stale_result(const RunSpec& spec);
// The run's configuration as compact JSON without [report], output_dir and data_dir: what must
// match to resume a run.
std::string config_fingerprint(const RunSpec& spec);
// What a run computes, for finding the same run in another sweep (`pulab run --reuse-from`):
// config_fingerprint without the labels that only name a run (the experiment's name, run_id).
std::string computation_fingerprint(const RunSpec& spec);
// The same for the configuration stored in a result file; "" when the file is not a finished,
// readable result.
std::string computation_fingerprint_of_result(const std::filesystem::path& result_file);
// The result of `spec`, taken from the finished result of the same computation at `source_file`
// (its text `source_text`): every measured field as the source has it (epochs, readings, wall
// time, versions, host), named as this run (experiment, run_id, sweep values, configuration),
// with "reused_from" saying where it came from.
std::string reused_result_json(const RunSpec& spec, const std::string& source_text,
                               const std::filesystem::path& source_file);

// The run's result JSON (resolved config, versions, split statistics, per-epoch metrics, last
// and best readings).
std::string result_json(const RunSpec& spec, const SplitStats& split, const RunRecord& record,
                        const std::vector<LoadedPlugin>& plugins);
// A failed run's result JSON: status "failed" and the message.
std::string failure_json(const RunSpec& spec, const std::string& message);

// Per-epoch history, to carry a run's records through a checkpoint.
std::string history_json(const RunRecord& record);
RunRecord history_from_json(const std::string& text);

// Rebuilds <output_dir>/summary.csv from every result file in the experiment's folder.
void write_summary(const std::filesystem::path& output_dir);

}  // namespace pulab
