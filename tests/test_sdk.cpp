// The plugin SDK end to end, as docs/writing-a-plugin.md tells it: install pulab to a prefix,
// build a plugin outside the tree against it with find_package(pulab), run it in an experiment
// next to the built-in plugins; `pulab new plugin` skeletons of every kind build and run as
// written; every public header compiles on its own.
//
// These tests call cmake and a compiler (a LibTorch translation unit takes ~20 s), so they take a
// minute or two each; they run in the default `ctest` run.
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "test_support.hpp"

namespace {
namespace fs = std::filesystem;
using nlohmann::json;

struct Command {
  int status;
  std::string output;
};

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

// Runs a shell command, stdout and stderr together.
Command sh(const std::string& command) {
  Command c{0, ""};
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed: " + command};
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe)) c.output += buffer;
  const int raw = ::pclose(pipe);
  c.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return c;
}

// The last lines of a long output, for failure messages.
std::string tail(const std::string& text, std::size_t chars = 6000) {
  return text.size() <= chars ? text : "..." + text.substr(text.size() - chars);
}

#define ASSERT_OK(command_result, what) \
  ASSERT_EQ((command_result).status, 0) << (what) << " failed:\n" << tail((command_result).output)

std::string cmake() { return quote(PULAB_TEST_CMAKE); }

// Step 1 of the tutorial: `cmake --install <build> --prefix <prefix>` (the build is this one).
fs::path install_pulab(const std::string& name) {
  const fs::path prefix = pulab::test::temp_dir(name) / "prefix";
  const auto c = sh(cmake() + " --install " + quote(PULAB_TEST_BUILD_DIR) + " --prefix " + quote(prefix));
  EXPECT_EQ(c.status, 0) << "cmake --install failed:\n" << tail(c.output);
  return prefix;
}

// Configures and builds a plugin project against an installed pulab, as a user does.
Command build_plugin(const fs::path& source, const fs::path& build, const fs::path& prefix) {
  auto c = sh(cmake() + " -S " + quote(source) + " -B " + quote(build) + " -DCMAKE_PREFIX_PATH=" + quote(prefix));
  if (c.status != 0) return {c.status, "configure:\n" + c.output};
  auto b = sh(cmake() + " --build " + quote(build) + " --parallel 2");
  return {b.status, c.output + b.output};
}

json read_json(const fs::path& file) { return pulab::test::read_json(file); }

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

