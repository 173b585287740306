# pulab_add_plugin(<target> SOURCES <files>...)
# A plugin is a MODULE library: loaded at run time with Boost.DLL, never linked against. Only its
# entry point is exported (hidden visibility); it links the host library and LibTorch as shared
# libraries, so host and plugins share one copy of every registry and type_info.
function(pulab_add_plugin target)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE pulab::core)
  target_compile_options(${target} PRIVATE ${PULAB_WARNINGS})
  set_target_properties(${target} PROPERTIES
    PREFIX "libpulab_"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${PULAB_PLUGIN_OUTPUT_DIR})
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/pulab/plugins)
  set_property(GLOBAL APPEND PROPERTY PULAB_PLUGINS ${target})
endfunction()
