# libgenpt_freestanding.a: the table engine for bare-metal users, and
# libgenpt_hw_freestanding.a: the reference walks behind genpt_hw_access
# (genpt/hw.h), for a bare-metal test of the tables.  Separate archives,
# as the hosted libraries are: the engine never needs the hardware side.
#
# lib/core and lib/fmt (the generic algorithms and the formats), and
# lib/hw/*_walk.c + hw_access.c, compiled with -ffreestanding and
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
  ${PROJECT_SOURCE_DIR}/lib/fmt/*.c)
file(GLOB GENPT_HW_FREESTANDING_SOURCES CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/lib/hw/*_walk.c
  ${PROJECT_SOURCE_DIR}/lib/hw/hw_access.c)

add_library(genpt_freestanding STATIC ${GENPT_FREESTANDING_SOURCES})
add_library(genpt_hw_freestanding STATIC ${GENPT_HW_FREESTANDING_SOURCES})
target_link_libraries(genpt_hw_freestanding PUBLIC genpt_freestanding)
foreach(t genpt_freestanding genpt_hw_freestanding)
  target_include_directories(${t}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
    PRIVATE ${PROJECT_SOURCE_DIR}/lib)
  target_compile_definitions(${t} PRIVATE GENPT_FREESTANDING)
  set_target_properties(${t} PROPERTIES EXPORT_NAME ${t})
endforeach()

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
set_property(TARGET genpt_freestanding genpt_hw_freestanding PROPERTY COMPILE_OPTIONS
  ${GENPT_WARNINGS} -ffreestanding -fno-stack-protector ${GENPT_NOSTDINC}
  "SHELL:-isystem ${PROJECT_SOURCE_DIR}/cmake/freestanding")
