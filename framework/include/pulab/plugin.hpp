#pragma once
// What a plugin library exports: ONE entry point, `pulab_plugin`, returning a descriptor.
//
//   #include <pulab/plugin.hpp>
//   PULAB_PLUGIN("my_method", "1.0.0") {
//     registrar.add<pulab::RiskEstimator, MyRisk>("my_risk", "One line of help.");
//   }
//
// The loader reads abi_version first and refuses the library if it differs from the host's,
// before touching any other field; that field therefore stays first in every ABI version.
#include <boost/dll/alias.hpp>

#include "pulab/registry.hpp"
#include "pulab/version.hpp"

namespace pulab {

struct PluginDescriptor {
  std::uint32_t abi_version;  // must stay the first field forever
  const char* host_version;   // the pulab version the plugin was built against
  const char* name;
  const char* version;
  void (*register_components)(Registrar& registrar);
};

using PluginEntryPoint = const PluginDescriptor*();

}  // namespace pulab

#define PULAB_PLUGIN(NAME, VERSION)                                                                \
  namespace pulab_plugin_detail {                                                                  \
  void register_components(::pulab::Registrar& registrar);                                         \
  const ::pulab::PluginDescriptor* entry_point() {                                                 \
    static const ::pulab::PluginDescriptor descriptor{::pulab::kPluginAbiVersion,                 \
                                                      ::pulab::kHostVersion, NAME, VERSION,        \
                                                      &register_components};                       \
    return &descriptor;                                                                            \
  }                                                                                                \
  }                                                                                                \
  BOOST_DLL_ALIAS(pulab_plugin_detail::entry_point, pulab_plugin)                                  \
  void pulab_plugin_detail::register_components([[maybe_unused]] ::pulab::Registrar& registrar)
