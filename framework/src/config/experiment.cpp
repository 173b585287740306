#include "config/experiment.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "path_kind.hpp"
#include "pulab/error.hpp"

namespace pulab {
namespace fs = std::filesystem;

const Schema& top_level_schema() {
  static const Schema schema{
      param::text("name", "experiment", "experiment name; also the default output folder results/<name>"),
      param::text("output_dir", "", "where results go (default results/<name>), relative to the working folder"),
      param::text("data_dir", "", "where data sets live (default $PULAB_DATA, else ./data)"),
      param::text("run_id", "", "folder name of this run inside output_dir (default: from the sweep values, or 'run')"),
  };
  return schema;
}

const Schema& train_schema() {
  static const Schema schema{
      param::integer("epochs", 100, "passes over P u U").at_least(1),
      param::integer("batch_size", 250, "mini-batch size over P u U (Algorithm 1)").at_least(1),
      param::real("lr", 1e-4, "initial learning rate of Adam").range(0, 10),
      param::real("weight_decay", 5e-4, "L2 weight decay (Adam's coupled form, as torch.optim.Adam)").range(0, 10),
      param::real("adam_beta1", 0.9, "Adam beta1").range(0, 1),
      param::real("adam_beta2", 0.999, "Adam beta2").range(0, 1),
      param::text("lr_schedule", "linear", "learning-rate decay over all iterations (step: x lr_step_factor every lr_step_epochs)")
          .one_of({"constant", "linear", "cosine", "step"}),
      param::real("lr_final_factor", 0.1, "final learning rate as a fraction of lr (linear, cosine)").range(0, 1),
      param::integer("lr_step_epochs", 20, "step schedule: epochs between two decays").at_least(1),
      param::real("lr_step_factor", 0.5, "step schedule: the factor of each decay").range(0, 1),
      param::integer("seed", 0, "seed of the split, the initialisation and the batches").at_least(0),
      param::integer("threads", 0, "intra-op threads (0 = all cores, split between parallel runs)").at_least(0),
      param::text("device", "cpu", "cpu or cuda").one_of({"cpu", "cuda"}),
      param::integer("eval_batch_size", 10000, "batch size of evaluation passes").at_least(1),
      param::text("precision", "float32",
                  "float32, or bfloat16: training forward passes under autocast (opt-in; docs/performance.md)")
          .one_of({"float32", "bfloat16"}),
      param::integer("early_stopping_patience", 0,
                     "stop once the monitored validation criterion has not improved for this many epochs (0 = off)")
          .at_least(0),
      param::text("early_stopping_monitor", "val_accuracy",
                  "what early stopping watches: val_accuracy (oracle) or a PU-only criterion (docs/reporting.md)")
          .one_of({"val_accuracy", "pu_auc", "pa", "lee_liu", "pu_risk"}),
  };
  return schema;
}

const Schema& report_schema() {
  static const Schema schema{
      param::text("row", "", "this experiment's row label in `pulab report` tables (default: the composed method)"),
      param::text("column", "", "its column label (default: the experiment name)"),
  };
  return schema;
}

const Schema& split_schema() {
  static const Schema schema{
      param::integers("positive_classes", {}, "classes that form the positive class (empty = the data set's default)")
          .at_least(0),
      param::integer("n_labeled", 1000, "number of labeled positives n_p").at_least(1),
      param::real("label_frequency", 0.0,
                  "instead of n_labeled: the fraction c in (0, 1] of the pool's positives that are labeled "
                  "(n_p = floor(c * positives of the pool)); absent = n_labeled decides"),
      param::integer("n_validation", 500, "validation instances taken from the training set").at_least(0),
      param::text("scenario", "single", "single: U excludes the labeled positives; case_control: U is the whole pool")
          .one_of({"single", "case_control"}),
      param::real("prior", -1.0,
                  "class prior pi given to the methods, in (0, 1); negative = the true prior of U; \"estimate\" = "
                  "the [prior_estimator]'s estimate")
          .range(-1, 1),
  };
  return schema;
}

const Schema& prior_estimator_schema() {
  static const Schema schema{
      param::integer("folds", 5, "cross-fitting folds of the P-vs-U classifier (each sample is scored by a "
                                 "classifier trained on the other folds)")
          .range(2, 20),
      param::integer("classifier_epochs", 5, "epochs of the P-vs-U classifier (passes over its P and U)")
          .at_least(1),
      param::integer("classifier_batch_size", 512, "batch size of the P-vs-U classifier (drawn from P and U together)").at_least(2),
      param::real("classifier_lr", 1e-3, "Adam learning rate of the P-vs-U classifier").range(1e-8, 1),
      param::text("out_of_range", "clip", "an estimate outside [min_prior, max_prior]: clip it (with a warning) "
                                          "or fail the run")
          .one_of({"clip", "fail"}),
      param::real("min_prior", 0.01, "smallest prior handed to the methods").range(1e-6, 0.5),
      param::real("max_prior", 0.99, "largest prior handed to the methods").range(0.5, 1 - 1e-6),
  };
  return schema;
}

namespace {

std::vector<std::string> keys_of(const Schema& schema) {
  std::vector<std::string> keys;
  for (const auto& s : schema.specs()) keys.push_back(s.key);
  return keys;
}

std::string did_you_mean(const std::string& key, const std::vector<std::string>& candidates) {
  std::string m = closest_match(key, candidates);
  return m.empty() ? "" : " (did you mean '" + m + "'?)";
}

double as_number(const ConfigNode& n) {
  if (auto* i = std::get_if<std::int64_t>(&n.value)) return double(*i);
  return std::get<double>(n.value);
}

bool is_number(const ConfigNode& n) {
  return std::holds_alternative<std::int64_t>(n.value) || std::holds_alternative<double>(n.value);
}

void check_range(const ConfigNode& n, const ParamSpec& spec, const std::string& where) {
  const double v = as_number(n);
  if (!std::isfinite(v)) throw ConfigError(n.loc.str() + ": " + where + " must be a finite number");
  if ((spec.min && v < *spec.min) || (spec.max && v > *spec.max)) {
    std::ostringstream msg;
    msg << n.loc.str() << ": " << where << " = " << n.to_toml_value() << " is out of range";
    if (spec.min && spec.max) {
      msg << " [" << *spec.min << ", " << *spec.max << "]";
    } else if (spec.min) {
      msg << " (must be >= " << *spec.min << ")";
    } else {
      msg << " (must be <= " << *spec.max << ")";
    }
    throw ConfigError(msg.str());
  }
}

[[noreturn]] void type_error(const ConfigNode& n, const ParamSpec& spec, const std::string& where) {
  throw ConfigError(n.loc.str() + ": " + where + " must be a " + to_string(spec.type) + ", not a " + n.type_name() +
                    " (" + n.to_toml_value() + ")");
}

ParamValue convert_value(const ConfigNode& n, const ParamSpec& spec, const std::string& where) {
  switch (spec.type) {
    case ParamType::Bool:
      if (auto* b = std::get_if<bool>(&n.value)) return *b;
      type_error(n, spec, where);
    case ParamType::Int:
      if (auto* i = std::get_if<std::int64_t>(&n.value)) {
        check_range(n, spec, where);
        return *i;
      }
      type_error(n, spec, where);
    case ParamType::Float:
      if (is_number(n)) {
        check_range(n, spec, where);
        return as_number(n);
      }
      type_error(n, spec, where);
    case ParamType::String:
      if (n.is_string()) {
        if (!spec.choices.empty() &&
            std::find(spec.choices.begin(), spec.choices.end(), n.as_string()) == spec.choices.end()) {
          std::string allowed;
          for (const auto& c : spec.choices) allowed += (allowed.empty() ? "" : ", ") + c;
          throw ConfigError(n.loc.str() + ": " + where + " = \"" + n.as_string() + "\" is not allowed (one of: " +
                            allowed + ")" + did_you_mean(n.as_string(), spec.choices));
        }
        return n.as_string();
      }
      type_error(n, spec, where);
    case ParamType::IntList:
    case ParamType::FloatList:
    case ParamType::StringList: {
      if (!n.is_array()) type_error(n, spec, where);
      std::vector<std::int64_t> ints;
      std::vector<double> reals;
      std::vector<std::string> texts;
      for (const auto& item : n.as_array()) {
        const std::string item_where = where + " element";
        if (spec.type == ParamType::IntList) {
          if (!std::holds_alternative<std::int64_t>(item.value)) type_error(item, spec, item_where);
          check_range(item, spec, item_where);
          ints.push_back(std::get<std::int64_t>(item.value));
        } else if (spec.type == ParamType::FloatList) {
          if (!is_number(item)) type_error(item, spec, item_where);
          check_range(item, spec, item_where);
          reals.push_back(as_number(item));
        } else {
          if (!item.is_string()) type_error(item, spec, item_where);
          texts.push_back(item.as_string());
        }
      }
      if (spec.type == ParamType::IntList) return ints;
      if (spec.type == ParamType::FloatList) return reals;
      return texts;
    }
  }
  type_error(n, spec, where);
}

struct ParamToNode {
  const Location& loc;
  ConfigNode operator()(bool b) const { return ConfigNode(b, loc); }
  ConfigNode operator()(std::int64_t i) const { return ConfigNode(i, loc); }
  ConfigNode operator()(double d) const { return ConfigNode(d, loc); }
  ConfigNode operator()(const std::string& s) const { return ConfigNode(s, loc); }
  template <class T>
  ConfigNode operator()(const std::vector<T>& v) const {
    ConfigNode::Array a;
    for (const auto& x : v) a.push_back((*this)(x));
    return ConfigNode(std::move(a), loc);
  }
};

ConfigNode to_node(const ParamValue& v, const Location& loc) { return std::visit(ParamToNode{loc}, v); }

ConfigNode params_to_node(const Params& params, const std::string& name) {
  ConfigNode table = ConfigNode::table();
  if (!name.empty()) table.as_table().emplace("name", ConfigNode(name, {}));
  for (const auto& [k, v] : params.values()) table.as_table().emplace(k, to_node(v, {}));
  return table;
}

const ConfigNode& require_table(const ConfigNode& root, const std::string& key) {
  const ConfigNode* n = root.find(key);
  if (!n) throw ConfigError(root.loc.str() + ": the experiment has no [" + key + "] table");
  if (!n->is_table()) throw ConfigError(n->loc.str() + ": '" + key + "' must be a table, not a " + n->type_name());
  return *n;
}

template <class Interface>
ComponentConfig resolve_component(const ConfigNode& table, const std::string& table_name,
                                  const Registry<Interface>& registry, const std::string& fixed_name = "",
                                  const std::vector<std::string>& ignored_keys = {}) {
  std::string name = fixed_name;
  Location name_loc = table.loc;
  if (name.empty()) {
    const ConfigNode* n = table.find("name");
    if (!n) {
      std::string available;
      for (const auto& c : registry.names()) available += (available.empty() ? "" : ", ") + c;
      throw ConfigError(table.loc.str() + ": [" + table_name + "] needs a 'name' (available " + kind_name<Interface>() +
                        "s: " + available + ")");
    }
    if (!n->is_string()) throw ConfigError(n->loc.str() + ": " + table_name + ".name must be a string");
    name = n->as_string();
    name_loc = n->loc;
  }
  const auto* component = registry.find(name);
  if (!component) {
    std::string available;
    for (const auto& c : registry.names()) available += (available.empty() ? "" : ", ") + c;
    throw ConfigError(name_loc.str() + ": unknown " + kind_name<Interface>() + " '" + name + "'" +
                      did_you_mean(name, registry.names()) + "; loaded " + kind_name<Interface>() +
                      "s: " + (available.empty() ? "none" : available) +
                      " (see `pulab plugins`; --plugin-dir adds plugin folders)");
  }
  std::vector<std::string> ignored = ignored_keys;
  if (fixed_name.empty()) ignored.push_back("name");
  return {name, check_against_schema(table, component->schema, table_name + " (" + name + ")", ignored)};
}

// Tables keyed by component name, [regularizer.<name>] and [hook.<name>]: zero or more, each
// with an optional `enabled = false` that leaves it out (so a composition's part can be switched off).
template <class Interface>
std::vector<ComponentConfig> resolve_keyed_components(const ConfigNode& root, const std::string& key,
                                                      const Registry<Interface>& registry) {
  std::vector<ComponentConfig> out;
  const ConfigNode* tables = root.find(key);
  if (!tables) return out;
  if (!tables->is_table()) {
    throw ConfigError(tables->loc.str() + ": '" + key + "' must hold tables such as [" + key + ".<name>]");
  }
  for (const auto& [name, table] : tables->as_table()) {
    if (!table.is_table()) {
      throw ConfigError(table.loc.str() + ": " + key + "." + name + " must be a table ([" + key + "." + name + "])");
    }
    bool enabled = true;
    if (const ConfigNode* e = table.find("enabled")) {
      if (!std::holds_alternative<bool>(e->value)) {
        throw ConfigError(e->loc.str() + ": " + key + "." + name + ".enabled must be a bool");
      }
      enabled = std::get<bool>(e->value);
    }
    auto component = resolve_component(table, key + "." + name, registry, name, {"enabled"});
    if (enabled) out.push_back(std::move(component));
  }
  return out;
}

// [augmentation.<role>] tables: each names its component (name = "..."); the role is what a
// component asks the run for. An `enabled = false` leaves one out, as for regularizers and hooks.
std::vector<std::pair<std::string, ComponentConfig>> resolve_augmentations(const ConfigNode& root,
                                                                           const Registry<Augmentation>& registry) {
  std::vector<std::pair<std::string, ComponentConfig>> out;
  const ConfigNode* tables = root.find("augmentation");
  if (!tables) return out;
  if (!tables->is_table()) {
    throw ConfigError(tables->loc.str() + ": 'augmentation' must hold tables such as [augmentation.strong] "
                      "name = \"image\"");
  }
  for (const auto& [role, table] : tables->as_table()) {
    if (!table.is_table()) {
      throw ConfigError(table.loc.str() + ": augmentation." + role + " must be a table ([augmentation." + role +
                        "] with name = \"...\")");
    }
    bool enabled = true;
    if (const ConfigNode* e = table.find("enabled")) {
      if (!std::holds_alternative<bool>(e->value)) {
        throw ConfigError(e->loc.str() + ": augmentation." + role + ".enabled must be a bool");
      }
      enabled = std::get<bool>(e->value);
    }
    auto component = resolve_component(table, "augmentation." + role, registry, "", {"enabled"});
    if (enabled) out.emplace_back(role, std::move(component));
  }
  return out;
}

// A sweep value as it appears in run ids: strings bare, arrays joined with 'x' ([300, 300] -> 300x300).
std::string label_value(const ConfigNode& n) {
  if (n.is_string()) return n.as_string();
  if (n.is_array()) {
    std::string out;
    for (const auto& item : n.as_array()) out += (out.empty() ? "" : "x") + label_value(item);
    return out;
  }
  return n.to_toml_value();
}

std::string sanitize(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') {
      out += c;
    } else if (c == '/' || c == ' ' || c == ',') {
      out += '_';
    }
  }
  return out.empty() ? "x" : out;
}

}  // namespace

