#pragma once
// Loads plugin libraries and owns the registries they fill.
//
// Libraries, once loaded, stay loaded until the process ends: every object a plugin makes
// (components, std::function factories, vtables) points into its code, so unloading would leave
// them dangling. This header does not include LibTorch.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "pulab/registry.hpp"

namespace pulab {

struct LoadedPlugin {
  std::string name;
  std::string version;
  std::string host_version;  // the pulab version it was built against
  std::uint32_t abi_version = 0;
  std::filesystem::path file;
  // What it registered: (kind, component name), e.g. ("risk", "nnpu"). Result files record which
  // plugins a run used from this.
  std::vector<std::pair<std::string, std::string>> components;
};

class PluginHost {
 public:
  PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Loads one library; throws PluginError naming the file when it is not a library, has no
  // `pulab_plugin` entry point, was built for another plugin ABI, or registers a component
  // (or plugin) name that is already taken. A rejected library registers nothing.
  void load_file(const std::filesystem::path& file);
  // Loads every shared library in a folder, in name order.
  void load_directory(const std::filesystem::path& dir);
  // Loads every folder of `search_path(extra_dirs)`.
  void load_all(const std::vector<std::filesystem::path>& extra_dirs);

  // The folders searched for plugins, in order: `extra_dirs` (--plugin-dir), the entries of
  // PULAB_PLUGIN_PATH, then <exe>/../lib/pulab/plugins (the build tree mirrors the installed
  // layout, so this finds the built-in plugins in both) and <exe>/../<install libdir>/pulab/plugins
  // (e.g. lib/x86_64-linux-gnu under /usr). Missing folders are left out.
  static std::vector<std::filesystem::path> search_path(const std::vector<std::filesystem::path>& extra_dirs);

  Registries& registries() { return registries_; }
  const Registries& registries() const { return registries_; }
  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }

 private:
  Registries registries_;
  std::vector<LoadedPlugin> plugins_;
};

}  // namespace pulab
