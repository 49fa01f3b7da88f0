# cmake -DNM=<nm> -DLIB=<libgenpt_freestanding.a> -P check_freestanding_symbols.cmake
#
# Every symbol the archive references must be defined in it, or be one of
# what a freestanding GCC/Clang target always has: memcpy, memset, memmove,
# memcmp (GCC's documented requirement on a freestanding environment), the
# linker-made _GLOBAL_OFFSET_TABLE_ (position-independent code) and
# libgcc's helpers (integer routines such as __clzdi2 or __udivti3, and
# AArch64's outline atomics __aarch64_cas8_* ...).  Calls into libatomic
# (__atomic_*), the stack protector or any C library function fail.
# LIB2: a second archive linked with the first (the hardware archive
# needs the engine archive's genpt_* calls).
execute_process(COMMAND ${NM} -g ${LIB} ${LIB2} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -g ${LIB} failed")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(defined "")
set(undefined "")
foreach(l ${lines})
  if(l MATCHES "^ +U ([^ ]+)$")
    list(APPEND undefined ${CMAKE_MATCH_1})
  elseif(l MATCHES "^[0-9a-fA-F]+ [A-Za-z] ([^ ]+)$")
    list(APPEND defined ${CMAKE_MATCH_1})
  endif()
endforeach()
list(REMOVE_DUPLICATES undefined)
set(bad "")
set(ok "")
foreach(s ${undefined})
  list(FIND defined ${s} i)
  if(NOT i EQUAL -1)
    continue()
  endif()
  if(s MATCHES "^(memcpy|memset|memmove|memcmp)$" OR
     s STREQUAL "_GLOBAL_OFFSET_TABLE_" OR
     s MATCHES "^__[a-z0-9]+[sdt]i[0-9]$" OR
     s MATCHES "^__aarch64_(cas|ldadd|ldclr|ldset|ldeor|swp)[0-9]+_(relax|acq|rel|acq_rel|sync)$")
    list(APPEND ok ${s})
  else()
    list(APPEND bad ${s})
  endif()
endforeach()
list(LENGTH defined ndef)
if(bad)
  message(FATAL_ERROR "libgenpt_freestanding.a needs symbols a freestanding target does not have: ${bad}")
endif()
message(STATUS "freestanding: ${ndef} symbols defined; needs only: ${ok}")
