#include "scale/slurm.hpp"

#include <sys/vfs.h>
#include <sys/wait.h>

#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "pulab/error.hpp"
#include "pulab/version.hpp"
#include "scale/shard.hpp"

namespace pulab::scale {
namespace fs = std::filesystem;

std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=/.,:@%") ==
                           std::string::npos) {
    return word;
  }
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::size_t task_count(const SlurmOptions& o) { return o.shards > 0 ? o.shards : o.runs; }

namespace {

// An #SBATCH value may not hold a newline, and sbatch splits it at blanks.
void check_directive(const std::string& option, const std::string& value) {
  if (value.find_first_of("\n\r \t") != std::string::npos) {
    throw Error("--" + option + " '" + value + "': no blanks or line breaks in an sbatch option");
  }
}

}  // namespace

std::string sbatch_script(const SlurmOptions& o) {
  if (o.runs == 0) throw Error("the sweep has no runs");
  if (o.shards > o.runs) {
    throw Error(fmt::format("--shards {}: the sweep has only {} run{}; give at most {} shards (or omit --shards for "
                            "one array task per run)",
                            o.shards, o.runs, o.runs == 1 ? "" : "s", o.runs));
  }
  if (o.cpus_per_task == 0) throw Error("--cpus-per-task must be at least 1");
  const std::size_t tasks = task_count(o);
  std::vector<std::size_t> all(tasks);
  for (std::size_t i = 0; i < tasks; ++i) all[i] = i;

  std::string s = "#!/bin/bash\n";
  const std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M", std::localtime(&now));
  s += fmt::format("# Written by `pulab slurm` (pulab {}) on {}: the sweep '{}' ({} run{}) as a SLURM job array,\n",
                   kHostVersion, when, o.experiment, o.runs, o.runs == 1 ? "" : "s");
  s += o.shards > 0 ? fmt::format("# {} array tasks; task K runs the runs whose `pulab plan` index i has i % {} == K.\n",
                                  o.shards, o.shards)
                    : "# one array task per run; task K runs the run with `pulab plan` index K.\n";
  s += "#\n"
       "#   submit:   sbatch THIS_FILE    (again after a failure: finished runs are skipped, interrupted ones resume)\n"
       "#   progress: pulab status " + shell_quote(o.output_dir.string()) + "\n"
       "#   results:  pulab report " + shell_quote(o.output_dir.string()) + "\n"
       "#\n"
       "# What every compute node needs:\n"
       "#   - the pulab executable at the path below, with its lib/ (libpulab.so) and plugins beside it (the\n"
       "#     same install on every node, e.g. on a shared file system);\n"
       "#   - the runtime libraries it links: LibTorch 1.13 (Debian: libtorch1.13 or libtorch-dev), OpenBLAS\n"
       "#     (libopenblas0-openmp), Boost.Filesystem and Program_options, fmt, toml++, zlib, OpenSSL;\n"
       "#   - the data folder of the experiment (data_dir / $PULAB_DATA), readable;\n"
       "#   - the working folder and the result folder below on a file system that every node and the\n"
       "#     submitting machine share (NFS, Lustre, GPFS, BeeGFS): the tasks write there, pulab status reads there.\n";
  auto directive = [&](const std::string& option, const std::string& value) {
    check_directive(option, value);
    s += "#SBATCH --" + option + "=" + value + "\n";
  };
  directive("job-name", o.job_name);
  directive("array", array_spec(all, o.max_parallel));
  directive("nodes", "1");
  directive("ntasks", "1");
  directive("cpus-per-task", std::to_string(o.cpus_per_task));
  if (!o.time.empty()) directive("time", o.time);
  if (!o.mem.empty()) directive("mem", o.mem);
  if (!o.partition.empty()) directive("partition", o.partition);
  if (!o.account.empty()) directive("account", o.account);
  if (!o.qos.empty()) directive("qos", o.qos);
  directive("chdir", o.workdir.string());
  directive("output", (o.log_dir / "%x-%A_%a.log").string());
  for (const auto& extra : o.sbatch_options) {
    if (extra.find('\n') != std::string::npos) throw Error("--sbatch '" + extra + "': no line breaks");
    s += "#SBATCH " + (extra.rfind("-", 0) == 0 ? extra : "--" + extra) + "\n";
  }
  s += "\nset -euo pipefail\n";
  s += "PULAB=" + shell_quote(o.pulab.string()) + "\n";
  for (const auto& [name, value] : o.environment) s += "export " + name + "=" + shell_quote(value) + "\n";
  s += "# One thread per allocated CPU (pulab also reads SLURM_CPUS_PER_TASK when --threads is not given).\n"
       "THREADS=${SLURM_CPUS_PER_TASK:-1}\n"
       "export OMP_NUM_THREADS=$THREADS\n";
  if (!o.setup.empty()) {
    s += "# Set-up lines given to pulab slurm --setup:\n";
    for (const auto& line : o.setup) s += line + "\n";
  }
  s += "if [ ! -x \"$PULAB\" ]; then\n"
       "  echo \"pulab task ${SLURM_ARRAY_TASK_ID:-?}: $PULAB is not on $(hostname) (install pulab there, or put it on a "
       "shared file system)\" >&2\n"
       "  exit 2\n"
       "fi\n";
  s += "echo \"pulab task ${SLURM_ARRAY_TASK_ID} of job ${SLURM_ARRAY_JOB_ID}: $(hostname), $THREADS CPU(s), $(date "
       "'+%F %T')\"\n";
  std::string command = "\"$PULAB\" run";
  if (!o.experiment_file.empty()) command += " " + shell_quote(o.experiment_file.string());
  for (const auto& a : o.run_arguments) command += " " + shell_quote(a);
  command += fmt::format(" \\\n  --shard \"${{SLURM_ARRAY_TASK_ID}}/{}\" --expect-plan {} --threads \"$THREADS\"", tasks,
                         o.plan_hash);
  s += "exec " + command + "\n";
  return s;
}

std::string submit(const fs::path& script, const std::string& array_override) {
  std::string cmd = "sbatch --parsable";
  if (!array_override.empty()) cmd += " --array=" + shell_quote(array_override);
  cmd += " " + shell_quote(script.string()) + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) throw Error("cannot run sbatch");
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe)) output += buffer;
  const int status = ::pclose(pipe);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 127) throw Error("sbatch is not installed here (submit from a SLURM login node, or run `sbatch " + script.string() + "` there)");
  if (code != 0) throw Error("sbatch failed: " + output);
  // --parsable prints "jobid" or "jobid;cluster" (after any warnings).
  const auto last_line = output.substr(output.rfind('\n') == std::string::npos ? 0 : output.rfind('\n') + 1);
  return last_line.substr(0, last_line.find(';'));
}

std::string shared_filesystem_warning(const fs::path& dir) {
  fs::path p = dir;
  while (!p.empty() && !fs::exists(p)) p = p.parent_path();
  struct statfs info {};
  if (p.empty() || ::statfs(p.c_str(), &info) != 0) return "";
  constexpr long kTmpfs = 0x01021994;
  if (static_cast<long>(info.f_type) == kTmpfs) {
    return dir.string() + " is on tmpfs, local to this machine: tasks on other nodes cannot write there (fine for a "
                          "single-node cluster; use a shared file system otherwise)";
  }
  return "";
}

}  // namespace pulab::scale
