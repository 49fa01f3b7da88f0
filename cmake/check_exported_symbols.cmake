# cmake -DNM=<nm> -DLIB=<libgenpt.so> [-DFORBID=<regex>] -P check_exported_symbols.cmake
#
# FORBID: genpt_* symbols that belong to the other library (libgenpt vs
# libgenpt_hw): finding one means a source file landed in the wrong one.
# Only genpt_* may leave the shared library (hidden visibility plus the
# version script lib/genpt.map).  Fails as well when nm fails or finds no
# genpt_* symbol at all, so a broken nm cannot pass the check.
execute_process(COMMAND ${NM} -D --defined-only ${LIB}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIB} failed: ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(good 0)
set(bad "")
foreach(l ${lines})
  if(l MATCHES "^[0-9a-fA-F]* *[A-Za-z] ([^ ]+)$")
    set(s ${CMAKE_MATCH_1})
    string(REGEX REPLACE "@.*" "" s "${s}")
    if(DEFINED FORBID AND s MATCHES "${FORBID}")
      list(APPEND bad ${s})
    elseif(s MATCHES "^genpt_")
      math(EXPR good "${good} + 1")
    else()
      list(APPEND bad ${s})
    endif()
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "exported besides genpt_* or from the other library: ${bad}")
endif()
if(good EQUAL 0)
  message(FATAL_ERROR "no genpt_* symbol exported from ${LIB}?")
endif()
message(STATUS "${good} symbols exported, all genpt_*")
