// Every experiment file shipped under experiments/ expands into runs whose configuration resolves
// against the built-in plugins (every key known, every value in range, every component loaded), as
// `pulab plan` checks it: a file broken by a renamed key or a removed plugin fails here, not in a
// sweep hours later. Base files, method compositions and other fragments (files without a `name`)
// are checked through the experiments that use them, and base/ and methods/ on their own by
// DataExperiments.BaseAndDataFilesResolve and MethodsTraining.EveryCompositionLearnsSyntheticData.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "config/experiment.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> shipped_experiments() {
  const fs::path root = fs::path(PULAB_SOURCE_DIR) / "experiments";
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".toml") continue;
    const auto part = fs::relative(entry.path(), root).begin()->string();
    if (part == "base" || part == "methods") continue;
    // An experiment names itself; the others are fragments composed by one (paper/fashion_mnist/
    // gradpu.toml: GradPU with FashionMNIST's beta_max) or published numbers (paper_numbers.toml).
    if (!pulab::load_experiment_file(entry.path()).find("name")) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ShippedExperiments, EveryExperimentFileExpandsAndResolves) {
  const bool have_cnn13 = pulab::test::builtin_host().registries().models.find("cnn13") != nullptr;
  const auto files = shipped_experiments();
  ASSERT_GE(files.size(), 50u) << "experiments/ lost its files?";
  std::size_t runs_checked = 0;
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const auto root = pulab::load_experiment_file(file);
    std::vector<pulab::RunConfig> runs;
    EXPECT_NO_THROW(runs = pulab::expand_sweep(root));
    EXPECT_FALSE(runs.empty());
    for (const auto& run : runs) {
      // CIFAR-10's 13-layer model is an optional plugin; its experiments only need to expand.
      if (!have_cnn13 && file.string().find("cifar10") != std::string::npos) continue;
      EXPECT_NO_THROW(pulab::resolve_run(run, pulab::test::builtin_host().registries()));
      ++runs_checked;
    }
  }
  EXPECT_GT(runs_checked, 500u);
}

}  // namespace
