#include "pulab/params.hpp"

#include <cstdio>
#include <cstdlib>

#include "pulab/error.hpp"

namespace pulab {

const char* to_string(ParamType type) {
  switch (type) {
    case ParamType::Bool: return "bool";
    case ParamType::Int: return "integer";
    case ParamType::Float: return "float";
    case ParamType::String: return "string";
    case ParamType::IntList: return "array of integers";
    case ParamType::FloatList: return "array of floats";
    case ParamType::StringList: return "array of strings";
  }
  return "?";
}

namespace param {
namespace {
ParamSpec make(std::string key, ParamType type, ParamValue def, std::string help) {
  ParamSpec s;
  s.key = std::move(key);
  s.type = type;
  s.default_value = std::move(def);
  s.help = std::move(help);
  return s;
}
}  // namespace
ParamSpec boolean(std::string key, bool def, std::string help) {
  return make(std::move(key), ParamType::Bool, def, std::move(help));
}
ParamSpec integer(std::string key, std::int64_t def, std::string help) {
  return make(std::move(key), ParamType::Int, def, std::move(help));
}
ParamSpec real(std::string key, double def, std::string help) {
  return make(std::move(key), ParamType::Float, def, std::move(help));
}
ParamSpec text(std::string key, std::string def, std::string help) {
  return make(std::move(key), ParamType::String, std::move(def), std::move(help));
}
ParamSpec integers(std::string key, std::vector<std::int64_t> def, std::string help) {
  return make(std::move(key), ParamType::IntList, std::move(def), std::move(help));
}
ParamSpec reals(std::string key, std::vector<double> def, std::string help) {
  return make(std::move(key), ParamType::FloatList, std::move(def), std::move(help));
}
ParamSpec texts(std::string key, std::vector<std::string> def, std::string help) {
  return make(std::move(key), ParamType::StringList, std::move(def), std::move(help));
}
}  // namespace param

Schema::Schema(std::initializer_list<ParamSpec> specs) {
  for (const auto& s : specs) add(s);
}

Schema& Schema::add(ParamSpec spec) {
  if (find(spec.key)) throw Error("schema declares key '" + spec.key + "' twice");
  specs_.push_back(std::move(spec));
  return *this;
}

const ParamSpec* Schema::find(const std::string& key) const {
  for (const auto& s : specs_)
    if (s.key == key) return &s;
  return nullptr;
}

const ParamValue& Params::at(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw Error("parameter '" + key + "' is not set");
  return it->second;
}

namespace {
template <class T>
const T& typed(const Params& p, const std::string& key, const char* want) {
  const auto& v = p.at(key);
  if (const T* t = std::get_if<T>(&v)) return *t;
  throw Error("parameter '" + key + "' is not a " + want);
}
}  // namespace

bool Params::boolean(const std::string& key) const { return typed<bool>(*this, key, "bool"); }
std::int64_t Params::integer(const std::string& key) const {
  return typed<std::int64_t>(*this, key, "integer");
}
double Params::real(const std::string& key) const {
  const auto& v = at(key);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return double(*i);
  return typed<double>(*this, key, "float");
}
const std::string& Params::text(const std::string& key) const {
  return typed<std::string>(*this, key, "string");
}
std::vector<std::int64_t> Params::integers(const std::string& key) const {
  return typed<std::vector<std::int64_t>>(*this, key, "array of integers");
}
std::vector<double> Params::reals(const std::string& key) const {
  const auto& v = at(key);
  if (const auto* i = std::get_if<std::vector<std::int64_t>>(&v)) return {i->begin(), i->end()};
  return typed<std::vector<double>>(*this, key, "array of floats");
}
const std::vector<std::string>& Params::texts(const std::string& key) const {
  return typed<std::vector<std::string>>(*this, key, "array of strings");
}

Params Params::defaults(const Schema& schema) {
  Params p;
  for (const auto& s : schema.specs()) p.set(s.key, s.default_value);
  return p;
}

namespace {
// The shortest text that reads back as the same double: 4e-05, not 4.0000000000000003e-05.
std::string format_double(double d) {
  char buffer[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, d);
    if (std::strtod(buffer, nullptr) == d) break;
  }
  std::string s = buffer;
  // Keep a float recognisable as a float when written back to TOML.
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
template <class T, class F>
std::string list(const std::vector<T>& v, F f) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + f(v[i]);
  return out + "]";
}
}  // namespace

std::string format_param(const ParamValue& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return format_double(d); }
    std::string operator()(const std::string& s) const { return quote(s); }
    std::string operator()(const std::vector<std::int64_t>& v) const {
      return list(v, [](std::int64_t i) { return std::to_string(i); });
    }
    std::string operator()(const std::vector<double>& v) const { return list(v, format_double); }
    std::string operator()(const std::vector<std::string>& v) const { return list(v, quote); }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace pulab