TEST(SdkTutorial, AnOutOfTreePluginBuiltAgainstTheInstalledPulabRunsInAnExperiment) {
  // 1. Install pulab: the CLI, the host library, the public headers, the built-in plugins and the
  //    CMake package.
  const fs::path prefix = install_pulab("sdk_tutorial");
  const fs::path pulab = prefix / "bin" / "pulab";
  ASSERT_TRUE(fs::exists(pulab));
  ASSERT_TRUE(fs::exists(prefix / "lib" / "cmake" / "pulab" / "pulabConfig.cmake"));
  ASSERT_TRUE(fs::exists(prefix / "lib" / "cmake" / "pulab" / "pulab_add_plugin.cmake"));
  ASSERT_TRUE(fs::exists(prefix / "include" / "pulab" / "plugin.hpp"));
  EXPECT_FALSE(fs::exists(prefix / "include" / "pulab" / "engine")) << "private headers are not installed";
  ASSERT_TRUE(fs::exists(prefix / "lib" / "pulab" / "plugins" / "libpulab_nnpu.so"));
  // The shipped data-set bases and method compositions, which an experiment outside the tree
  // names as "pulab:base/..." and "pulab:methods/...".
  ASSERT_TRUE(fs::exists(prefix / "share" / "pulab" / "experiments" / "base" / "synthetic.toml"));
  ASSERT_TRUE(fs::exists(prefix / "share" / "pulab" / "experiments" / "methods" / "gradpu.toml"));
  write_text(prefix.parent_path() / "shipped.toml",
             "name = \"shipped\"\nbase = \"pulab:base/synthetic.toml\"\n[sweep]\n"
             "compose = [\"pulab:methods/naive.toml\", \"pulab:methods/gradpu.toml\"]\n");
  const auto planned = sh("cd " + quote(prefix.parent_path()) + " && " + quote(pulab) + " plan shipped.toml");
  ASSERT_OK(planned, "pulab plan of an experiment naming pulab:base/ and pulab:methods/ files");
  EXPECT_NE(planned.output.find("experiment 'shipped': 2 runs"), std::string::npos) << planned.output;
  EXPECT_NE(planned.output.find("gradpu"), std::string::npos) << planned.output;

  // 2. Start from a skeleton, outside the tree.
  const fs::path work = prefix.parent_path();
  const auto made = sh("cd " + quote(work) + " && " + quote(pulab) + " new plugin --kind weighting focal_weighting");
  ASSERT_OK(made, "pulab new plugin --kind weighting focal_weighting");
  const fs::path source = work / "focal_weighting";

  // 3. Write the method: the example's source replaces the skeleton's, and the experiment sets the
  //    new parameter. The folder is then exactly examples/focal_weighting/.
  const fs::path example = fs::path(PULAB_SOURCE_DIR) / "examples" / "focal_weighting";
  fs::copy_file(example / "focal_weighting.cpp", source / "focal_weighting.cpp", fs::copy_options::overwrite_existing);
  std::string toml = read_text(source / "focal_weighting.toml");
  const std::string skeleton_key = "strength = 1.0\n";
  ASSERT_NE(toml.find(skeleton_key), std::string::npos) << toml;
  toml.replace(toml.find(skeleton_key), skeleton_key.size(), "gamma = 2.0\n");
  write_text(source / "focal_weighting.toml", toml);
  for (const auto* file : {"CMakeLists.txt", "focal_weighting.cpp", "focal_weighting.toml"}) {
    EXPECT_EQ(read_text(source / file), read_text(example / file))
        << file << ": the tutorial's steps do not give examples/focal_weighting/" << file;
  }

  // 4. Build it against the installed pulab.
  const fs::path build = source / "build";
  const auto built = build_plugin(source, build, prefix);
  ASSERT_OK(built, "building examples/focal_weighting against the installed pulab");
  ASSERT_TRUE(fs::exists(build / "libpulab_focal_weighting.so")) << built.output;

  // 5. Run it. The installed pulab lists it, with its versions, next to the built-in plugins.
  const auto listed = sh(quote(pulab) + " plugins --plugin-dir " + quote(build));
  ASSERT_OK(listed, "pulab plugins --plugin-dir");
  EXPECT_NE(listed.output.find("focal_weighting 1.0.0 (built against pulab"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("weighting    focal_weighting"), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("nnpu 1.0.0"), std::string::npos) << listed.output;
  const auto described = sh(quote(pulab) + " describe focal_weighting --plugin-dir " + quote(build));
  ASSERT_OK(described, "pulab describe");
  EXPECT_NE(described.output.find("gamma"), std::string::npos) << described.output;

  // Its sample experiment, one epoch: the new weighting with the built-in data set, labeling,
  // model and risk.
  const fs::path results = work / "results";
  const auto ran = sh("cd " + quote(source) + " && " + quote(pulab) + " run focal_weighting.toml --plugin-dir build" +
                      " --set train.epochs=1 --set output_dir=" + quote(results) + " --threads 1 --quiet");
  ASSERT_OK(ran, "pulab run focal_weighting.toml");
  const json result = read_json(results / "run" / "result.json");
  EXPECT_EQ(result["status"], "finished");
  EXPECT_EQ(result["epochs"].size(), 1u);
  EXPECT_EQ(result["config"]["weighting"]["name"], "focal_weighting");
  EXPECT_EQ(result["config"]["weighting"]["gamma"], 2.0);
  EXPECT_EQ(result["config"]["risk"]["name"], "nnpu");
  EXPECT_TRUE(result["versions"]["plugins_used"].contains("focal_weighting")) << result["versions"].dump();
  EXPECT_GT(result["last"]["test"]["accuracy"].get<double>(), 0.6) << "one epoch on well-separated data";

  // 6. Installed into pulab's prefix, it loads without --plugin-dir, like a built-in one.
  const auto installed = sh(cmake() + " --install " + quote(build) + " --prefix " + quote(prefix));
  ASSERT_OK(installed, "cmake --install of the plugin");
  EXPECT_TRUE(fs::exists(prefix / "lib" / "pulab" / "plugins" / "libpulab_focal_weighting.so"));
  const auto listed_again = sh(quote(pulab) + " plugins");
  ASSERT_OK(listed_again, "pulab plugins");
  EXPECT_NE(listed_again.output.find("weighting    focal_weighting"), std::string::npos) << listed_again.output;
  if (!::testing::Test::HasFailure()) fs::remove_all(work);
}

TEST(SdkTutorial, AHookWrittenOutOfTreeSetsStateThatTheSamplerReads) {
  const fs::path prefix = install_pulab("sdk_hook_tutorial");
  const fs::path pulab = prefix / "bin" / "pulab";
  const fs::path work = prefix.parent_path();
  // docs/writing-a-plugin.md, "A training hook": the skeleton, then the example's source and one key.
  const auto made = sh("cd " + quote(work) + " && " + quote(pulab) + " new plugin --kind hook confident_negatives");
  ASSERT_OK(made, "pulab new plugin --kind hook confident_negatives");
  const fs::path source = work / "confident_negatives";
  const fs::path example = fs::path(PULAB_SOURCE_DIR) / "examples" / "confident_negatives";
  fs::copy_file(example / "confident_negatives.cpp", source / "confident_negatives.cpp",
                fs::copy_options::overwrite_existing);
  std::string toml = read_text(source / "confident_negatives.toml");
  const std::string skeleton_key = "drop = 0.1\n";
  ASSERT_NE(toml.find(skeleton_key), std::string::npos) << toml;
  toml.replace(toml.find(skeleton_key), skeleton_key.size(), "max_drop = 0.3\n");
  write_text(source / "confident_negatives.toml", toml);
  for (const auto* file : {"CMakeLists.txt", "confident_negatives.cpp", "confident_negatives.toml"}) {
    EXPECT_EQ(read_text(source / file), read_text(example / file))
        << file << ": the tutorial's steps do not give examples/confident_negatives/" << file;
  }
  const fs::path build = source / "build";
  const auto built = build_plugin(source, build, prefix);
  ASSERT_OK(built, "building examples/confident_negatives against the installed pulab");
  const auto listed = sh(quote(pulab) + " plugins --plugin-dir " + quote(build));
  ASSERT_OK(listed, "pulab plugins --plugin-dir");
  EXPECT_NE(listed.output.find("hook         confident_negatives"), std::string::npos) << listed.output;

  // Three epochs: the hook sets samples aside after epochs 2 and 3 and the sampler skips them.
  const fs::path results = work / "results";
  const auto ran = sh("cd " + quote(source) + " && " + quote(pulab) + " run confident_negatives.toml --plugin-dir build" +
                      " --set train.epochs=3 --set output_dir=" + quote(results) + " --threads 1 --quiet");
  ASSERT_OK(ran, "pulab run confident_negatives.toml");
  const json result = read_json(results / "run" / "result.json");
  EXPECT_EQ(result["status"], "finished");
  EXPECT_EQ(result["config"]["hook"]["confident_negatives"]["max_drop"], 0.3);
  EXPECT_EQ(result["config"]["sampler"]["skip_inactive"], true);
  EXPECT_GT(result["last"]["test"]["accuracy"].get<double>(), 0.6);

  // Without a writer of the active mask, the same sampler setting is refused before training.
  const auto refused = sh("cd " + quote(source) + " && " + quote(pulab) + " run confident_negatives.toml" +
                          " --set hook.confident_negatives.enabled=false --set output_dir=" + quote(work / "refused") +
                          " --plugin-dir build --quiet");
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("reads state 'active', which no component of this run writes"), std::string::npos)
      << refused.output;
  if (!::testing::Test::HasFailure()) fs::remove_all(work);
}

