#include "plugin/plugin_host.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include "path_kind.hpp"
#include "pulab/error.hpp"
#include "pulab/plugin.hpp"

namespace pulab {
namespace fs = std::filesystem;

namespace {

// Never destroyed: plugin code must stay mapped until exit (see plugin_host.hpp).
std::vector<boost::dll::shared_library>& loaded_libraries() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}

template <class Interface>
void check_no_clash(const Registry<Interface>& target, const Registry<Interface>& incoming) {
  for (const auto& [name, component] : incoming.entries()) {
    if (const auto* existing = target.find(name)) {
      throw PluginError(component.origin + ": duplicate " + kind_name<Interface>() + " '" + name +
                        "' (already registered by plugin '" + existing->plugin + "' from " +
                        existing->origin + ")");
    }
  }
}

template <class Interface>
void move_into(Registry<Interface>& target, Registry<Interface>& incoming) {
  for (const auto& [name, component] : incoming.entries()) target.add(component);
}

template <class Interface>
void list_components(const Registry<Interface>& registry, std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [name, component] : registry.entries()) out.emplace_back(kind_name<Interface>(), name);
}

template <class F>
void for_each_registry(Registries& a, Registries& b, F f) {
  f(a.risks, b.risks);
  f(a.regularizers, b.regularizers);
  f(a.weightings, b.weightings);
  f(a.labelings, b.labelings);
  f(a.models, b.models);
  f(a.datasets, b.datasets);
  f(a.hooks, b.hooks);
  f(a.samplers, b.samplers);
  f(a.prior_estimators, b.prior_estimators);
  f(a.augmentations, b.augmentations);
}

}  // namespace

PluginHost::PluginHost() = default;

void PluginHost::load_file(const fs::path& file) {
  const std::string where = file.string();
  if (!fs::exists(file)) throw PluginError(where + ": no such plugin file");

  boost::dll::shared_library library;
  try {
    library.load(boost::dll::fs::path(file.string()), boost::dll::load_mode::rtld_now);
  } catch (const std::exception& e) {
    throw PluginError(where + ": not a loadable plugin library (" + e.what() + ")");
  }
  if (!library.has("pulab_plugin")) {
    throw PluginError(where + ": not a pulab plugin (no 'pulab_plugin' entry point; a plugin exports one "
                              "with PULAB_PLUGIN)");
  }
  const PluginDescriptor* descriptor = nullptr;
  try {
    descriptor = library.get_alias<PluginEntryPoint>("pulab_plugin")();
  } catch (const std::exception& e) {
    throw PluginError(where + ": cannot read the plugin entry point (" + e.what() + ")");
  }
  if (descriptor == nullptr) throw PluginError(where + ": the plugin entry point returned no descriptor");
  if (descriptor->abi_version != kPluginAbiVersion) {
    std::ostringstream msg;
    msg << where << ": plugin built for plugin ABI " << descriptor->abi_version << ", this pulab ("
        << kHostVersion << ") has plugin ABI " << kPluginAbiVersion
        << "; rebuild the plugin against this pulab";
    throw PluginError(msg.str());
  }
  const std::string name = descriptor->name ? descriptor->name : "";
  if (name.empty()) throw PluginError(where + ": plugin has an empty name");
  for (const auto& p : plugins_) {
    if (p.name == name) {
      throw PluginError(where + ": duplicate plugin '" + name + "' (already loaded from " + p.file.string() + ")");
    }
  }

  // Register into a scratch set first, so that a rejected plugin leaves nothing behind.
  Registries incoming;
  Registrar registrar(incoming, name, where);
  try {
    descriptor->register_components(registrar);
  } catch (const PluginError&) {
    throw;
  } catch (const std::exception& e) {
    throw PluginError(where + ": plugin '" + name + "' failed to register its components: " + e.what());
  }
  for_each_registry(registries_, incoming, [](auto& target, auto& in) { check_no_clash(target, in); });
  std::vector<std::pair<std::string, std::string>> components;
  for_each_registry(registries_, incoming, [&](auto&, auto& in) { list_components(in, components); });
  for_each_registry(registries_, incoming, [](auto& target, auto& in) { move_into(target, in); });

  plugins_.push_back({name, descriptor->version ? descriptor->version : "",
                      descriptor->host_version ? descriptor->host_version : "", descriptor->abi_version,
                      file, std::move(components)});
  loaded_libraries().push_back(std::move(library));
}

void PluginHost::load_directory(const fs::path& dir) {
  std::vector<fs::path> files;
  const std::string suffix = boost::dll::shared_library::suffix().string();
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == suffix) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) load_file(f);
}

void PluginHost::load_all(const std::vector<fs::path>& extra_dirs) {
  for (const auto& dir : search_path(extra_dirs)) load_directory(dir);
}

std::vector<fs::path> PluginHost::search_path(const std::vector<fs::path>& extra_dirs) {
  std::vector<fs::path> candidates = extra_dirs;
  for (const auto& d : extra_dirs) {
    if (const std::string problem = path_kind_problem(d, PathKind::Folder); !problem.empty()) {
      throw PluginError(problem == "does not exist"
                            ? d.string() + ": plugin folder does not exist"
                            : d.string() + ": " + problem + " (--plugin-dir takes the folder that holds plugin libraries)");
    }
  }
  if (const char* env = std::getenv("PULAB_PLUGIN_PATH")) {
    std::stringstream ss(env);
    std::string item;
    while (std::getline(ss, item, ':'))
      if (!item.empty()) candidates.emplace_back(item);
  }
  const fs::path exe_dir = fs::path(boost::dll::program_location().parent_path().string());
  candidates.push_back(exe_dir / ".." / "lib" / "pulab" / "plugins");
  // An install whose library folder is not lib/ (lib/x86_64-linux-gnu under /usr).
  candidates.push_back(exe_dir / ".." / PULAB_INSTALL_LIBDIR / "pulab" / "plugins");
  std::vector<fs::path> out;
  std::set<fs::path> seen;
  for (const auto& c : candidates) {
    std::error_code ec;
    if (!fs::is_directory(c, ec)) continue;
    fs::path canonical = fs::canonical(c, ec);
    if (ec) continue;
    if (seen.insert(canonical).second) out.push_back(canonical);
  }
  return out;
}

}  // namespace pulab
