# The installed SDK: public headers and the CMake package (pulabConfig.cmake, its version file,
# the exported pulab::core and the pulab_add_plugin helper), so that a plugin outside this tree
# builds with
#   find_package(pulab REQUIRED)
#   pulab_add_plugin(my_method SOURCES my_method.cpp)
# Included from framework/CMakeLists.txt, after pulab_core is defined and installed with
# EXPORT pulabTargets.
include(CMakePackageConfigHelpers)

# Only the public headers (framework/include/pulab/): the host's own headers under
# framework/src (configuration, engine, loader, report) stay private.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/include/pulab
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")

set(PULAB_INSTALL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/pulab)
set(PULAB_INSTALL_PLUGIN_DIR ${CMAKE_INSTALL_LIBDIR}/pulab/plugins)

# The plugin ABI version, read from the header that defines it (one source of truth).
file(STRINGS ${PROJECT_SOURCE_DIR}/framework/include/pulab/version.hpp abi_line
  REGEX "kPluginAbiVersion = [0-9]+")
string(REGEX MATCH "kPluginAbiVersion = ([0-9]+)" _ "${abi_line}")
set(PULAB_PLUGIN_ABI_VERSION ${CMAKE_MATCH_1})
file(STRINGS ${PROJECT_SOURCE_DIR}/framework/include/pulab/version.hpp host_line REGEX "kHostVersion = ")
if(NOT host_line MATCHES "\"${PROJECT_VERSION}\"")
  message(FATAL_ERROR "framework/include/pulab/version.hpp: kHostVersion differs from project(pulab VERSION ${PROJECT_VERSION})")
endif()

install(EXPORT pulabTargets NAMESPACE pulab:: FILE pulabTargets.cmake DESTINATION ${PULAB_INSTALL_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pulabConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/pulabConfig.cmake
  INSTALL_DESTINATION ${PULAB_INSTALL_CMAKE_DIR}
  PATH_VARS PULAB_INSTALL_PLUGIN_DIR CMAKE_INSTALL_BINDIR)
# 0.x: a minor release may change the public headers; the plugin ABI check at load time is the
# final word either way.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/pulabConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/pulabConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/pulabConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/pulab_add_plugin.cmake
  DESTINATION ${PULAB_INSTALL_CMAKE_DIR})

# The shipped experiment files that out-of-tree experiments build on (data-set bases and method
# compositions), named in TOML as "pulab:base/mnist.toml" / "pulab:methods/gradpu.toml"
# (docs/experiment-format.md). The build tree mirrors the installed layout with links to the
# sources, as it does for lib/pulab/plugins, so those names work before installing too.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/experiments/base ${PROJECT_SOURCE_DIR}/experiments/methods
  DESTINATION ${CMAKE_INSTALL_DATADIR}/pulab/experiments FILES_MATCHING PATTERN "*.toml")
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/share/pulab/experiments)
foreach(folder base methods)
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/experiments/${folder} ${CMAKE_BINARY_DIR}/share/pulab/experiments/${folder}
    SYMBOLIC)
endforeach()