TEST(SdkScaffold, EverySkeletonBuildsAgainstTheInstalledPulabAndRuns) {
  const fs::path prefix = install_pulab("sdk_scaffold");
  const fs::path pulab = prefix / "bin" / "pulab";
  const fs::path work = prefix.parent_path();
  const std::vector<std::string> kinds{"risk", "regularizer", "weighting", "labeling",
                                       "hook", "model",       "dataset",   "augmentation"};

  // One folder per kind, written by `pulab new plugin`, compiled as written. They are built in one
  // CMake build (a parent project adding each folder) to compile them in parallel.
  std::string parent = "cmake_minimum_required(VERSION 3.18)\nproject(skeletons LANGUAGES CXX)\n";
  for (const auto& kind : kinds) {
    const std::string name = "my_" + kind;
    const auto made = sh("cd " + quote(work) + " && " + quote(pulab) + " new plugin --kind " + kind + " " + name);
    ASSERT_OK(made, "pulab new plugin --kind " + kind);
    EXPECT_NE(made.output.find("-DCMAKE_PREFIX_PATH=" + fs::weakly_canonical(prefix).string()), std::string::npos)
        << made.output;
    for (const auto* file : {"CMakeLists.txt", ".cpp", ".toml"}) {
      const fs::path f = std::string(file) == "CMakeLists.txt" ? work / name / file : work / name / (name + file);
      EXPECT_TRUE(fs::exists(f)) << f;
    }
    parent += "add_subdirectory(" + name + ")\n";
  }
  {
    std::ofstream out(work / "CMakeLists.txt");
    out << parent;
  }
  const auto built = build_plugin(work, work / "build", prefix);
  ASSERT_OK(built, "building the skeletons against the installed pulab");

  std::string plugin_dirs;
  for (const auto& kind : kinds) plugin_dirs += " --plugin-dir " + quote(work / "build" / ("my_" + kind));
  const auto listed = sh(quote(pulab) + " plugins" + plugin_dirs);
  ASSERT_OK(listed, "pulab plugins with the skeletons");
  for (const auto& [kind, label] : std::vector<std::pair<std::string, std::string>>{
           {"risk", "risk         my_risk"},
           {"regularizer", "regularizer  my_regularizer"},
           {"weighting", "weighting    my_weighting"},
           {"labeling", "labeling     my_labeling"},
           {"hook", "hook         my_hook"},
           {"model", "model        my_model"},
           {"dataset", "dataset      my_dataset"},
           {"augmentation", "augmentation my_augmentation"}}) {
    EXPECT_NE(listed.output.find(label), std::string::npos) << kind << "\n" << listed.output;
  }

  // Each sample experiment runs two epochs with its skeleton (the hook's first epoch with work is the second).
  for (const auto& kind : kinds) {
    const std::string name = "my_" + kind;
    const fs::path results = work / "results" / name;
    const auto ran = sh(quote(pulab) + " run " + quote(work / name / (name + ".toml")) + plugin_dirs +
                        " --set train.epochs=2 --set output_dir=" + quote(results) + " --threads 1 --quiet");
    ASSERT_OK(ran, "pulab run " + name + ".toml");
    const json result = read_json(results / "run" / "result.json");
    EXPECT_EQ(result["status"], "finished") << name;
    EXPECT_TRUE(result["versions"]["plugins_used"].contains(name)) << result["versions"].dump();
  }
  if (!::testing::Test::HasFailure()) fs::remove_all(work);
}

