// One call into each library of gpu-deps/, so that every static archive is really linked (see
// CMakeLists.txt beside this file). GoogleTest's main runs the checks.
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/filesystem.hpp>
#include <boost/program_options.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <toml++/toml.h>
#include <zlib.h>

#include <cstring>
#include <string>

TEST(GpuDeps, EveryLibraryLinksAndWorks) {
  EXPECT_FALSE(boost::dll::program_location().empty());
  EXPECT_TRUE(boost::filesystem::exists(boost::filesystem::current_path()));
  namespace po = boost::program_options;
  po::options_description desc;
  desc.add_options()("n", po::value<int>()->default_value(3), "n");
  const char* argv[] = {"smoke", "--n", "7"};
  po::variables_map vm;
  po::store(po::parse_command_line(3, argv, desc), vm);
  EXPECT_EQ(vm["n"].as<int>(), 7);
  EXPECT_EQ(fmt::format("{:.2f}", 1.5), "1.50");
  EXPECT_EQ(nlohmann::json::parse(R"({"a": 2})")["a"].get<int>(), 2);
  EXPECT_EQ(toml::parse("x = 4")["x"].value<int>().value_or(0), 4);
  const char text[] = "pulab";
  EXPECT_NE(crc32(0L, reinterpret_cast<const Bytef*>(text), std::strlen(text)), 0u);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  ASSERT_EQ(EVP_Digest(text, std::strlen(text), digest, &length, EVP_sha256(), nullptr), 1);
  EXPECT_EQ(length, 32u);
}
