# pulab_add_plugin(<target> SOURCES <files>...)
# A plugin is a MODULE library: loaded at run time with Boost.DLL, never linked against. Only its
# entry point is exported (hidden visibility); it links the host library and LibTorch as shared
# libraries, so host and plugins share one copy of every registry and type_info.
# The same file serves pulab's own build and, installed with find_package(pulab), plugins built
# outside the tree: there the library lands in the current build folder (or PULAB_PLUGIN_OUTPUT_DIR
# when set), ready for `pulab run ... --plugin-dir <that folder>`, and `cmake --install` puts it in
# <prefix>/lib/pulab/plugins, where a pulab installed in the same prefix loads it without flags.
include(GNUInstallDirs)
function(pulab_add_plugin target)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE pulab::core)
  target_compile_options(${target} PRIVATE ${PULAB_WARNINGS})
  set_target_properties(${target} PROPERTIES
    PREFIX "libpulab_"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(PULAB_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${PULAB_PLUGIN_OUTPUT_DIR})
  endif()
  set(dest ${PULAB_INSTALL_PLUGIN_DIR})  # set by pulabConfig.cmake: the installed pulab's layout
  if(NOT dest)
    set(dest ${CMAKE_INSTALL_LIBDIR}/pulab/plugins)
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION ${dest})
  set_property(GLOBAL APPEND PROPERTY PULAB_PLUGINS ${target})
endfunction()

# Adds every sub-folder of the current folder that has a CMakeLists.txt: a folder is a plugin, so
# adding a folder adds a plugin.
function(pulab_add_plugin_folders)
  file(GLOB entries LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/*)
  foreach(dir ${entries})
    if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/CMakeLists.txt)
      add_subdirectory(${dir})
    endif()
  endforeach()
endfunction()
