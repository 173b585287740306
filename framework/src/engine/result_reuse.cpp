#include "engine/result_reuse.hpp"

#include <fstream>
#include <sstream>

#include "engine/results.hpp"
#include "pulab/error.hpp"

namespace pulab {
namespace fs = std::filesystem;

ReusableResults::ReusableResults(const std::vector<fs::path>& folders) {
  for (const auto& folder : folders) {
    if (!fs::is_directory(folder)) {
      throw ConfigError("--reuse-from " + folder.string() + ": no such folder");
    }
    for (const auto& entry : fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied)) {
      if (!entry.is_regular_file() || entry.path().filename() != "result.json") continue;
      const std::string fingerprint = computation_fingerprint_of_result(entry.path());
      // The first one found stays: equal computations give equal results.
      if (!fingerprint.empty()) by_computation_.emplace(fingerprint, entry.path());
    }
  }
}

std::optional<fs::path> ReusableResults::find(const RunSpec& spec) const {
  if (by_computation_.empty()) return std::nullopt;
  const auto it = by_computation_.find(computation_fingerprint(spec));
  if (it == by_computation_.end()) return std::nullopt;
  std::error_code ignored;
  if (fs::equivalent(it->second, result_path(spec), ignored)) return std::nullopt;
  return it->second;
}

void reuse_result(const RunSpec& spec, const fs::path& source) {
  std::ifstream in(source);
  if (!in) throw Error(source.string() + ": cannot read the result to reuse");
  std::stringstream text;
  text << in.rdbuf();
  fs::create_directories(spec.run_dir());
  write_file_atomically(spec.run_dir() / "config.toml",
                        "# The operative configuration of this run (every default filled in). Not trained here:\n"
                        "# its result was reused from " + source.lexically_normal().string() + ".\n" +
                            to_toml_document(spec.resolved));
  write_file_atomically(result_path(spec), reused_result_json(spec, text.str(), source));
  remove_in_progress_files(spec);
}

}  // namespace pulab
