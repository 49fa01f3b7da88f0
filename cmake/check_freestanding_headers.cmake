# cmake -DSRC=<source dir> -P check_freestanding_headers.cmake
#
# lib/core and lib/fmt (what libgenpt_freestanding.a is made of), the
# reference walks and genpt_hw_access (libgenpt_hw_freestanding.a), and the
# public headers they use may include only the headers a
# freestanding C11 implementation has (C11 4p6: float.h, iso646.h,
# limits.h, stdalign.h, stdarg.h, stdbool.h, stddef.h, stdint.h,
# stdnoreturn.h; stdatomic.h is allowed too) plus errno.h for the E*
# constants (a bare-metal user supplies it: cmake/freestanding/errno.h).
# The -nostdinc build of the archive enforces the same; this names the
# offending line.
set(allowed float.h iso646.h limits.h stdalign.h stdarg.h stdbool.h
            stddef.h stdint.h stdnoreturn.h stdatomic.h errno.h)
file(GLOB files ${SRC}/lib/core/*.[ch] ${SRC}/lib/fmt/*.[ch] ${SRC}/lib/hw/*_walk.[ch]
                ${SRC}/lib/hw/hw_access.c ${SRC}/include/genpt/hw.h
                ${SRC}/include/genpt/table.h ${SRC}/include/genpt/mem.h
                ${SRC}/include/genpt/export.h ${SRC}/include/genpt/version.h)
set(bad "")
set(n 0)
# Includes inside "#ifndef GENPT_FREESTANDING" (up to its #else/#endif)
# are the hosted build's and do not count.
foreach(f ${files})
  file(STRINGS ${f} lines REGEX "^[ \t]*#")
  set(depth 0)      # conditional nesting
  set(hosted -1)    # depth at which a hosted-only block opened, -1 none
  foreach(l ${lines})
    if(l MATCHES "^[ \t]*#[ \t]*if")
      math(EXPR depth "${depth} + 1")
      if(hosted EQUAL -1 AND l MATCHES "^[ \t]*#[ \t]*ifndef[ \t]+GENPT_FREESTANDING")
        set(hosted ${depth})
      endif()
    elseif(l MATCHES "^[ \t]*#[ \t]*(else|elif)")
      if(hosted EQUAL depth)
        set(hosted -1)
      endif()
    elseif(l MATCHES "^[ \t]*#[ \t]*endif")
      if(hosted EQUAL depth)
        set(hosted -1)
      endif()
      math(EXPR depth "${depth} - 1")
    elseif(l MATCHES "^[ \t]*#[ \t]*include[ \t]*<([^>]+)>")
      set(h ${CMAKE_MATCH_1})
      if(NOT hosted EQUAL -1)
        continue()
      endif()
      math(EXPR n "${n} + 1")
      list(FIND allowed "${h}" i)
      if(i EQUAL -1)
        file(RELATIVE_PATH rel ${SRC} ${f})
        list(APPEND bad "${rel}: <${h}>")
      endif()
    endif()
  endforeach()
endforeach()
if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  message(FATAL_ERROR "not a freestanding header:\n  ${bad}")
endif()
list(LENGTH files nf)
message(STATUS "${n} system includes in ${nf} files, all freestanding (or errno.h)")