TEST(SdkScaffold, RefusesWhatWouldNotBuildOrLoad) {
  const fs::path work = pulab::test::temp_dir("sdk_scaffold_errors");
  const std::string pulab = "cd " + quote(work) + " && " + quote(PULAB_TEST_BINARY);

  const auto kind = sh(pulab + " new plugin --kind weigting my_w");
  EXPECT_EQ(kind.status, 1);
  EXPECT_NE(kind.output.find("unknown --kind 'weigting' (did you mean 'weighting'?)"), std::string::npos) << kind.output;

  const auto name = sh(pulab + " new plugin --kind risk My-Risk");
  EXPECT_EQ(name.status, 1);
  EXPECT_NE(name.output.find("'My-Risk' is not a valid plugin name"), std::string::npos) << name.output;

  const auto taken = sh(pulab + " new plugin --kind risk nnpu");
  EXPECT_EQ(taken.status, 1);
  EXPECT_NE(taken.output.find("'nnpu'"), std::string::npos) << taken.output;
  EXPECT_NE(taken.output.find("choose another name"), std::string::npos) << taken.output;

  const auto no_kind = sh(pulab + " new plugin my_risk");
  EXPECT_EQ(no_kind.status, 1);
  EXPECT_NE(no_kind.output.find("give --kind"), std::string::npos) << no_kind.output;
  EXPECT_FALSE(fs::exists(work / "my_risk"));

  const auto made = sh(pulab + " new plugin --kind risk my_risk");
  ASSERT_OK(made, "pulab new plugin");
  const std::string source = read_text(work / "my_risk" / "my_risk.cpp");
  EXPECT_NE(source.find("class MyRisk final : public pulab::RiskEstimator"), std::string::npos) << source;
  EXPECT_NE(source.find("registrar.add<pulab::RiskEstimator, MyRisk>(\"my_risk\""), std::string::npos) << source;

  const auto again = sh(pulab + " new plugin --kind risk my_risk");
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.output.find("already exists and is not an empty folder"), std::string::npos) << again.output;
}

