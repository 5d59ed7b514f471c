# wharf_module(NAME <module> [DEPS <lower modules>...] [LIBS <external targets>...]
#              [PRIVATE_LIBS <external targets>...])
#
# Declares the static library wharf_<module> from src/<module>/*.cpp with the
# public headers in include/wharf/<module>/. DEPS name other wharf modules; a
# module may only depend on modules that come before it in WHARF_MODULES, so a
# wrong layering fails at configure time instead of in review.
function(wharf_module)
  cmake_parse_arguments(WM "" "NAME" "DEPS;LIBS;PRIVATE_LIBS" ${ARGN})
  list(FIND WHARF_MODULES ${WM_NAME} self_index)
  if(self_index EQUAL -1)
    message(FATAL_ERROR "wharf module '${WM_NAME}' is not listed in WHARF_MODULES")
  endif()
  foreach(dep IN LISTS WM_DEPS)
    list(FIND WHARF_MODULES ${dep} dep_index)
    if(dep_index EQUAL -1 OR NOT dep_index LESS self_index)
      message(FATAL_ERROR "wharf module '${WM_NAME}' may not depend on '${dep}' (layering, see ARCHITECTURE.md)")
    endif()
  endforeach()
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(wharf_${WM_NAME} STATIC ${sources})
  target_include_directories(wharf_${WM_NAME}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  set(dep_targets "")
  foreach(dep IN LISTS WM_DEPS)
    list(APPEND dep_targets wharf_${dep})
  endforeach()
  target_link_libraries(wharf_${WM_NAME} PUBLIC ${dep_targets} ${WM_LIBS} PRIVATE ${WM_PRIVATE_LIBS})
endfunction()
