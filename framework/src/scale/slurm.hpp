#pragma once
// `pulab slurm`: an sbatch script that runs a sweep as a SLURM job array — one array task per run,
// or per shard (`--shards N`) — and its submission. Each task runs
//   pulab run FILE [--set ...] --shard $SLURM_ARRAY_TASK_ID/N --expect-plan HASH --threads $SLURM_CPUS_PER_TASK
// in the folder `pulab slurm` was called from, logging to <output_dir>/slurm/logs/<job>-<array job>_<task>.log.
// A task skips its finished runs and resumes interrupted ones, so re-submitting the same script
// runs only what is missing. No LibTorch here.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace pulab::scale {

struct SlurmOptions {
  std::filesystem::path pulab;            // the pulab executable the nodes run (absolute)
  std::filesystem::path experiment_file;  // absolute; empty = the embedded quickstart
  std::vector<std::string> run_arguments; // --set / --plugin-dir, passed to every task
  std::filesystem::path workdir;          // the tasks' working folder (relative paths of the file resolve here)
  std::filesystem::path output_dir;       // the sweep's result folder (absolute)
  std::filesystem::path log_dir;          // absolute
  std::string experiment;
  std::string job_name;
  std::size_t runs = 0;    // runs in the sweep
  std::size_t shards = 0;  // 0 = one array task per run
  std::string plan_hash;
  std::string partition, time, mem, account, qos;
  std::size_t cpus_per_task = 1;
  std::size_t max_parallel = 0;  // 0 = no throttle
  std::vector<std::string> sbatch_options;  // extra #SBATCH options, e.g. --constraint=avx2
  std::vector<std::string> setup;           // shell lines run before pulab (module load ..., source venv)
  std::vector<std::pair<std::string, std::string>> environment;  // exported in the script (PULAB_DATA, PULAB_PLUGIN_PATH)
};

// The number of array tasks: runs, or shards.
std::size_t task_count(const SlurmOptions& options);

// The script text. Throws pulab::Error on inconsistent options (more shards than runs, ...).
std::string sbatch_script(const SlurmOptions& options);

// Quotes a word for bash (single quotes).
std::string shell_quote(const std::string& word);

// Runs `sbatch --parsable [--array=SPEC] SCRIPT` and returns the job id; throws pulab::Error with
// sbatch's own message when it fails (or is not installed).
std::string submit(const std::filesystem::path& script, const std::string& array_override);

// A warning when `dir` (or its nearest existing parent) is on a file system local to this machine
// (tmpfs), which the compute nodes cannot share; "" otherwise.
std::string shared_filesystem_warning(const std::filesystem::path& dir);

}  // namespace pulab::scale
