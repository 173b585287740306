#include "test_support.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "config/config_node.hpp"
#include "engine/results.hpp"
#include "engine/trainer.hpp"

namespace pulab::test {
namespace fs = std::filesystem;

PluginHost& builtin_host() {
  static PluginHost* host = [] {
    auto* h = new PluginHost();
    h->load_directory(PULAB_TEST_PLUGIN_DIR);
    return h;
  }();
  return *host;
}

fs::path temp_dir(const std::string& name) {
  static std::atomic<int> counter{0};
  fs::path dir = fs::temp_directory_path() / ("pulab_test_" + std::to_string(::getpid())) /
                 (name + "_" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<RunSpec> resolve_text(const std::string& toml, const std::vector<std::string>& overrides,
                                  const fs::path& base_dir) {
  ConfigNode root = load_experiment_text(toml, "<test>", base_dir);
  for (const auto& o : overrides) apply_override(root, o);
  std::vector<RunSpec> specs;
  for (const auto& run : expand_sweep(root, overrides)) specs.push_back(resolve_run(run, builtin_host().registries()));
  return specs;
}

nlohmann::json train_text(const std::string& toml, const std::vector<std::string>& overrides) {
  std::vector<std::string> all{"output_dir=" + temp_dir("run").string()};
  all.insert(all.end(), overrides.begin(), overrides.end());
  auto specs = resolve_text(toml, all);
  EXPECT_EQ(specs.size(), 1u);
  TrainOptions options;
  options.quiet = true;
  options.threads = 2;
  train_run(specs.front(), builtin_host(), options);
  return read_json(result_path(specs.front()));
}

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": missing");
  return nlohmann::json::parse(in);
}

std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

std::string quickstart_text() {
  std::ifstream in(fs::path(PULAB_SOURCE_DIR) / "experiments" / "quickstart.toml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string synthetic_methods_base(const std::string& name, int epochs, bool with_risk) {
  std::string text = "name = \"" + name + "\"\n" + R"([dataset]
name = "synthetic"
dim = 20
n_train = 6000
n_test = 2000
separation = 8.0
[split]
n_labeled = 500
n_validation = 300
[labeling]
name = "scar"
[model]
name = "mlp"
hidden = [64, 64]
)";
  if (with_risk) text += "[risk]\nname = \"naive\"\nloss = \"sigmoid\"\n";
  text += "[train]\nepochs = " + std::to_string(epochs) + "\nbatch_size = 250\nlr = 1e-3\nweight_decay = 1e-4\nseed = 0\n";
  return text;
}

const fs::path& synthetic_base_file(const std::string& name) {
  static std::map<std::string, fs::path> files;
  auto [it, inserted] = files.try_emplace(name);
  if (inserted) {
    it->second = temp_dir(name) / "base.toml";
    std::ofstream(it->second) << synthetic_methods_base(name, 5, false);
  }
  return it->second;
}

void expect_resume_bit_identical(const std::string& toml, std::int64_t stop_after, const std::string& name) {
  const auto run = [&](const fs::path& dir, std::int64_t stop) {
    auto specs = resolve_text(toml, {"output_dir=" + dir.string()});
    TrainOptions options;
    options.quiet = true;
    options.threads = 1;
    if (stop > 0) {
      options.max_epochs_this_call = stop;
      EXPECT_EQ(train_run(specs.front(), builtin_host(), options), RunStatus::Interrupted) << name;
      options.max_epochs_this_call = -1;
    }
    EXPECT_EQ(train_run(specs.front(), builtin_host(), options), RunStatus::Finished) << name;
    return read_json(result_path(specs.front()));
  };
  const auto whole = run(temp_dir(name + "_whole"), 0);
  const auto resumed = run(temp_dir(name + "_resumed"), stop_after);
  EXPECT_EQ(resumed["resumed_from_epoch"], stop_after) << name;
  ASSERT_EQ(whole["epochs"].size(), resumed["epochs"].size()) << name;
  for (std::size_t e = 0; e < whole["epochs"].size(); ++e) {
    for (const char* key : {"train_risk", "train_objective"}) {
      EXPECT_EQ(whole["epochs"][e][key].get<double>(), resumed["epochs"][e][key].get<double>())
          << name << ": " << key << " of epoch " << e;
    }
    EXPECT_EQ(whole["epochs"][e]["test"]["accuracy"].get<double>(), resumed["epochs"][e]["test"]["accuracy"].get<double>())
        << name << ": test accuracy of epoch " << e;
  }
}

}  // namespace pulab::test
