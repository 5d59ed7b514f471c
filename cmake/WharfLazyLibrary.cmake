# wharf_lazy_library(MODULE <module> TARGET <imported target> NAME <NAME>
#                    FILE_REGEX <regex for the library file name>)
#
# Gives wharf_<module> the C library <target> either linked as usual or, with
# WHARF_LAZY_LIBS, only its headers: the module then opens the library with
# dlopen on first use (wharf/util/lazy_library.hpp), so processes that never
# use it do not map it. The soname comes from the library file the build found
# (its DT_SONAME, read with readelf or objdump); when it cannot be read (a
# static library, a linker script, no binutils), the module is linked as usual.
#
# Defines for the module's sources: WHARF_LAZY_<NAME> (0 or 1) and, when 1,
# WHARF_<NAME>_SONAME ("libcurl.so.4").

# The shared library file behind an imported target: its IMPORTED_LOCATION
# (per configuration too), else the first absolute path in its link libraries
# whose file name matches `regex` (pkg-config targets).
function(_wharf_library_file out target regex)
  set(candidates "")
  foreach(property IMPORTED_LOCATION IMPORTED_LOCATION_RELEASE IMPORTED_LOCATION_RELWITHDEBINFO
                   IMPORTED_LOCATION_NOCONFIG IMPORTED_LOCATION_DEBUG INTERFACE_LINK_LIBRARIES)
    get_target_property(value ${target} ${property})
    if(value)
      list(APPEND candidates ${value})
    endif()
  endforeach()
  foreach(candidate IN LISTS candidates)
    get_filename_component(name "${candidate}" NAME)
    if(IS_ABSOLUTE "${candidate}" AND EXISTS "${candidate}" AND name MATCHES "${regex}")
      set(${out} "${candidate}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

# The DT_SONAME of `file`, read with readelf (else objdump); empty when the
# file has none or neither tool is there.
function(_wharf_soname out file)
  set(${out} "" PARENT_SCOPE)
  if(NOT file)
    return()
  endif()
  if(CMAKE_READELF AND EXISTS "${CMAKE_READELF}")
    execute_process(COMMAND ${CMAKE_READELF} -d "${file}"
      OUTPUT_VARIABLE dynamic ERROR_QUIET RESULT_VARIABLE rc)
    if(rc EQUAL 0 AND dynamic MATCHES "\\(SONAME\\)[^\n]*\\[([^]\n]+)\\]")
      set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
      return()
    endif()
  endif()
  if(CMAKE_OBJDUMP AND EXISTS "${CMAKE_OBJDUMP}")
    execute_process(COMMAND ${CMAKE_OBJDUMP} -p "${file}"
      OUTPUT_VARIABLE headers ERROR_QUIET RESULT_VARIABLE rc)
    if(rc EQUAL 0 AND headers MATCHES "\n[ \t]*SONAME[ \t]+([^ \t\n]+)")
      set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
    endif()
  endif()
endfunction()

function(wharf_lazy_library)
  cmake_parse_arguments(WL "" "MODULE;TARGET;NAME;FILE_REGEX" "" ${ARGN})
  set(module wharf_${WL_MODULE})
  set(soname "")
  if(WHARF_LAZY_LIBS)
    _wharf_library_file(file ${WL_TARGET} "${WL_FILE_REGEX}")
    _wharf_soname(soname "${file}")
    if(NOT soname)
      message(STATUS "wharf: no soname for ${WL_TARGET} ('${file}'); linking it as usual")
    endif()
  endif()
  if(soname)
    message(STATUS "wharf: ${WL_TARGET} is loaded on first use as ${soname}")
    # For tests that check what is (not) loaded, and what happens without the
    # library: WHARF_LAZY_<NAME> and the file the soname resolves to.
    set_property(GLOBAL APPEND PROPERTY WHARF_LAZY_LOADED ${WL_NAME})
    file(REAL_PATH "${file}" real_file)
    set_property(GLOBAL PROPERTY WHARF_LAZY_FILE_${WL_NAME} "${real_file}")
    target_include_directories(${module} SYSTEM PRIVATE
      $<TARGET_PROPERTY:${WL_TARGET},INTERFACE_INCLUDE_DIRECTORIES>)
    target_compile_definitions(${module} PRIVATE
      $<TARGET_PROPERTY:${WL_TARGET},INTERFACE_COMPILE_DEFINITIONS>
      WHARF_LAZY_${WL_NAME}=1 WHARF_${WL_NAME}_SONAME="${soname}")
    target_compile_options(${module} PRIVATE
      $<TARGET_PROPERTY:${WL_TARGET},INTERFACE_COMPILE_OPTIONS>)
  else()
    target_link_libraries(${module} PRIVATE ${WL_TARGET})
    target_compile_definitions(${module} PRIVATE WHARF_LAZY_${WL_NAME}=0)
  endif()
endfunction()
