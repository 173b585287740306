#pragma once
// Paths the user names (experiment and base files, plugin folders, report inputs and outputs) must
// be of the kind the command expects: a folder where a file is expected (or the reverse) gets one
// clear sentence instead of a file-system exception or a misleading "does not exist".
// Header-only, no LibTorch.
#include <filesystem>
#include <string>
#include <system_error>

namespace pulab {

enum class PathKind { File, Folder };

// What is wrong with `path` for a `expected` argument: "" when nothing is; "does not exist" when it
// is missing and `must_exist`; "is a folder, not a file" / "is a file, not a folder" when it is
// of the other kind. A missing path that need not exist (an output) is fine.
inline std::string path_kind_problem(const std::filesystem::path& path, PathKind expected, bool must_exist = true) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) return must_exist ? "does not exist" : "";
  const bool folder = fs::is_directory(status);
  if (expected == PathKind::File && folder) return "is a folder, not a file";
  if (expected == PathKind::Folder && !folder) return "is a file, not a folder";
  return "";
}

}  // namespace pulab
