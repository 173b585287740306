// The plugin loader: accepts a good plugin, refuses bad libraries with messages naming the file.
#include <gtest/gtest.h>

#include "plugin/plugin_host.hpp"
#include "pulab/error.hpp"
#include "pulab/version.hpp"
#include "test_support.hpp"

namespace {
namespace fs = std::filesystem;
using pulab::PluginHost;
using pulab::test::error_message;

const fs::path kFixtures = PULAB_TEST_FIXTURE_DIR;

TEST(Loader, LoadsTheBuiltInPlugins) {
  const auto& host = pulab::test::builtin_host();
  EXPECT_NE(host.registries().risks.find("naive"), nullptr);
  EXPECT_NE(host.registries().models.find("mlp"), nullptr);
  EXPECT_NE(host.registries().labelings.find("scar"), nullptr);
  EXPECT_NE(host.registries().datasets.find("synthetic"), nullptr);
  bool found = false;
  for (const auto& p : host.plugins()) {
    if (p.name == "naive") {
      found = true;
      EXPECT_EQ(p.abi_version, pulab::kPluginAbiVersion);
      EXPECT_EQ(p.version, "1.0.0");
      EXPECT_EQ(p.file.filename(), "libpulab_naive.so");
    }
  }
  EXPECT_TRUE(found);
}

TEST(Loader, AcceptsAGoodPluginAndRecordsItsVersions) {
  PluginHost host;
  host.load_file(kFixtures / "fixture_good.so");
  ASSERT_EQ(host.plugins().size(), 1u);
  EXPECT_EQ(host.plugins()[0].name, "fixture_good");
  EXPECT_EQ(host.plugins()[0].version, "2.1.0");
  EXPECT_EQ(host.plugins()[0].host_version, pulab::kHostVersion);
  const auto* c = host.registries().weightings.find("fixture_constant");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->plugin, "fixture_good");
  EXPECT_EQ(c->schema.specs().size(), 1u);
}

TEST(Loader, RefusesAPluginBuiltForAnotherAbi) {
  PluginHost host;
  const auto msg = error_message([&] { host.load_file(kFixtures / "fixture_wrong_abi.so"); });
  EXPECT_NE(msg.find("fixture_wrong_abi.so"), std::string::npos) << msg;
  EXPECT_NE(msg.find("plugin ABI " + std::to_string(pulab::kPluginAbiVersion + 1)), std::string::npos) << msg;
  EXPECT_NE(msg.find("rebuild the plugin"), std::string::npos) << msg;
  EXPECT_TRUE(host.plugins().empty());
}

TEST(Loader, RefusesALibraryWithoutTheEntryPoint) {
  PluginHost host;
  const auto msg = error_message([&] { host.load_file(kFixtures / "fixture_no_entry.so"); });
  EXPECT_NE(msg.find("fixture_no_entry.so"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no 'pulab_plugin' entry point"), std::string::npos) << msg;
}

TEST(Loader, RefusesAFileThatIsNotALibrary) {
  PluginHost host;
  const auto msg = error_message([&] { host.load_file(kFixtures / "not_a_library.so"); });
  EXPECT_NE(msg.find("not_a_library.so"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not a loadable plugin library"), std::string::npos) << msg;
}

TEST(Loader, RefusesAMissingFile) {
  PluginHost host;
  const auto msg = error_message([&] { host.load_file(kFixtures / "nothing_here.so"); });
  EXPECT_NE(msg.find("nothing_here.so: no such plugin file"), std::string::npos) << msg;
}

TEST(Loader, RefusesADuplicateComponentNameAndRegistersNothingOfIt) {
  PluginHost host;
  host.load_file(fs::path(PULAB_TEST_PLUGIN_DIR) / "libpulab_naive.so");
  const auto msg = error_message([&] { host.load_file(kFixtures / "fixture_duplicate.so"); });
  EXPECT_NE(msg.find("fixture_duplicate.so"), std::string::npos) << msg;
  EXPECT_NE(msg.find("duplicate risk 'naive'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("libpulab_naive.so"), std::string::npos) << msg;
  EXPECT_EQ(host.plugins().size(), 1u);
  EXPECT_EQ(host.registries().risks.find("naive")->plugin, "naive");
}

TEST(Loader, RefusesTheSamePluginTwice) {
  PluginHost host;
  host.load_file(kFixtures / "fixture_good.so");
  const auto msg = error_message([&] { host.load_file(kFixtures / "fixture_good.so"); });
  EXPECT_NE(msg.find("duplicate plugin 'fixture_good'"), std::string::npos) << msg;
}

TEST(Loader, SearchPathHonoursPluginPathVariableAndSkipsMissingFolders) {
  const auto dir = pulab::test::temp_dir("search");
  ::setenv("PULAB_PLUGIN_PATH", (dir.string() + ":/does/not/exist").c_str(), 1);
  const auto path = PluginHost::search_path({});
  ::unsetenv("PULAB_PLUGIN_PATH");
  ASSERT_FALSE(path.empty());
  EXPECT_EQ(path.front(), fs::canonical(dir));
  for (const auto& p : path) EXPECT_NE(p.string(), "/does/not/exist");
  const auto msg = error_message([&] { PluginHost::search_path({"/does/not/exist"}); });
  EXPECT_NE(msg.find("/does/not/exist: plugin folder does not exist"), std::string::npos) << msg;
}

}  // namespace