// Every public header has a generated translation unit that includes only it (tests/CMakeLists.txt,
// target pulab_header_check, built with the tests: a header that misses an include fails the
// build) and starts by saying what it is for.
TEST(SdkHeaders, EveryPublicHeaderCompilesOnItsOwnAndIsDocumented) {
  const fs::path include_dir = fs::path(PULAB_SOURCE_DIR) / "framework" / "include" / "pulab";
  std::size_t headers = 0;
  for (const auto& entry : fs::directory_iterator(include_dir)) {
    if (entry.path().extension() != ".hpp") continue;
    ++headers;
    const std::string stem = entry.path().stem().string();
    EXPECT_TRUE(fs::exists(fs::path(PULAB_TEST_HEADER_CHECK_DIR) / (stem + ".cpp")))
        << "no self-containment translation unit for pulab/" << stem << ".hpp: re-run cmake";
    std::ifstream in(entry.path());
    std::string first, second;
    std::getline(in, first);
    std::getline(in, second);
    EXPECT_EQ(first, "#pragma once") << entry.path();
    EXPECT_EQ(second.rfind("// ", 0), 0u) << entry.path() << ": the second line says what the header is for";
  }
  EXPECT_GE(headers, 14u);
}

// Building against another LibTorch (docs/performance.md): one built with the pre-C++11 string
// ABI cannot be linked with Debian's Boost, fmt and toml++; the configure step must say so, and
// accept a C++11-ABI LibTorch's flags.
TEST(SdkTorch, APreCxx11AbiLibTorchIsRefusedAtConfigureTime) {
  const fs::path script = pulab::test::temp_dir("torch_abi") / "check.cmake";
  std::ofstream(script) << "include(\"" << PULAB_SOURCE_DIR << "/cmake/pulab_check_torch.cmake\")\n"
                        << "pulab_check_torch_abi(\"${FLAGS}\")\n";
  const auto old_abi = sh(cmake() + " -DFLAGS=-D_GLIBCXX_USE_CXX11_ABI=0 -P " + quote(script));
  EXPECT_NE(old_abi.status, 0);
  EXPECT_NE(old_abi.output.find("pre-C++11 string ABI"), std::string::npos) << old_abi.output;
  const auto new_abi = sh(cmake() + " -DFLAGS=-D_GLIBCXX_USE_CXX11_ABI=1 -P " + quote(script));
  EXPECT_EQ(new_abi.status, 0) << new_abi.output;
}

}  // namespace
