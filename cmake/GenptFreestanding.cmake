# libgenpt_freestanding.a: the table engine for bare-metal users.
#
# lib/core, lib/fmt and lib/hw (the generic algorithms, the formats and the
# reference walks genpt_hw_access uses) compiled with -ffreestanding and
# -DGENPT_FREESTANDING, against nothing but the compiler's own headers
# (-nostdinc: stdint.h, stddef.h, stdbool.h, limits.h, ...) plus the
# errno.h template in cmake/freestanding/.  A header from a C library that
# crept into those directories therefore breaks this build.  In this
# build there are no built-in memory providers (lib/mem is hosted code):
# genpt_create() needs cfg->mem, and the struct genpt handle lives in a
# 4 KiB block from that provider.  The test freestanding_symbols checks
# that the archive needs no symbol from outside but memcpy/memset/
# memmove/memcmp (which GCC requires of every freestanding environment) and
# libgcc's integer and atomic helpers.
file(GLOB GENPT_FREESTANDING_SOURCES CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/lib/core/*.c
  ${PROJECT_SOURCE_DIR}/lib/fmt/*.c
  ${PROJECT_SOURCE_DIR}/lib/hw/*.c)

add_library(genpt_freestanding STATIC ${GENPT_FREESTANDING_SOURCES})
target_include_directories(genpt_freestanding
  PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
  PRIVATE ${PROJECT_SOURCE_DIR}/lib)
target_compile_definitions(genpt_freestanding PRIVATE GENPT_FREESTANDING)
set_target_properties(genpt_freestanding PROPERTIES EXPORT_NAME genpt_freestanding)

# The compiler's own header directory (GCC and Clang both answer this).
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE GENPT_CC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE rc)
if(rc EQUAL 0 AND IS_ABSOLUTE "${GENPT_CC_INCLUDE}" AND EXISTS "${GENPT_CC_INCLUDE}/stdint.h")
  set(GENPT_NOSTDINC -nostdinc "SHELL:-isystem ${GENPT_CC_INCLUDE}")
else()
  message(WARNING "genpt_freestanding: cannot find the compiler's own headers; "
                  "building without -nostdinc (C library headers stay reachable)")
  set(GENPT_NOSTDINC "")
endif()
# Replace the inherited directory options: the warnings stay, sanitizer
# instrumentation goes (its runtime is hosted code).
set_property(TARGET genpt_freestanding PROPERTY COMPILE_OPTIONS
  ${GENPT_WARNINGS} -ffreestanding -fno-stack-protector ${GENPT_NOSTDINC}
  "SHELL:-isystem ${PROJECT_SOURCE_DIR}/cmake/freestanding")
