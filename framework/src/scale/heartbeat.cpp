#include "scale/heartbeat.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/atomic_file.hpp"

namespace pulab::scale {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string slurm_job_of_environment() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (!env("SLURM_ARRAY_JOB_ID").empty()) return env("SLURM_ARRAY_JOB_ID") + "_" + env("SLURM_ARRAY_TASK_ID");
  return env("SLURM_JOB_ID");
}

std::string to_json(const Heartbeat& b) {
  return json{{"host", b.host},
              {"pid", b.pid},
              {"started", b.started},
              {"updated", b.updated},
              {"interval", b.interval},
              {"slurm_job", b.slurm_job},
              {"epochs_done", b.epochs_done},
              {"epochs", b.epochs},
              {"seconds_per_epoch", b.seconds_per_epoch}}
             .dump(1) +
         "\n";
}

// Writes through a temporary name unique to this host and process, then renames; false when it
// cannot (the next beat tries again).
bool write_atomically(const fs::path& path, const std::string& text) {
  try {
    write_text_atomically(path, text);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// The heartbeat file of the run this process trains, removed by the signal handler. One at a
// time: runs of one process are trained one after another.
char g_signal_path[4096] = {0};
volatile sig_atomic_t g_signal_path_set = 0;

extern "C" void remove_heartbeat_and_die(int sig) {
  if (g_signal_path_set) ::unlink(g_signal_path);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
      struct sigaction current {};
      ::sigaction(sig, nullptr, &current);
      if (current.sa_handler != SIG_DFL) continue;  // someone else's handler (or ignored): leave it
      struct sigaction action {};
      action.sa_handler = remove_heartbeat_and_die;
      sigemptyset(&action.sa_mask);
      ::sigaction(sig, &action, nullptr);
    }
  });
}

}  // namespace

fs::path heartbeat_path(const fs::path& run_dir) { return run_dir / "running.json"; }

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string this_host() {
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  std::string h = host;
  return h.substr(0, h.find('.'));
}

double heartbeat_interval() {
  if (const char* v = std::getenv("PULAB_HEARTBEAT_SECONDS")) {
    char* end = nullptr;
    const double d = std::strtod(v, &end);
    if (end != v && d > 0) return d;
  }
  return 30;
}

std::optional<Heartbeat> read_heartbeat(const fs::path& run_dir) {
  std::ifstream in(heartbeat_path(run_dir));
  if (!in) return std::nullopt;
  try {
    const json j = json::parse(in);
    Heartbeat b;
    b.host = j.at("host").get<std::string>();
    b.pid = j.at("pid").get<long>();
    b.started = j.value("started", 0.0);
    b.updated = j.value("updated", 0.0);
    b.interval = j.value("interval", 30.0);
    b.slurm_job = j.value("slurm_job", "");
    b.epochs_done = j.value("epochs_done", std::int64_t{0});
    b.epochs = j.value("epochs", std::int64_t{0});
    b.seconds_per_epoch = j.value("seconds_per_epoch", 0.0);
    return b;
  } catch (const std::exception&) {
    return std::nullopt;  // being replaced, or not ours: treated as absent
  }
}

bool heartbeat_live(const Heartbeat& beat, double now) {
  // A writer beats every interval: a beat older than a few intervals means it is gone, on any host.
  // On this host the pid must also exist; the age matters there too, since the pid of a process
  // gone for hours may belong to another process by now.
  const bool recent = now - beat.updated < 3 * beat.interval + 10;
  if (beat.host == this_host()) {
    if (beat.pid <= 0 || !recent) return false;
    return ::kill(static_cast<pid_t>(beat.pid), 0) == 0 || errno == EPERM;
  }
  return recent;
}

