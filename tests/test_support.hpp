#pragma once
// Shared helpers of the test suite: the built-in plugins loaded once, temporary folders, and
// running an experiment given as TOML text.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
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

// The synthetic experiment the method tests train on (20-dimensional data, 6000 training and 2000
// test rows, 500 labeled positives, an MLP of 64 x 64, Adam lr 1e-3, batch 250), named `name`,
// for `epochs` epochs, with the naive sigmoid risk unless `with_risk` is false (a method file
// composed over it brings its own [risk]).
std::string synthetic_methods_base(const std::string& name, int epochs = 5, bool with_risk = true);

// synthetic_methods_base(name, 5, false) written to a file once per `name` (a temp folder of that
// name), so that `base = [FILE, experiments/methods/X.toml]` composes a method over it (method files
// merge after their base; the composition's [risk] wins).
const std::filesystem::path& synthetic_base_file(const std::string& name);

// Trains the single run of `toml` twice with one thread, each in a fresh folder: once without a
// stop, once stopped after `stop_after` epochs (the call must report Interrupted) and resumed.
// Then expects the resumed result to say so and every epoch's train_risk, train_objective and
// test accuracy to equal the uninterrupted run's bit for bit (the resume tests of the methods).
void expect_resume_bit_identical(const std::string& toml, std::int64_t stop_after, const std::string& name);

// A component of the built-in plugins: its schema's defaults with `set` applied, built for
// inputs of `input_shape`.
template <class Interface>
std::shared_ptr<Interface> make_component(const std::string& name, const std::map<std::string, ParamValue>& set = {},
                                          const std::vector<std::int64_t>& input_shape = {}) {
  const auto* component = builtin_host().registries().of<Interface>().find(name);
  if (!component) throw std::runtime_error("component '" + name + "' is not loaded");
  Params params = Params::defaults(component->schema);
  for (const auto& [key, value] : set) params.set(key, value);
  BuildContext context;
  context.input_shape = input_shape;
  return component->factory(params, context);
}

}  // namespace pulab::test
