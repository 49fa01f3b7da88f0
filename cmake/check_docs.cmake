# cmake -DDOXYGEN=<doxygen> -DSRC=<source dir> -DOUT=<dir> -DVERSION=<v>
#       -P check_docs.cmake
#
# Build the API reference (docs/Doxyfile) into OUT and fail on any Doxygen
# warning that docs/doxygen-known-warnings.txt does not list.  Warnings are
# compared without their line numbers ("include/genpt/x.h: warning: ...").
# A listed warning that no longer occurs is reported, not failed: take it
# off the list.  Also fails when docs/api.md does not name every public
# function and variable of include/genpt/*.h.
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
file(WRITE ${OUT}/Doxyfile
  "@INCLUDE = ${SRC}/docs/Doxyfile\n"
  "PROJECT_NUMBER = ${VERSION}\n"
  "OUTPUT_DIRECTORY = ${OUT}\n"
  "WARN_LOGFILE = ${OUT}/doxygen-warnings.log\n")
execute_process(COMMAND ${DOXYGEN} ${OUT}/Doxyfile WORKING_DIRECTORY ${SRC}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "doxygen failed (${rc}):\n${out}\n${err}")
endif()
if(NOT EXISTS ${OUT}/html/index.html)
  message(FATAL_ERROR "doxygen wrote no ${OUT}/html/index.html")
endif()

file(STRINGS ${OUT}/doxygen-warnings.log warnings)
file(STRINGS ${SRC}/docs/doxygen-known-warnings.txt known REGEX "^[^#]")
set(new "")
set(seen "")
foreach(w ${warnings})
  # /abs/path/file:123: warning: text  ->  rel/path/file: warning: text
  string(REPLACE "${SRC}/" "" w "${w}")
  string(REGEX REPLACE "^([^:]+):[0-9]+: " "\\1: " w "${w}")
  if(NOT w MATCHES "warning:")
    continue()   # continuation lines of a multi-line warning
  endif()
  list(FIND known "${w}" i)
  if(i EQUAL -1)
    list(APPEND new "${w}")
  else()
    list(APPEND seen "${w}")
  endif()
endforeach()
foreach(k ${known})
  list(FIND seen "${k}" i)
  if(i EQUAL -1)
    message(STATUS "no longer warned, take it off docs/doxygen-known-warnings.txt: ${k}")
  endif()
endforeach()
# docs/api.md, the one-page tour, names every public function and variable.
file(GLOB headers ${SRC}/include/genpt/*.h)
file(READ ${SRC}/docs/api.md api)
set(untoured "")
set(napi 0)
foreach(h ${headers})
  file(READ ${h} text)
  string(REGEX MATCHALL "\nGENPT_API[^;]*;" decls "${text}")
  foreach(d ${decls})
    string(REGEX MATCH "(genpt_[a-z0-9_]+)[ \t]*[(;]" m "${d}")
    set(name "${CMAKE_MATCH_1}")
    math(EXPR napi "${napi} + 1")
    if(NOT api MATCHES "[^a-z0-9_]${name}[^a-z0-9_]")
      list(APPEND untoured ${name})
    endif()
  endforeach()
endforeach()
if(untoured)
  message(FATAL_ERROR "docs/api.md does not mention: ${untoured}")
endif()
message(STATUS "docs/api.md names all ${napi} public functions and variables")

list(LENGTH seen nseen)
if(new)
  string(REPLACE ";" "\n  " new "${new}")
  message(FATAL_ERROR "Doxygen warnings (document the member in its header, "
    "or list the line in docs/doxygen-known-warnings.txt):\n  ${new}")
endif()
message(STATUS "API reference: ${OUT}/html/index.html (${nseen} known warnings)")
