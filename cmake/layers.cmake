# The layers, enforced by the build (docs/architecture.md draws them).
#
# No target exports src/ as an include directory. Each library exports a
# view of its own: a directory under build/layers/<target>/ holding a link
# to its source folder (or to some of its headers only), so `#include
# "net/worker.h"` resolves only in targets that link lobbyd_net, directly or
# through a PUBLIC dependency. An include that crosses a layer the wrong way
# (core including an http header, core including the SQL store) is a
# compile error: "fatal error: http/http_server.h: No such file or
# directory".
#
#   lobbyd_layer(<target> <folder under src/> [HEADERS <file>...])
#
# With HEADERS, the view holds just those files of the folder: the interface
# of a layer whose other headers are internal (store: the typed port that
# core may use, not the SOCI implementation).
function(lobbyd_layer target folder)
  cmake_parse_arguments(L "" "" "HEADERS" ${ARGN})
  set(view ${CMAKE_BINARY_DIR}/layers/${target})
  if(L_HEADERS)
    file(MAKE_DIRECTORY ${view}/${folder})
    foreach(h IN LISTS L_HEADERS)
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder}/${h} ${view}/${folder}/${h} SYMBOLIC)
    endforeach()
  else()
    file(MAKE_DIRECTORY ${view})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${folder} ${view}/${folder} SYMBOLIC)
  endif()
  get_target_property(kind ${target} TYPE)
  if(kind STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE ${view})
  else()
    target_include_directories(${target} PUBLIC ${view})
  endif()
endfunction()