Params check_against_schema(const ConfigNode& table, const Schema& schema, const std::string& table_name,
                            const std::vector<std::string>& ignored_keys) {
  Params params = Params::defaults(schema);
  for (const auto& [key, node] : table.as_table()) {
    if (std::find(ignored_keys.begin(), ignored_keys.end(), key) != ignored_keys.end()) continue;
    const ParamSpec* spec = schema.find(key);
    if (!spec) {
      std::vector<std::string> candidates = keys_of(schema);
      std::string known;
      for (const auto& k : candidates) known += (known.empty() ? "" : ", ") + k;
      throw ConfigError(node.loc.str() + ": unknown key '" + key + "' in [" + table_name + "]" +
                        did_you_mean(key, candidates) + (known.empty() ? "; it takes no keys" : "; known keys: " + known));
    }
    params.set(key, convert_value(node, *spec, table_name + "." + key));
  }
  return params;
}

namespace {

// One key axis of a sweep (the compose axis is kept apart: it comes first and decides which
// scoped axes apply). A scoped axis ("nnpu:risk.beta") applies only to the runs of the composed
// file with that stem, so a key that only one composition's component has can be swept.
struct Axis {
  std::string key;    // the dotted key the axis sets
  std::string scope;  // "" = every run; else the stem of the composed file it applies to
  std::string label;  // the run-id prefix of its values
  std::vector<ConfigNode> values;
};

bool is_plain_folder_name(const std::string& id) {
  if (id.empty() || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

// The number of runs of `axes`, or `limit + 1` as soon as it is known to exceed `limit` (so a huge
// product is refused before anything is allocated, and nothing overflows).
std::uint64_t capped_product(const std::vector<const Axis*>& axes, std::uint64_t limit) {
  std::uint64_t n = 1;
  for (const Axis* a : axes) {
    n *= a->values.size();
    if (n > limit) return limit + 1;
  }
  return n;
}

// The exact size of a product for messages; a double, since it may not fit 64 bits.
double product_size(const std::vector<const Axis*>& axes) {
  double n = 1;
  for (const Axis* a : axes) n *= double(a->values.size());
  return n;
}

}  // namespace

std::vector<RunConfig> expand_sweep(const ConfigNode& experiment, const std::vector<std::string>& overrides) {
  ConfigNode base = experiment;
  std::vector<ConfigNode> compose;  // the composed files: empty = no compose axis
  std::vector<Axis> axes;           // the key axes, in name order
  Location sweep_loc = experiment.loc;
  if (ConfigNode* sweep = base.find("sweep")) {
    if (!sweep->is_table()) throw ConfigError(sweep->loc.str() + ": [sweep] must be a table");
    sweep_loc = sweep->loc;
    if (const ConfigNode* files = sweep->find("compose")) {
      // `compose = []` removes a compose axis that a base file set.
      if (!files->is_array()) {
        throw ConfigError(files->loc.str() + ": sweep.compose must be an array of file names ([] for none)");
      }
      for (const auto& v : files->as_array()) {
        if (!v.is_string()) throw ConfigError(v.loc.str() + ": sweep.compose entries must be file names");
      }
      compose = files->as_array();
    }
    std::vector<std::string> stems;
    for (const auto& v : compose) stems.push_back(fs::path(v.as_string()).stem().string());
    for (const auto& [name, values] : sweep->as_table()) {
      if (name == "compose") continue;
      Axis axis;
      axis.key = name;
      if (const auto colon = name.find(':'); colon != std::string::npos) {
        axis.scope = name.substr(0, colon);
        axis.key = name.substr(colon + 1);
        if (compose.empty()) {
          throw ConfigError(values.loc.str() + ": sweep key '" + name + "' applies to the composed file '" +
                            axis.scope + "', but the sweep has no compose axis");
        }
        if (std::find(stems.begin(), stems.end(), axis.scope) == stems.end()) {
          std::string known;
          for (const auto& s : stems) known += (known.empty() ? "" : ", ") + s;
          throw ConfigError(values.loc.str() + ": sweep key '" + name + "': no composed file has the stem '" +
                            axis.scope + "'" + did_you_mean(axis.scope, stems) + " (composed: " + known + ")");
        }
      }
      if (axis.key.find('.') == std::string::npos) {
        throw ConfigError(values.loc.str() + ": sweep key '" + name +
                          "' must be a dotted key such as \"train.seed\" (or 'compose' for files, or "
                          "\"<compose-file-stem>:key\" for a key of one composition)");
      }
      if (!values.is_array() || values.as_array().empty()) {
        throw ConfigError(values.loc.str() + ": sweep." + name + " must be a non-empty array of values");
      }
      axis.values = values.as_array();
      axes.push_back(std::move(axis));
    }
    base.as_table().erase("sweep");
  }

  // Labels: the last part of the key, unless two axes share it.
  for (auto& a : axes) a.label = a.key.substr(a.key.rfind('.') + 1);
  for (auto& a : axes) {
    for (const auto& b : axes) {
      if (&a != &b && a.key.substr(a.key.rfind('.') + 1) == b.key.substr(b.key.rfind('.') + 1)) a.label = a.key;
    }
  }

  // The runs of each composed file (or of the one experiment): the product of the axes that apply.
  // Counted first: a product of millions would otherwise exhaust the memory before any check.
  const std::size_t groups = std::max<std::size_t>(1, compose.size());
  std::vector<std::vector<const Axis*>> applicable(groups);
  for (std::size_t g = 0; g < groups; ++g) {
    const std::string stem = compose.empty() ? "" : fs::path(compose[g].as_string()).stem().string();
    for (const auto& a : axes)
      if (a.scope.empty() || a.scope == stem) applicable[g].push_back(&a);
  }
  std::uint64_t total = 0;
  double exact_total = 0;
  for (const auto& group : applicable) {
    total += capped_product(group, kMaxSweepRuns);
    exact_total += product_size(group);
  }
  if (total > kMaxSweepRuns) {
    std::string shape;
    for (const auto& group : applicable) {
      std::string factors;
      for (const Axis* a : group) factors += (factors.empty() ? "" : " x ") + std::to_string(a->values.size());
      shape += (shape.empty() ? "" : " + ") + (factors.empty() ? std::string("1") : factors);
    }
    std::ostringstream count;
    count.precision(exact_total < 1e15 ? 15 : 3);
    count << exact_total;
    throw ConfigError(sweep_loc.str() + ": the [sweep] expands to " + count.str() + " runs (" + shape +
                      "), more than the limit of " + std::to_string(kMaxSweepRuns) +
                      " runs per experiment; split it into several experiment files");
  }

  const ConfigNode* fixed = base.find("run_id");
  if (fixed && fixed->is_string()) {
    if (total > 1) throw ConfigError(fixed->loc.str() + ": run_id cannot be set in an experiment with a [sweep]");
    // The run's folder is output_dir/run_id: anything but a plain name would write elsewhere.
    if (!is_plain_folder_name(fixed->as_string())) {
      throw ConfigError(fixed->loc.str() + ": run_id = \"" + fixed->as_string() +
                        "\" is not a plain folder name (letters, digits, '.', '-' and '_'; not empty, '.' or '..')");
    }
  }

  std::vector<RunConfig> runs;
  runs.reserve(static_cast<std::size_t>(total));
  for (std::size_t g = 0; g < groups; ++g) {
    const auto& group = applicable[g];
    ConfigNode composed = base;
    std::string compose_label;
    if (!compose.empty()) {
      const ConfigNode& v = compose[g];
      const fs::path file = resolve_experiment_path(fs::path(v.loc.file).parent_path(), v.as_string(), v.loc);
      if (const std::string problem = path_kind_problem(file, PathKind::File); !problem.empty()) {
        throw ConfigError(v.loc.str() + ": composed file '" + file.string() + "' " + problem);
      }
      merge_into(composed, load_experiment_file(file));
      // --set overrides every file, the composed ones included (docs/experiment-format.md); keys
      // of the sweep itself were set before the expansion.
      for (const auto& o : overrides) {
        if (o.rfind("sweep.", 0) != 0 && o.rfind("sweep=", 0) != 0) apply_override(composed, o);
      }
      compose_label = fs::path(v.as_string()).stem().string();
    }
    const std::uint64_t count = capped_product(group, kMaxSweepRuns);
    for (std::uint64_t index = 0; index < count; ++index) {
      RunConfig run;
      run.config = composed;
      std::string id;
      if (!compose.empty()) {
        run.sweep_values.emplace_back("compose", compose_label);
        id = sanitize(compose_label);
      }
      std::uint64_t rest = index;
      std::vector<std::size_t> pick(group.size());
      for (std::size_t a = group.size(); a-- > 0;) {
        pick[a] = rest % group[a]->values.size();
        rest /= group[a]->values.size();
      }
      for (std::size_t a = 0; a < group.size(); ++a) {
        const ConfigNode& v = group[a]->values[pick[a]];
        set_path(run.config, group[a]->key, v);
        run.sweep_values.emplace_back(group[a]->key, label_value(v));
        id += (id.empty() ? "" : "_") + sanitize(group[a]->label + "-" + label_value(v));
      }
      run.run_id = id.empty() ? "run" : id;
      if (fixed && fixed->is_string()) run.run_id = fixed->as_string();
      if (!is_plain_folder_name(run.run_id)) {
        throw ConfigError(sweep_loc.str() + ": the sweep makes the run id '" + run.run_id +
                          "', which is not a plain folder name; rename the composed file");
      }
      runs.push_back(std::move(run));
    }
  }
  std::set<std::string> ids;
  for (const auto& r : runs) {
    if (!ids.insert(r.run_id).second) {
      throw ConfigError(experiment.loc.str() + ": two runs of the sweep share the id '" + r.run_id + "'");
    }
  }
  return runs;
}

namespace {

// [prior_estimator]: the component's keys against its schema, the host's against
// prior_estimator_schema(). Returns the host's keys (empty Params when the table is absent).
Params resolve_prior_estimation(const ConfigNode& root, RunSpec& spec, const Registries& registries) {
  const ConfigNode* table = root.find("prior_estimator");
  if (!table) {
    if (spec.split.estimate_prior) {
      const ConfigNode* split = root.find("split");
      const ConfigNode* prior = split ? split->find("prior") : nullptr;
      throw ConfigError((prior ? prior->loc : root.loc).str() +
                        ": split.prior = \"estimate\" needs a [prior_estimator] table naming the estimator, e.g. "
                        "[prior_estimator] name = \"bbe\" (see `pulab plugins`)");
    }
    return Params();
  }
  if (!table->is_table()) throw ConfigError(table->loc.str() + ": 'prior_estimator' must be a table");
  const std::vector<std::string> host_keys = keys_of(prior_estimator_schema());
  spec.prior_estimation.estimator =
      resolve_component(*table, "prior_estimator", registries.prior_estimators, "", host_keys);
  std::vector<std::string> component_keys = {"name"};
  for (const auto& [k, v] : spec.prior_estimation.estimator.params.values()) component_keys.push_back(k);
  const Params host = check_against_schema(*table, prior_estimator_schema(), "prior_estimator", component_keys);
  auto& e = spec.prior_estimation;
  e.folds = host.integer("folds");
  e.classifier_epochs = host.integer("classifier_epochs");
  e.classifier_batch_size = host.integer("classifier_batch_size");
  e.classifier_lr = host.real("classifier_lr");
  e.out_of_range = host.text("out_of_range");
  e.min_prior = host.real("min_prior");
  e.max_prior = host.real("max_prior");
  return host;
}

}  // namespace

RunSpec resolve_run(const RunConfig& run, const Registries& registries) {
  const ConfigNode& root = run.config;
  static const std::vector<std::string> host_tables{"dataset", "labeling", "model", "risk", "weighting",
                                                    "regularizer", "hook", "sampler", "split", "train",
                                                    "report", "sweep", "prior_estimator", "augmentation"};
  // Unknown top-level keys and tables.
  std::vector<std::string> top_keys = keys_of(top_level_schema());
  std::vector<std::string> allowed = top_keys;
  allowed.insert(allowed.end(), host_tables.begin(), host_tables.end());
  ConfigNode top = ConfigNode::table(root.loc);
  for (const auto& [key, node] : root.as_table()) {
    if (std::find(host_tables.begin(), host_tables.end(), key) != host_tables.end()) continue;
    if (std::find(top_keys.begin(), top_keys.end(), key) == top_keys.end()) {
      throw ConfigError(node.loc.str() + ": unknown top-level key '" + key + "'" + did_you_mean(key, allowed) +
                        "; known: name, output_dir, data_dir, run_id and the tables dataset, labeling, model, "
                        "risk, weighting, regularizer.<name>, hook.<name>, sampler, split, train, report, sweep, "
                        "prior_estimator, augmentation.<role>");
    }
    top.as_table().emplace(key, node);
  }
  RunSpec spec;
  const Params top_params = check_against_schema(top, top_level_schema(), "top level");
  spec.experiment = top_params.text("name");
  spec.run_id = run.run_id;
  spec.sweep_values = run.sweep_values;
  spec.output_dir = top_params.text("output_dir").empty() ? fs::path("results") / spec.experiment
                                                           : fs::path(top_params.text("output_dir"));
  // Results and data go into folders: an existing file of that name is a mistake caught now, not
  // as a file-system exception after training.
  for (const char* key : {"output_dir", "data_dir"}) {
    const ConfigNode* node = root.find(key);
    if (!node || !node->is_string() || node->as_string().empty()) continue;
    if (const std::string problem = path_kind_problem(node->as_string(), PathKind::Folder, false); !problem.empty()) {
      throw ConfigError(node->loc.str() + ": " + key + " = \"" + node->as_string() + "\" " + problem);
    }
  }
  if (!top_params.text("data_dir").empty()) {
    spec.data_dir = top_params.text("data_dir");
  } else if (const char* env = std::getenv("PULAB_DATA"); env && *env) {
    spec.data_dir = env;
  } else {
    spec.data_dir = "data";
  }

  spec.dataset = resolve_component(require_table(root, "dataset"), "dataset", registries.datasets);
  spec.model = resolve_component(require_table(root, "model"), "model", registries.models);
  spec.risk = resolve_component(require_table(root, "risk"), "risk", registries.risks);
  if (const ConfigNode* labeling = root.find("labeling")) {
    if (!labeling->is_table()) throw ConfigError(labeling->loc.str() + ": 'labeling' must be a table");
    spec.labeling = resolve_component(*labeling, "labeling", registries.labelings);
  } else {
    ConfigNode scar = ConfigNode::table(root.loc);
    scar.as_table().emplace("name", ConfigNode(std::string("scar"), root.loc));
    spec.labeling = resolve_component(scar, "labeling", registries.labelings);
  }
  if (const ConfigNode* weighting = root.find("weighting")) {
    if (!weighting->is_table()) throw ConfigError(weighting->loc.str() + ": 'weighting' must be a table");
    spec.weighting = resolve_component(*weighting, "weighting", registries.weightings);
  }
  spec.regularizers = resolve_keyed_components(root, "regularizer", registries.regularizers);
  spec.hooks = resolve_keyed_components(root, "hook", registries.hooks);
  spec.augmentations = resolve_augmentations(root, registries.augmentations);
  if (const ConfigNode* sampler = root.find("sampler")) {
    if (!sampler->is_table()) throw ConfigError(sampler->loc.str() + ": 'sampler' must be a table");
    spec.sampler = resolve_component(*sampler, "sampler", registries.samplers);
  } else {
    ConfigNode joint = ConfigNode::table(root.loc);
    joint.as_table().emplace("name", ConfigNode(std::string("joint"), root.loc));
    spec.sampler = resolve_component(joint, "sampler", registries.samplers);
  }

  auto host_table = [&](const std::string& key) {
    if (const ConfigNode* n = root.find(key)) {
      if (!n->is_table()) throw ConfigError(n->loc.str() + ": '" + key + "' must be a table");
      return *n;
    }
    return ConfigNode::table(root.loc);
  };
  const Params train = check_against_schema(host_table("train"), train_schema(), "train");
  spec.train.epochs = train.integer("epochs");
  spec.train.batch_size = train.integer("batch_size");
  spec.train.lr = train.real("lr");
  spec.train.weight_decay = train.real("weight_decay");
  spec.train.adam_beta1 = train.real("adam_beta1");
  spec.train.adam_beta2 = train.real("adam_beta2");
  spec.train.lr_schedule = train.text("lr_schedule");
  spec.train.lr_final_factor = train.real("lr_final_factor");
  spec.train.lr_step_epochs = train.integer("lr_step_epochs");
  spec.train.lr_step_factor = train.real("lr_step_factor");
  spec.train.seed = train.integer("seed");
  spec.train.threads = train.integer("threads");
  spec.train.device = train.text("device");
  spec.train.eval_batch_size = train.integer("eval_batch_size");
  spec.train.precision = train.text("precision");
  spec.train.early_stopping_patience = train.integer("early_stopping_patience");
  spec.train.early_stopping_monitor = train.text("early_stopping_monitor");

  // split.prior is a number or the word "estimate"; the schema checks the number.
  ConfigNode split_table = host_table("split");
  if (const ConfigNode* prior = split_table.find("prior"); prior && prior->is_string()) {
    if (prior->as_string() != "estimate") {
      throw ConfigError(prior->loc.str() + ": split.prior = \"" + prior->as_string() +
                        "\" is not understood: give a number in (0, 1), a negative number for the true prior of U, "
                        "or \"estimate\" (with a [prior_estimator] table)");
    }
    spec.split.estimate_prior = true;
    split_table.as_table().erase("prior");
  }
  const Params split = check_against_schema(split_table, split_schema(), "split");
  spec.split.positive_classes = split.integers("positive_classes");
  spec.split.n_labeled = split.integer("n_labeled");
  {
    // split.label_frequency replaces n_labeled: giving both is ambiguous, and c must be in (0, 1].
    const ConfigNode split_keys = host_table("split");
    if (const ConfigNode* c = split_keys.find("label_frequency")) {
      const double value = split.real("label_frequency");
      if (!(value > 0 && value <= 1)) {
        throw ConfigError(c->loc.str() + ": split.label_frequency = " + format_param(value) +
                          " is out of range: the fraction of the positives that are labeled must be in (0, 1]");
      }
      if (const ConfigNode* n = split_keys.find("n_labeled")) {
        throw ConfigError(c->loc.str() + ": split.label_frequency and split.n_labeled (" + n->loc.str() +
                          ") are both given; they are alternatives: keep one");
      }
      spec.split.label_frequency = value;
      spec.split.n_labeled = 0;  // decided by the split from the pool's positives
    }
  }
  spec.split.n_validation = split.integer("n_validation");
  spec.split.scenario = split.text("scenario");
  spec.split.prior = split.real("prior");
  // A prior of 0 or 1 says one class is absent from U: every PU risk degenerates (the schema's
  // range cannot say "in (0, 1) or negative").
  if (spec.split.prior >= 0 && !(spec.split.prior > 0 && spec.split.prior < 1)) {
    const ConfigNode* node = split_table.find("prior");
    throw ConfigError((node ? node->loc.str() : root.loc.str()) + ": split.prior = " + format_param(spec.split.prior) +
                      " is out of range: a class prior must be in (0, 1), or negative (the default, -1) for the true "
                      "prior of U");
  }

  const Params report = check_against_schema(host_table("report"), report_schema(), "report");
  const Params estimation = resolve_prior_estimation(root, spec, registries);

  // The operative configuration: every default filled in, no base, no sweep.
  ConfigNode resolved = params_to_node(top_params, "");
  resolved.as_table()["name"] = ConfigNode(spec.experiment, {});
  resolved.as_table()["output_dir"] = ConfigNode(spec.output_dir.string(), {});
  resolved.as_table()["run_id"] = ConfigNode(spec.run_id, {});
  resolved.as_table()["dataset"] = params_to_node(spec.dataset.params, spec.dataset.name);
  resolved.as_table()["labeling"] = params_to_node(spec.labeling.params, spec.labeling.name);
  resolved.as_table()["model"] = params_to_node(spec.model.params, spec.model.name);
  resolved.as_table()["risk"] = params_to_node(spec.risk.params, spec.risk.name);
  if (!spec.weighting.name.empty()) {
    resolved.as_table()["weighting"] = params_to_node(spec.weighting.params, spec.weighting.name);
  }
  if (!spec.regularizers.empty()) {
    ConfigNode regs = ConfigNode::table();
    for (const auto& r : spec.regularizers) regs.as_table()[r.name] = params_to_node(r.params, "");
    resolved.as_table()["regularizer"] = std::move(regs);
  }
  if (!spec.hooks.empty()) {
    ConfigNode hooks = ConfigNode::table();
    for (const auto& h : spec.hooks) hooks.as_table()[h.name] = params_to_node(h.params, "");
    resolved.as_table()["hook"] = std::move(hooks);
  }
  if (!spec.augmentations.empty()) {  // only then: older runs' written configurations stay as they were
    ConfigNode augmentations = ConfigNode::table();
    for (const auto& [role, a] : spec.augmentations) augmentations.as_table()[role] = params_to_node(a.params, a.name);
    resolved.as_table()["augmentation"] = std::move(augmentations);
  }
  resolved.as_table()["sampler"] = params_to_node(spec.sampler.params, spec.sampler.name);
  resolved.as_table()["train"] = params_to_node(train, "");
  resolved.as_table()["split"] = params_to_node(split, "");
  // Exactly one of n_labeled and label_frequency, so that the written configuration runs again
  // (and a configuration without label_frequency reads as before it existed).
  resolved.as_table()["split"].as_table().erase(spec.split.label_frequency > 0 ? "n_labeled" : "label_frequency");
  if (spec.split.estimate_prior) resolved.as_table()["split"].as_table()["prior"] = ConfigNode(std::string("estimate"), {});
  if (!spec.prior_estimation.estimator.name.empty()) {
    ConfigNode table = params_to_node(spec.prior_estimation.estimator.params, spec.prior_estimation.estimator.name);
    const ConfigNode host_keys = params_to_node(estimation, "");
    for (const auto& [k, v] : host_keys.as_table()) table.as_table()[k] = v;
    resolved.as_table()["prior_estimator"] = std::move(table);
  }
  resolved.as_table()["report"] = params_to_node(report, "");
  spec.resolved = std::move(resolved);
  return spec;
}

}  // namespace pulab
