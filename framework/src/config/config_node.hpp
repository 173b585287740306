#pragma once
// A configuration tree that remembers where every value came from (file:line:column).
//
// toml++ keeps source regions on parsed nodes but drops them on copy; experiments are merged,
// overridden and expanded into many runs, so pulab converts TOML into this small tree once
// and keeps locations through every step. No LibTorch here.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace pulab {

struct Location {
  std::string file;  // a path, or a description such as "--set train.epochs=5"
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string str() const;  // "file:line:column", or "file" when no line is known
};

class ConfigNode {
 public:
  using Array = std::vector<ConfigNode>;
  using Table = std::map<std::string, ConfigNode>;
  using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Table>;

  ConfigNode() = default;
  ConfigNode(Value v, Location l) : value(std::move(v)), loc(std::move(l)) {}
  static ConfigNode table(Location l = {}) { return ConfigNode(Table{}, std::move(l)); }

  Value value;
  Location loc;

  bool is_table() const { return std::holds_alternative<Table>(value); }
  bool is_array() const { return std::holds_alternative<Array>(value); }
  bool is_string() const { return std::holds_alternative<std::string>(value); }
  Table& as_table() { return std::get<Table>(value); }
  const Table& as_table() const { return std::get<Table>(value); }
  const Array& as_array() const { return std::get<Array>(value); }
  const std::string& as_string() const { return std::get<std::string>(value); }

  // Child of a table, or nullptr.
  const ConfigNode* find(const std::string& key) const;
  ConfigNode* find(const std::string& key);

  // "integer", "float", "string", "table", ...
  std::string type_name() const;
  // The value written as TOML (scalars and arrays; tables inline).
  std::string to_toml_value() const;
};

// The folder of the experiment files shipped with pulab (experiments/base, experiments/methods):
// <prefix>/share/pulab/experiments next to the installed library, or the build tree's mirror of
// it. Empty when there is none.
std::filesystem::path shared_experiments_dir();

// A file named by `base` or `compose`: relative to `dir` (the folder of the file that names it),
// or, written "pulab:base/mnist.toml", in shared_experiments_dir(). Throws ConfigError (at `loc`)
// when a "pulab:" name has no installed experiments to point to.
std::filesystem::path resolve_experiment_path(const std::filesystem::path& dir, const std::string& name,
                                              const Location& loc);

// Parses TOML text; errors carry `source_name:line:column`.
ConfigNode parse_toml(const std::string& text, const std::string& source_name);

// Loads an experiment file and the `base` files it names (paths relative to the file that names
// them), deep-merged in order: bases first, then the file itself. `base` is removed.
ConfigNode load_experiment_file(const std::filesystem::path& file);
// The same for text held in memory (the embedded default experiment); relative bases resolve
// against `base_dir`.
ConfigNode load_experiment_text(const std::string& text, const std::string& source_name,
                                const std::filesystem::path& base_dir);

// Deep merge: tables merge key by key, everything else (arrays included) is replaced by `src`.
// A component table whose `name` changes is replaced whole, so a delta that switches
// `risk.name` from naive to nnpu does not inherit the old risk's keys. (The root table's `name`
// is the experiment's name and does not count.)
void merge_into(ConfigNode& dst, ConfigNode src);

// Sets a dotted key ("train.epochs") to a node, creating tables on the way. Setting a
// component's name to a new one (`risk.name`) replaces the component's table, as merging does.
void set_path(ConfigNode& root, const std::string& dotted_key, ConfigNode value);

// Applies one `--set key=value` override; the value is read as TOML, and as a plain string when
// it is not valid TOML (so `--set risk.name=nnpu` works without quotes).
void apply_override(ConfigNode& root, const std::string& assignment);

// The whole tree written as a TOML document.
std::string to_toml_document(const ConfigNode& root);

// Levenshtein-closest candidate within a small distance, or "".
std::string closest_match(const std::string& key, const std::vector<std::string>& candidates);

}  // namespace pulab
