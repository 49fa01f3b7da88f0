# Install rules: the libraries, the headers, a CMake package and genpt.pc.
#
#   <prefix>/include/genpt/*.h
#   <libdir>/libgenpt.so.<major>.<minor>.<patch>, .so.<major> (SONAME), .so
#   <libdir>/libgenpt.a   (and libgenpt_freestanding.a with GENPT_FREESTANDING)
#   <libdir>/cmake/genpt/genptConfig.cmake, genptConfigVersion.cmake,
#                        genptTargets*.cmake
#   <libdir>/pkgconfig/genpt.pc
#
# find_package(genpt) gives genpt::genpt (shared), genpt::genpt_static and,
# when built, genpt::genpt_freestanding.  Everything is relocatable: the
# CMake files and genpt.pc find the prefix relative to where they lie, so
# `cmake --install <build> --prefix <anywhere>` works.
include(CMakePackageConfigHelpers)

set(GENPT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/genpt)
set(GENPT_INSTALL_TARGETS genpt_shared genpt_static)
if(TARGET genpt_freestanding)
  list(APPEND GENPT_INSTALL_TARGETS genpt_freestanding)
endif()

install(TARGETS ${GENPT_INSTALL_TARGETS} EXPORT genptTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/genpt
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(EXPORT genptTargets NAMESPACE genpt:: DESTINATION ${GENPT_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/genptConfig.cmake.in
  ${PROJECT_BINARY_DIR}/genptConfig.cmake
  INSTALL_DESTINATION ${GENPT_CMAKE_DIR})
# 0.x: the SONAME carries the major number only, so does the package.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/genptConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/genptConfig.cmake
              ${PROJECT_BINARY_DIR}/genptConfigVersion.cmake
        DESTINATION ${GENPT_CMAKE_DIR})

# genpt.pc: the prefix is found from the file's own place (${pcfiledir}).
file(RELATIVE_PATH GENPT_PC_TO_PREFIX
  /genpt-prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /genpt-prefix)
string(REGEX REPLACE "/$" "" GENPT_PC_TO_PREFIX "${GENPT_PC_TO_PREFIX}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "genpt.pc: CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR must be relative")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/genpt.pc.in
               ${PROJECT_BINARY_DIR}/genpt.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/genpt.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
