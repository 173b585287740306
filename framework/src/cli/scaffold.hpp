#pragma once
// `pulab new plugin --kind risk|regularizer|weighting|labeling NAME`: writes a folder with a
// plugin skeleton that compiles as it is against an installed pulab (one source file with its
// registration line, a CMakeLists.txt using find_package(pulab), a sample experiment).
// This header does not include LibTorch.
#include <filesystem>
#include <string>
#include <vector>

namespace pulab {

// The kinds a skeleton can be written for.
const std::vector<std::string>& skeleton_kinds();

// Writes <dir>/<name>.cpp, <dir>/CMakeLists.txt and <dir>/<name>.toml and returns the files
// written. Throws pulab::Error on an unknown kind, a name that is not a C identifier in lower
// case, or a `dir` that exists and is not empty.
std::vector<std::filesystem::path> write_plugin_skeleton(const std::string& kind, const std::string& name,
                                                         const std::filesystem::path& dir);

// The `pulab new` command; `args` follow the word `new`.
int cmd_new(const std::vector<std::string>& args);

}  // namespace pulab
