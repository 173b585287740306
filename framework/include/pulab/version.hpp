#pragma once
// Versions a plugin is checked against when it is loaded.
//
// kPluginAbiVersion is bumped whenever a change would make a plugin built against an
// older host misbehave: a changed virtual function of an interface, a changed field of
// PluginDescriptor (after the first), Params, Schema or Registrar layout. Adding a new
// interface or a new free helper does not bump it. See docs/writing-a-plugin.md.
#include <cstdint>

namespace pulab {

inline constexpr std::uint32_t kPluginAbiVersion = 4;  // 4: TrainingContext::begin_optimizer_stage
inline constexpr const char* kHostVersion = "0.4.0";

}  // namespace pulab
