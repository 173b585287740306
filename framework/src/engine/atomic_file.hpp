#pragma once
// Replacing a file so that a reader sees the old content or the new one, never a part of it: write
// a temporary file in the same folder, then rename it over the target. A write that fails (a full
// disk, a read-only folder) removes its temporary file and leaves the old file as it was, so a
// temporary file remains only when the process is killed between the two steps.
//
// The temporary name is unique per host and process: shards of one sweep on a shared file system
// may write into the same folder. Header-only and free of LibTorch: results, plans, heartbeats
// and checkpoints all use it.
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <system_error>

#include "pulab/error.hpp"

namespace pulab {

// "<path>.tmp.<host>.<pid>": where replace_file_atomically writes before renaming.
inline std::filesystem::path temporary_path_for(const std::filesystem::path& path) {
  char host[256] = {0};
  ::gethostname(host, sizeof(host) - 1);
  std::string h = host;
  h = h.substr(0, h.find('.'));
  return path.string() + ".tmp." + h + "." + std::to_string(::getpid());
}

namespace detail {

// Why a write into `dir` failed: the OS's reason when it gave one, "no space left on device" when
// the file system is full whatever the library reported, else the library's own message.
inline std::string write_failure_reason(int err, const std::filesystem::path& dir, const std::string& what) {
  struct statvfs fs_info {};
  if (err == ENOSPC || (::statvfs(dir.c_str(), &fs_info) == 0 && fs_info.f_bavail == 0)) {
    return "no space left on device";
  }
  if (err != 0) return std::strerror(err);
  return what.substr(0, what.find('\n'));
}

}  // namespace detail

// Calls `write(tmp)` to fill the temporary file, then renames it to `path`. When `write` throws or
// the rename fails, removes the temporary file and throws pulab::Error
// "<path>: cannot write: <reason>".
inline void replace_file_atomically(const std::filesystem::path& path,
                                    const std::function<void(const std::filesystem::path& tmp)>& write) {
  namespace fs = std::filesystem;
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  const fs::path tmp = temporary_path_for(path);
  std::string reason;
  try {
    fs::create_directories(dir);
    errno = 0;
    write(tmp);
    fs::rename(tmp, path);
    return;
  } catch (const std::system_error& e) {  // the file system's own errors, with their OS code
    reason = detail::write_failure_reason(e.code().value(), dir, e.what());
  } catch (const std::exception& e) {  // a library's (LibTorch's) error: errno still holds the OS's reason
    reason = detail::write_failure_reason(errno, dir, e.what());
  }
  std::error_code ignored;
  fs::remove(tmp, ignored);
  throw Error(path.string() + ": cannot write: " + reason);
}

// The same for text.
inline void write_text_atomically(const std::filesystem::path& path, const std::string& text) {
  replace_file_atomically(path, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::system_error(errno, std::generic_category(), "open");
    out << text;
    out.close();  // close flushes: a full disk shows here
    if (out.fail()) throw std::system_error(errno ? errno : EIO, std::generic_category(), "write");
  });
}

}  // namespace pulab
