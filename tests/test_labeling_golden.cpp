// The labelings that fit a logistic regression (selection_bias, lbe_a, lbe_b, pusb) draw exactly
// the positives they drew before their fits moved into the shared pulab::fit_logistic_regression
// (framework/include/pulab/logistic_regression.hpp): a refactor changes no number.
//
// tests/golden/labelings.txt holds, per labeling and seed, the sorted indices drawn on a fixed
// synthetic pool. It was written by this test with PULAB_WRITE_GOLDEN=1 from the build of the
// commit before the refactor (4b2ff8b's plugins, each fitting its own regression); a later change
// that alters a draw fails here.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <torch/types.h>

#include "pulab/labeling_mechanism.hpp"
#include "pulab/params.hpp"
#include "pulab/registry.hpp"
#include "test_support.hpp"

namespace {

const char* const kGoldenFile = PULAB_SOURCE_DIR "/tests/golden/labelings.txt";

// 1500 rows, 8 features, about half positive; the positives' features shifted so the fit matters.
struct Pool {
  torch::Tensor x;
  torch::Tensor positive;
};

Pool pool() {
  auto gen = at::detail::createCPUGenerator(11);
  const auto positive = torch::rand({1500}, gen) < 0.5;
  auto x = torch::randn({1500, 8}, gen);
  x.add_(positive.to(torch::kFloat).unsqueeze(1) * torch::linspace(1.5, 0.0, 8).unsqueeze(0));
  return {x.contiguous(), positive};
}

std::string draw(const std::string& name, std::uint64_t seed) {
  const auto* component = pulab::test::builtin_host().registries().labelings.find(name);
  if (!component) throw std::runtime_error("labeling '" + name + "' is not loaded");
  auto params = pulab::Params::defaults(component->schema);
  params.set("verbose", false);
  auto mechanism = component->factory(params, pulab::BuildContext{});
  const auto data = pool();
  const auto picked = std::get<0>(torch::sort(mechanism->select({data.x, data.positive, 200, seed}))).contiguous();
  std::ostringstream line;
  line << name << " " << seed;
  for (std::int64_t i = 0; i < picked.numel(); ++i) line << " " << picked.data_ptr<std::int64_t>()[i];
  return line.str();
}

std::vector<std::string> current_draws() {
  std::vector<std::string> lines;
  for (const std::string name : {"selection_bias", "lbe_a", "lbe_b", "pusb"}) {
    for (const std::uint64_t seed : {0u, 1u}) lines.push_back(draw(name, seed));
  }
  return lines;
}

TEST(LabelingGolden, LogisticLabelingsDrawTheRecordedPositives) {
  const auto lines = current_draws();
  if (std::getenv("PULAB_WRITE_GOLDEN")) {
    std::ofstream out(kGoldenFile);
    for (const auto& line : lines) out << line << "\n";
    GTEST_SKIP() << "wrote " << kGoldenFile;
  }
  std::ifstream in(kGoldenFile);
  ASSERT_TRUE(in) << "missing " << kGoldenFile;
  std::vector<std::string> golden;
  for (std::string line; std::getline(in, line);) golden.push_back(line);
  ASSERT_EQ(golden.size(), lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i], golden[i]) << "draw " << i << " changed";
  }
}

}  // namespace
