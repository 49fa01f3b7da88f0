# Tests of the build products themselves (registered after test/):
#
#  package_consumer     install into <build>/package-test/prefix, then build
#                       examples/consumer against the installed package with
#                       find_package (shared and static) and with pkg-config
#                       (examples/consumer/Makefile), run each, and check the
#                       SONAME and the version file (scripts/package-test.sh)
#  freestanding_headers lib/core, lib/fmt, the lib/hw walks include only
#                       freestanding headers (and errno.h)
#  freestanding_symbols libgenpt_freestanding.a needs nothing from outside
#                       but memcpy/memset/memmove/memcmp and libgcc helpers
#                       (_hw: libgenpt_hw_freestanding.a with it, the same)
#  layers               no file includes across a forbidden layer boundary
#                       (scripts/check-layers.sh)
#  function_length      no function in lib/ or tools/ over 80 lines
#                       (scripts/check-function-length.sh)
#  subproject_build     a parent project builds genpt with add_subdirectory()
#                       in Release with -Wall -Wextra: no warning at all
#                       (scripts/subproject-test.sh)
#  docs_doxygen         the API reference builds without a Doxygen warning
#                       that docs/doxygen-known-warnings.txt does not list
#                       (when doxygen and python3 are installed)

# What the consumer must be built with to link this build's library.
set(GENPT_CONSUMER_FLAGS "")
if(GENPT_SANITIZE)
  set(GENPT_CONSUMER_FLAGS "-fsanitize=${GENPT_SANITIZE}")
endif()
set(GENPT_CONSUMER_EMULATOR "")
if(CMAKE_CROSSCOMPILING_EMULATOR)
  string(REPLACE ";" " " GENPT_CONSUMER_EMULATOR "${CMAKE_CROSSCOMPILING_EMULATOR}")
endif()
if(GENPT_INSTALL)
  add_test(NAME package_consumer
    COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/package-test.sh)
  set_tests_properties(package_consumer PROPERTIES TIMEOUT 600 LABELS package
    ENVIRONMENT "GENPT_SRC=${PROJECT_SOURCE_DIR};GENPT_BUILD=${PROJECT_BINARY_DIR};GENPT_CC=${CMAKE_C_COMPILER};GENPT_CFLAGS=${GENPT_CONSUMER_FLAGS};GENPT_EMULATOR=${GENPT_CONSUMER_EMULATOR};GENPT_TOOLCHAIN=${CMAKE_TOOLCHAIN_FILE};GENPT_VERSION=${PROJECT_VERSION};GENPT_SOVERSION=${PROJECT_VERSION_MAJOR};GENPT_GENERATOR=${CMAKE_GENERATOR};GENPT_NM=${CMAKE_NM}")
endif()

# A parent project building genpt with add_subdirectory() in Release
# (-O3) with its own -Wall -Wextra: no warning, developer parts off.  Plain
# native builds only (it compiles the library once more, about 30 s).
if(NOT GENPT_SANITIZE AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME subproject_build
    COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/subproject-test.sh)
  set_tests_properties(subproject_build PROPERTIES TIMEOUT 600 LABELS package
    ENVIRONMENT "GENPT_SRC=${PROJECT_SOURCE_DIR};GENPT_BUILD=${PROJECT_BINARY_DIR};GENPT_CC=${CMAKE_C_COMPILER};GENPT_GENERATOR=${CMAKE_GENERATOR}")
endif()

add_test(NAME freestanding_headers
  COMMAND ${CMAKE_COMMAND} -DSRC=${PROJECT_SOURCE_DIR}
          -P ${PROJECT_SOURCE_DIR}/cmake/check_freestanding_headers.cmake)
set_tests_properties(freestanding_headers PROPERTIES LABELS freestanding)
if(TARGET genpt_freestanding)
  add_test(NAME freestanding_symbols
    COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM} -DLIB=$<TARGET_FILE:genpt_freestanding>
            -P ${PROJECT_SOURCE_DIR}/cmake/check_freestanding_symbols.cmake)
  set_tests_properties(freestanding_symbols PROPERTIES LABELS freestanding)
  add_test(NAME freestanding_symbols_hw
    COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM} -DLIB=$<TARGET_FILE:genpt_hw_freestanding>
            -DLIB2=$<TARGET_FILE:genpt_freestanding>
            -P ${PROJECT_SOURCE_DIR}/cmake/check_freestanding_symbols.cmake)
  set_tests_properties(freestanding_symbols_hw PROPERTIES LABELS freestanding)
endif()

# The include graph does not depend on the build either, but it is cheap.
add_test(NAME layers COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/check-layers.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(layers PROPERTIES LABELS layers)
add_test(NAME function_length
  COMMAND sh ${PROJECT_SOURCE_DIR}/scripts/check-function-length.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(function_length PROPERTIES LABELS layers)

# The reference does not depend on the build: check it in plain native
# builds only (not once per sanitizer or cross build).
if(DOXYGEN_EXECUTABLE AND GENPT_PYTHON3 AND NOT GENPT_SANITIZE AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME docs_doxygen
    COMMAND ${CMAKE_COMMAND} -DDOXYGEN=${DOXYGEN_EXECUTABLE}
            -DSRC=${PROJECT_SOURCE_DIR} -DOUT=${PROJECT_BINARY_DIR}/docs-test
            -DVERSION=${PROJECT_VERSION}
            -P ${PROJECT_SOURCE_DIR}/cmake/check_docs.cmake)
  # The timeouts catch a hang only: at load average 17 on 2 cores doxygen
  # alone took more than 300 s (about 60 s idle).
  set_tests_properties(docs_doxygen PROPERTIES TIMEOUT 600 LABELS docs)
endif()
