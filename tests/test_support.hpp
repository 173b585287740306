#pragma once
// Shared helpers of the test suite: the built-in plugins loaded once, temporary folders, and
// running an experiment given as TOML text.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/experiment.hpp"
#include "plugin/plugin_host.hpp"

namespace pulab::test {

// A host with every plugin of the build loaded (once per process: plugins are never unloaded).
PluginHost& builtin_host();

// A fresh, empty folder for one test.
std::filesystem::path temp_dir(const std::string& name);

// Expands and resolves an experiment given as text; `base_dir` resolves relative `base` files.
std::vector<RunSpec> resolve_text(const std::string& toml, const std::vector<std::string>& overrides = {},
                                  const std::filesystem::path& base_dir = PULAB_SOURCE_DIR);

// Trains the single run of an experiment quietly (output_dir is set to a fresh temp folder
// unless the text sets it) and returns its result JSON.
nlohmann::json train_text(const std::string& toml, const std::vector<std::string>& overrides = {});

nlohmann::json read_json(const std::filesystem::path& file);

// The message of the exception `f` throws; fails the test when it throws none.
std::string error_message(const std::function<void()>& f);

// The quickstart experiment shipped in experiments/ (with its real file name for messages).
std::string quickstart_text();

}  // namespace pulab::test
