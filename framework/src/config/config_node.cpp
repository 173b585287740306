#include "config/config_node.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <boost/dll/runtime_symbol_info.hpp>
#include <toml++/toml.h>

#include "path_kind.hpp"
#include "pulab/error.hpp"
#include "pulab/params.hpp"

namespace pulab {
namespace fs = std::filesystem;

std::string Location::str() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const ConfigNode* ConfigNode::find(const std::string& key) const {
  if (!is_table()) return nullptr;
  const auto& t = as_table();
  auto it = t.find(key);
  return it == t.end() ? nullptr : &it->second;
}

ConfigNode* ConfigNode::find(const std::string& key) {
  return const_cast<ConfigNode*>(static_cast<const ConfigNode*>(this)->find(key));
}

std::string ConfigNode::type_name() const {
  switch (value.index()) {
    case 0: return "nothing";
    case 1: return "bool";
    case 2: return "integer";
    case 3: return "float";
    case 4: return "string";
    case 5: return "array";
    case 6: return "table";
  }
  return "?";
}

std::string ConfigNode::to_toml_value() const {
  struct Visitor {
    std::string operator()(std::monostate) const { return "\"\""; }
    std::string operator()(bool b) const { return format_param(b); }
    std::string operator()(std::int64_t i) const { return format_param(i); }
    std::string operator()(double d) const { return format_param(d); }
    std::string operator()(const std::string& s) const { return format_param(s); }
    std::string operator()(const ConfigNode::Array& a) const {
      std::string out = "[";
      for (std::size_t i = 0; i < a.size(); ++i) out += (i ? ", " : "") + a[i].to_toml_value();
      return out + "]";
    }
    std::string operator()(const ConfigNode::Table& t) const {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, v] : t) {
        out += (first ? " " : ", ") + k + " = " + v.to_toml_value();
        first = false;
      }
      return out + " }";
    }
  };
  return std::visit(Visitor{}, value);
}

namespace {

Location location_of(const toml::node& node, const std::string& fallback) {
  Location loc;
  const auto& src = node.source();
  loc.file = src.path ? *src.path : fallback;
  loc.line = src.begin.line;
  loc.column = src.begin.column;
  return loc;
}

ConfigNode convert(const toml::node& node, const std::string& source_name) {
  Location loc = location_of(node, source_name);
  if (auto* t = node.as_table()) {
    ConfigNode out = ConfigNode::table(loc);
    for (const auto& [key, child] : *t) out.as_table().emplace(std::string(key.str()), convert(child, source_name));
    return out;
  }
  if (auto* a = node.as_array()) {
    ConfigNode::Array items;
    for (const auto& child : *a) items.push_back(convert(child, source_name));
    return ConfigNode(std::move(items), loc);
  }
  if (auto* v = node.as_string()) return ConfigNode(v->get(), loc);
  if (auto* v = node.as_integer()) return ConfigNode(v->get(), loc);
  if (auto* v = node.as_floating_point()) return ConfigNode(v->get(), loc);
  if (auto* v = node.as_boolean()) return ConfigNode(v->get(), loc);
  throw ConfigError(loc.str() + ": dates and times are not supported in experiment files");
}

ConfigNode load_with_bases(ConfigNode own, const fs::path& base_dir, std::vector<fs::path>& chain) {
  ConfigNode merged = ConfigNode::table(own.loc);
  if (const ConfigNode* base = own.find("base")) {
    std::vector<ConfigNode> names;
    if (base->is_string()) {
      names.push_back(*base);
    } else if (base->is_array()) {
      names = base->as_array();
    } else {
      throw ConfigError(base->loc.str() + ": 'base' must be a file name or an array of file names");
    }
    for (const auto& name : names) {
      if (!name.is_string()) throw ConfigError(name.loc.str() + ": 'base' entries must be strings");
      fs::path path = resolve_experiment_path(base_dir, name.as_string(), name.loc);
      if (const std::string problem = path_kind_problem(path, PathKind::File); !problem.empty()) {
        throw ConfigError(name.loc.str() + ": base file '" + path.string() + "' " + problem);
      }
      fs::path canonical = fs::weakly_canonical(path);
      if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
        throw ConfigError(name.loc.str() + ": base file '" + path.string() + "' includes itself");
      }
      chain.push_back(canonical);
      std::ifstream in(path);
      std::stringstream ss;
      ss << in.rdbuf();
      ConfigNode parsed = parse_toml(ss.str(), path.string());
      merge_into(merged, load_with_bases(std::move(parsed), path.parent_path(), chain));
      chain.pop_back();
    }
    own.as_table().erase("base");
  }
  merge_into(merged, std::move(own));
  return merged;
}

