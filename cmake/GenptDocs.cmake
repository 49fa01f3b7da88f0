# `docs` target: the API reference from the public headers' comments
# (docs/Doxyfile; Debian package doxygen), into <build>/docs/html.  The
# headers use kernel-doc comments; docs/kdoc2doxygen.py turns them into
# Doxygen's syntax on the fly (INPUT_FILTER), so the headers stay as they
# are.  Doxygen's warnings go to <build>/docs/doxygen-warnings.log; the test
# docs_doxygen (GenptTests.cmake) fails on any that
# docs/doxygen-known-warnings.txt does not list.
# Inside a parent project the target is genpt_docs (a parent may have its own
# "docs").
if(GENPT_TOP_LEVEL)
  set(GENPT_DOCS_TARGET docs)
else()
  set(GENPT_DOCS_TARGET genpt_docs)
endif()
find_program(DOXYGEN_EXECUTABLE doxygen)
find_program(GENPT_PYTHON3 python3)   # runs the header filter
if(DOXYGEN_EXECUTABLE AND GENPT_PYTHON3)
  set(GENPT_DOCS_DIR ${PROJECT_BINARY_DIR}/docs)
  # docs/Doxyfile works by hand from the source root (output in
  # build/docs); this wrapper only moves the output and names the version.
  file(WRITE ${PROJECT_BINARY_DIR}/Doxyfile.genpt
    "@INCLUDE = ${PROJECT_SOURCE_DIR}/docs/Doxyfile\n"
    "PROJECT_NUMBER = ${PROJECT_VERSION}\n"
    "OUTPUT_DIRECTORY = ${GENPT_DOCS_DIR}\n"
    "WARN_LOGFILE = ${GENPT_DOCS_DIR}/doxygen-warnings.log\n")
  add_custom_target(${GENPT_DOCS_TARGET}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${GENPT_DOCS_DIR}
    COMMAND ${DOXYGEN_EXECUTABLE} ${PROJECT_BINARY_DIR}/Doxyfile.genpt
    COMMAND ${CMAKE_COMMAND} -E echo "API reference: ${GENPT_DOCS_DIR}/html/index.html"
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "Doxygen: API reference from include/genpt/*.h"
    VERBATIM)
else()
  add_custom_target(${GENPT_DOCS_TARGET}
    COMMAND ${CMAKE_COMMAND} -E echo "docs: needs doxygen and python3 (Debian: apt-get install doxygen python3)"
    COMMAND ${CMAKE_COMMAND} -E false
    VERBATIM)
endif()
