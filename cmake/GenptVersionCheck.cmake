# genpt_check_version_header(<file>): fail the configure step when the
# GENPT_VERSION_* macros in <file> differ from project(genpt VERSION ...).
# The header is static (not generated) so that projects building lib/core
# with their own build system get it too; this keeps the two in step.
function(genpt_check_version_header file)
  file(STRINGS ${file} lines REGEX "^#define GENPT_VERSION_(MAJOR|MINOR|PATCH|STRING) ")
  foreach(part MAJOR MINOR PATCH STRING)
    set(v_${part} "")
    foreach(l ${lines})
      if(l MATCHES "^#define GENPT_VERSION_${part} +\"?([0-9.]+)\"?$")
        set(v_${part} ${CMAKE_MATCH_1})
      endif()
    endforeach()
  endforeach()
  set(want "${PROJECT_VERSION_MAJOR};${PROJECT_VERSION_MINOR};${PROJECT_VERSION_PATCH};${PROJECT_VERSION}")
  set(have "${v_MAJOR};${v_MINOR};${v_PATCH};${v_STRING}")
  if(NOT have STREQUAL want)
    message(FATAL_ERROR
      "${file} says ${v_MAJOR}.${v_MINOR}.${v_PATCH} (\"${v_STRING}\") but "
      "project(genpt VERSION ${PROJECT_VERSION}): bump both together.")
  endif()
endfunction()