std::string read_file(const fs::path& file) {
  // A folder opens as a stream on Linux and reads as an empty document: say what it is.
  if (fs::is_directory(file)) throw ConfigError(file.string() + ": is a folder, not an experiment file");
  std::ifstream in(file);
  if (!in) throw ConfigError(file.string() + ": cannot open experiment file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

fs::path shared_experiments_dir() {
  // Found from the library itself, so pulab, the tests and any other host of libpulab agree:
  // <libdir>/../share/... (lib/) or <libdir>/../../share/... (lib/x86_64-linux-gnu/).
  const fs::path lib_dir = fs::path(boost::dll::this_line_location().string()).parent_path();
  for (const fs::path& candidate : {lib_dir / ".." / "share" / "pulab" / "experiments",
                                    lib_dir / ".." / ".." / "share" / "pulab" / "experiments"}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) return fs::canonical(candidate, ec);
  }
  return {};
}

fs::path resolve_experiment_path(const fs::path& dir, const std::string& name, const Location& loc) {
  static const std::string prefix = "pulab:";
  if (name.rfind(prefix, 0) != 0) return dir / name;
  const fs::path shared = shared_experiments_dir();
  if (shared.empty()) {
    throw ConfigError(loc.str() + ": '" + name + "' names pulab's shipped experiments, but this pulab has none installed "
                      "(share/pulab/experiments next to its library)");
  }
  return shared / name.substr(prefix.size());
}

ConfigNode parse_toml(const std::string& text, const std::string& source_name) {
  try {
    toml::table table = toml::parse(text, source_name);
    return convert(table, source_name);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    std::ostringstream msg;
    msg << source_name << ":" << src.begin.line << ":" << src.begin.column << ": " << e.description();
    throw ConfigError(msg.str());
  }
}

ConfigNode load_experiment_file(const fs::path& file) {
  std::vector<fs::path> chain{fs::weakly_canonical(file)};
  ConfigNode own = parse_toml(read_file(file), file.string());
  return load_with_bases(std::move(own), file.parent_path(), chain);
}

ConfigNode load_experiment_text(const std::string& text, const std::string& source_name, const fs::path& base_dir) {
  std::vector<fs::path> chain;
  return load_with_bases(parse_toml(text, source_name), base_dir, chain);
}

namespace {
void merge_nodes(ConfigNode& dst, ConfigNode src, bool is_root) {
  if (dst.is_table() && src.is_table()) {
    const ConfigNode* old_name = dst.find("name");
    const ConfigNode* new_name = src.find("name");
    // The root's `name` is the experiment's name, not a component choice.
    const bool component_switch = !is_root && old_name && new_name && old_name->is_string() &&
                                  new_name->is_string() && old_name->as_string() != new_name->as_string();
    if (!component_switch) {
      for (auto& [key, child] : src.as_table()) {
        auto it = dst.as_table().find(key);
        if (it == dst.as_table().end()) {
          dst.as_table().emplace(key, std::move(child));
        } else {
          merge_nodes(it->second, std::move(child), false);
        }
      }
      return;
    }
  }
  dst = std::move(src);
}
}  // namespace

void merge_into(ConfigNode& dst, ConfigNode src) { merge_nodes(dst, std::move(src), true); }

void set_path(ConfigNode& root, const std::string& dotted_key, ConfigNode value) {
  ConfigNode* node = &root;
  std::stringstream ss(dotted_key);
  std::string part;
  std::vector<std::string> parts;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  if (parts.empty()) throw ConfigError(value.loc.str() + ": empty key");
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].empty()) throw ConfigError(value.loc.str() + ": malformed key '" + dotted_key + "'");
    ConfigNode* child = node->find(parts[i]);
    if (!child) {
      child = &node->as_table().emplace(parts[i], ConfigNode::table(value.loc)).first->second;
    } else if (!child->is_table()) {
      throw ConfigError(value.loc.str() + ": '" + dotted_key + "': '" + parts[i] + "' is a " + child->type_name() +
                        ", not a table (set at " + child->loc.str() + ")");
    }
    node = child;
  }
  auto& table = node->as_table();
  auto it = table.find(parts.back());
  // Setting a component's `name` to another component switches it: its old keys go too.
  if (parts.size() > 1 && parts.back() == "name" && it != table.end() && it->second.is_string() &&
      value.is_string() && it->second.as_string() != value.as_string()) {
    Location table_loc = node->loc;
    *node = ConfigNode::table(table_loc);
    node->as_table().emplace("name", std::move(value));
    return;
  }
  if (it != table.end()) {
    merge_into(it->second, std::move(value));
  } else {
    table.emplace(parts.back(), std::move(value));
  }
}

void apply_override(ConfigNode& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  const std::string where = "--set " + assignment;
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError(where + ": expected key=value, e.g. --set train.epochs=5");
  }
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  ConfigNode value;
  try {
    ConfigNode doc = parse_toml("v = " + text, where);
    value = std::move(doc.as_table().at("v"));
  } catch (const ConfigError&) {
    value = ConfigNode(text, {});
  }
  // Point every node of the override at the command line, not at the scratch document.
  struct Relocate {
    Location loc;
    void operator()(ConfigNode& n) const {
      n.loc = loc;
      if (n.is_array())
        for (auto& c : std::get<ConfigNode::Array>(n.value)) (*this)(c);
      if (n.is_table())
        for (auto& [k, c] : n.as_table()) (*this)(c);
    }
  };
  Relocate{Location{where, 0, 0}}(value);
  set_path(root, key, std::move(value));
}

namespace {
void write_table(std::ostringstream& out, const ConfigNode& node, const std::string& prefix) {
  // Scalars and arrays first, then sub-tables as [prefix.key] sections.
  for (const auto& [key, child] : node.as_table()) {
    if (!child.is_table()) out << key << " = " << child.to_toml_value() << "\n";
  }
  for (const auto& [key, child] : node.as_table()) {
    if (!child.is_table()) continue;
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    bool has_scalars = false;
    for (const auto& [k, c] : child.as_table()) has_scalars |= !c.is_table();
    if (has_scalars || child.as_table().empty()) out << "\n[" << name << "]\n";
    write_table(out, child, name);
  }
}
}  // namespace

std::string to_toml_document(const ConfigNode& root) {
  std::ostringstream out;
  write_table(out, root, "");
  return out.str();
}

std::string closest_match(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::vector<std::size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= key.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (key[i - 1] == c[j - 1] ? 0 : 1)});
      }
      std::swap(prev, cur);
    }
    if (prev[c.size()] < best_distance) {
      best_distance = prev[c.size()];
      best = c;
    }
  }
  return best;
}

}  // namespace pulab
