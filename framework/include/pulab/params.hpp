#pragma once
// Parameter schemas and resolved parameter values of components.
//
// A component (risk, regularizer, model, ...) declares a Schema: its keys, their types,
// defaults, allowed ranges and one-line help. The host checks an experiment file against
// it and hands the component a Params object with every key filled in. Components read
// their Params once, in their constructor: nothing on the training path looks up strings.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pulab {

enum class ParamType { Bool, Int, Float, String, IntList, FloatList, StringList };

const char* to_string(ParamType type);

using ParamValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::int64_t>,
                                std::vector<double>, std::vector<std::string>>;

// One key of a schema.
struct ParamSpec {
  std::string key;
  ParamType type = ParamType::Float;
  ParamValue default_value;
  std::string help;
  std::optional<double> min;           // numbers and every element of number lists
  std::optional<double> max;
  std::vector<std::string> choices;    // strings: the allowed values, empty = any

  // Builder-style refinements: Schema{}.add(Param::real("alpha", 0.2, "...").range(0, 1e3))
  ParamSpec& range(double lo, double hi) { min = lo; max = hi; return *this; }
  ParamSpec& at_least(double lo) { min = lo; return *this; }
  ParamSpec& one_of(std::vector<std::string> allowed) { choices = std::move(allowed); return *this; }
};

// Factories for ParamSpec, one per type.
namespace param {
ParamSpec boolean(std::string key, bool def, std::string help);
ParamSpec integer(std::string key, std::int64_t def, std::string help);
ParamSpec real(std::string key, double def, std::string help);
ParamSpec text(std::string key, std::string def, std::string help);
ParamSpec integers(std::string key, std::vector<std::int64_t> def, std::string help);
ParamSpec reals(std::string key, std::vector<double> def, std::string help);
ParamSpec texts(std::string key, std::vector<std::string> def, std::string help);
}  // namespace param

// The keys a component accepts.
class Schema {
 public:
  Schema() = default;
  Schema(std::initializer_list<ParamSpec> specs);
  Schema& add(ParamSpec spec);
  const ParamSpec* find(const std::string& key) const;
  const std::vector<ParamSpec>& specs() const { return specs_; }

 private:
  std::vector<ParamSpec> specs_;
};

// Resolved values: every key of the schema, defaults filled in.
class Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, ParamValue> values) : values_(std::move(values)) {}

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  const ParamValue& at(const std::string& key) const;
  void set(const std::string& key, ParamValue value) { values_[key] = std::move(value); }

  bool boolean(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;
  double real(const std::string& key) const;  // accepts an Int too
  const std::string& text(const std::string& key) const;
  std::vector<std::int64_t> integers(const std::string& key) const;
  std::vector<double> reals(const std::string& key) const;  // accepts an IntList too
  const std::vector<std::string>& texts(const std::string& key) const;

  const std::map<std::string, ParamValue>& values() const { return values_; }

  // Params filled with every default of a schema.
  static Params defaults(const Schema& schema);

 private:
  std::map<std::string, ParamValue> values_;
};

// A value written the way TOML would write it: 0.2, "abs", [300, 300], true.
std::string format_param(const ParamValue& value);

}  // namespace pulab