std::string describe(const Heartbeat& beat, double now) {
  const std::time_t started = static_cast<std::time_t>(beat.started);
  std::tm tm{};
  ::localtime_r(&started, &tm);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
  std::string progress;
  if (beat.epochs > 0) {
    progress = fmt::format(", epoch {} of {}", beat.epochs_done, beat.epochs);
    if (beat.seconds_per_epoch > 0 && beat.epochs_done < beat.epochs) {
      const double left = beat.seconds_per_epoch * double(beat.epochs - beat.epochs_done) - std::max(0.0, now - beat.updated);
      progress += left >= 90 ? fmt::format(", about {:.0f} min left", left / 60) : ", about a minute left";
    }
  }
  return fmt::format("{} pid {}{}, started {}, last beat {:.0f} s ago{}", beat.host, beat.pid,
                     beat.slurm_job.empty() ? "" : ", SLURM job " + beat.slurm_job, when,
                     std::max(0.0, now - beat.updated), progress);
}

struct RunLock::Impl {
  fs::path path;
  Heartbeat beat;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  double last_progress_write = 0;  // Unix time
  std::thread thread;

  bool ours() const {
    const auto current = read_heartbeat(path.parent_path());
    return current && current->host == beat.host && current->pid == beat.pid;
  }
};

std::unique_ptr<RunLock> RunLock::acquire(const fs::path& run_dir, std::string& held_by) {
  auto impl = std::make_unique<Impl>();
  impl->path = heartbeat_path(run_dir);
  impl->beat.host = this_host();
  impl->beat.pid = ::getpid();
  impl->beat.started = impl->beat.updated = unix_now();
  impl->beat.interval = heartbeat_interval();
  impl->beat.slurm_job = slurm_job_of_environment();
  fs::create_directories(run_dir);

  const std::string text = to_json(impl->beat);
  const int fd = ::open(impl->path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd >= 0) {
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    if (!ok) write_atomically(impl->path, text);
  } else {
    // Someone's heartbeat is there: respect a live one, take over a stale one.
    const auto other = read_heartbeat(run_dir);
    if (other && !(other->host == impl->beat.host && other->pid == impl->beat.pid) &&
        heartbeat_live(*other, unix_now())) {
      held_by = describe(*other, unix_now());
      return nullptr;
    }
    write_atomically(impl->path, text);
  }
  // Two processes that took over the same stale heartbeat at once: the last rename wins.
  if (!impl->ours()) {
    const auto other = read_heartbeat(run_dir);
    held_by = other ? describe(*other, unix_now()) : "another process";
    return nullptr;
  }

  install_signal_handlers();
  const std::string p = impl->path.string();
  if (p.size() < sizeof(g_signal_path)) {
    g_signal_path_set = 0;
    std::memcpy(g_signal_path, p.c_str(), p.size() + 1);
    g_signal_path_set = 1;
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    std::unique_lock<std::mutex> lock(raw->mutex);
    const auto period = std::chrono::duration<double>(raw->beat.interval);
    while (!raw->wake.wait_for(lock, period, [raw] { return raw->stop; })) {
      raw->beat.updated = unix_now();
      write_atomically(raw->path, to_json(raw->beat));
    }
  });
  return std::unique_ptr<RunLock>(new RunLock(std::move(impl)));
}

RunLock::RunLock(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void RunLock::set_progress(std::int64_t epochs_done, std::int64_t epochs, double seconds_per_epoch) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->beat.epochs_done = epochs_done;
  impl_->beat.epochs = epochs;
  impl_->beat.seconds_per_epoch = seconds_per_epoch;
  // Runs of many tiny epochs: at most one extra write a second; the next beat carries the rest.
  const double now = unix_now();
  if (now - impl_->last_progress_write < 1.0) return;
  impl_->last_progress_write = impl_->beat.updated = now;
  write_atomically(impl_->path, to_json(impl_->beat));
}

RunLock::~RunLock() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stop = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  g_signal_path_set = 0;
  if (impl_->ours()) {
    std::error_code ignored;
    fs::remove(impl_->path, ignored);
  }
}

}  // namespace pulab::scale
