# The documentation a user reads, built from the public headers' comments
# and installed with the library:
#
#   <build>/docs/html/      the API reference (Doxygen, docs/Doxyfile; the
#                           headers' kernel-doc comments go through
#                           docs/kdoc2doxygen.py, so the headers stay as
#                           they are)
#   <build>/docs/man/man3/  a man page per public function and variable and
#                           genpt.3, the overview (docs/kdoc2man.py)
#
# installed as
#
#   <datarootdir>/doc/genpt/html/    the reference
#   <datarootdir>/doc/genpt/*.md     README and the guides (docs/), perf/*.png
#   <mandir>/man3/genpt*.3           `man genpt_map`, `man genpt`
#
# `cmake --build <dir> --target docs` (genpt_docs inside a parent project)
# builds both.  With GENPT_INSTALL_DOCS (default ON, OFF inside a parent
# project) they are part of the default build and of the install; a machine without doxygen or python3
# skips what it cannot build, with a message.  Doxygen's warnings go to
# <build>/docs/doxygen-warnings.log; the test docs_doxygen
# (GenptTests.cmake) fails on any that docs/doxygen-known-warnings.txt does
# not list.
option(GENPT_INSTALL_DOCS "Build and install the API reference, the man pages and the guides" ${GENPT_TOP_LEVEL})
# Inside a parent project the target is genpt_docs (a parent may have its
# own "docs").
if(GENPT_TOP_LEVEL)
  set(GENPT_DOCS_TARGET docs)
else()
  set(GENPT_DOCS_TARGET genpt_docs)
endif()
find_program(DOXYGEN_EXECUTABLE doxygen)
find_program(GENPT_PYTHON3 python3)   # runs the header filter, writes the man pages

set(GENPT_DOCS_DIR ${PROJECT_BINARY_DIR}/docs)
set(GENPT_DOC_INSTALL_DIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/genpt)
file(GLOB GENPT_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/genpt/*.h)
file(GLOB GENPT_DOC_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
set(GENPT_DOC_OUTPUTS "")

if(GENPT_PYTHON3)
  add_custom_command(OUTPUT ${GENPT_DOCS_DIR}/man/man3/genpt.3
    COMMAND ${GENPT_PYTHON3} ${PROJECT_SOURCE_DIR}/docs/kdoc2man.py
            --out ${GENPT_DOCS_DIR}/man/man3 --version ${PROJECT_VERSION}
            ${GENPT_PUBLIC_HEADERS}
    DEPENDS ${GENPT_PUBLIC_HEADERS} ${PROJECT_SOURCE_DIR}/docs/kdoc2man.py
    COMMENT "Man pages from include/genpt/*.h"
    VERBATIM)
  list(APPEND GENPT_DOC_OUTPUTS ${GENPT_DOCS_DIR}/man/man3/genpt.3)
endif()

if(DOXYGEN_EXECUTABLE AND GENPT_PYTHON3)
  # docs/Doxyfile works by hand from the source root (output in
  # build/docs); this wrapper only moves the output and names the version.
  file(WRITE ${PROJECT_BINARY_DIR}/Doxyfile.genpt
    "@INCLUDE = ${PROJECT_SOURCE_DIR}/docs/Doxyfile\n"
    "PROJECT_NUMBER = ${PROJECT_VERSION}\n"
    "OUTPUT_DIRECTORY = ${GENPT_DOCS_DIR}\n"
    "WARN_LOGFILE = ${GENPT_DOCS_DIR}/doxygen-warnings.log\n")
  add_custom_command(OUTPUT ${GENPT_DOCS_DIR}/html/index.html
    COMMAND ${CMAKE_COMMAND} -E make_directory ${GENPT_DOCS_DIR}
    COMMAND ${DOXYGEN_EXECUTABLE} ${PROJECT_BINARY_DIR}/Doxyfile.genpt
    COMMAND ${CMAKE_COMMAND} -E echo "API reference: ${GENPT_DOCS_DIR}/html/index.html"
    DEPENDS ${GENPT_PUBLIC_HEADERS} ${GENPT_DOC_PAGES} ${PROJECT_SOURCE_DIR}/docs/Doxyfile
            ${PROJECT_SOURCE_DIR}/docs/kdoc2doxygen.py
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    COMMENT "Doxygen: API reference from include/genpt/*.h"
    VERBATIM)
  list(APPEND GENPT_DOC_OUTPUTS ${GENPT_DOCS_DIR}/html/index.html)
endif()

if(GENPT_DOC_OUTPUTS)
  if(GENPT_INSTALL_DOCS)
    set(GENPT_DOCS_ALL ALL)
  else()
    set(GENPT_DOCS_ALL "")
  endif()
  add_custom_target(${GENPT_DOCS_TARGET} ${GENPT_DOCS_ALL} DEPENDS ${GENPT_DOC_OUTPUTS})
else()
  add_custom_target(${GENPT_DOCS_TARGET}
    COMMAND ${CMAKE_COMMAND} -E echo "docs: needs doxygen and python3 (Debian: apt-get install doxygen python3)"
    COMMAND ${CMAKE_COMMAND} -E false
    VERBATIM)
endif()
if(GENPT_INSTALL_DOCS AND NOT (DOXYGEN_EXECUTABLE AND GENPT_PYTHON3))
  message(STATUS "genpt: doxygen or python3 missing: the API reference (or the man pages) "
                 "will not be built or installed")
endif()

if(GENPT_INSTALL AND GENPT_INSTALL_DOCS)
  if(GENPT_PYTHON3)
    install(DIRECTORY ${GENPT_DOCS_DIR}/man/man3 DESTINATION ${CMAKE_INSTALL_MANDIR}
            FILES_MATCHING PATTERN "*.3")
  endif()
  if(DOXYGEN_EXECUTABLE AND GENPT_PYTHON3)
    install(DIRECTORY ${GENPT_DOCS_DIR}/html DESTINATION ${GENPT_DOC_INSTALL_DIR})
  endif()
  # The guides a user reads (docs/design.md is about the project's own
  # brief, not for users).
  set(GENPT_GUIDES ${GENPT_DOC_PAGES})
  list(REMOVE_ITEM GENPT_GUIDES ${PROJECT_SOURCE_DIR}/docs/design.md)
  install(FILES ${PROJECT_SOURCE_DIR}/README.md ${GENPT_GUIDES}
          DESTINATION ${GENPT_DOC_INSTALL_DIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/perf/ DESTINATION ${GENPT_DOC_INSTALL_DIR}/perf
          FILES_MATCHING PATTERN "*.png")
endif()
