# Install rules: two libraries, each its own CMake install component, its
# own export set and its own pkg-config file, so a hypervisor installs and
# links the engine without the hardware models.
#
#   component engine: libgenpt.so.<major>.<minor>.<patch> (SONAME
#                     libgenpt.so.<major>), libgenpt.a, libgenpt_freestanding.a,
#                     the engine headers, genptConfig*.cmake, genptTargets*.cmake,
#                     genpt.pc
#   component hw:     libgenpt_hw.so.<...> (SONAME libgenpt_hw.so.<major>),
#                     libgenpt_hw.a, libgenpt_hw_freestanding.a, the hardware
#                     headers, genptHwTargets*.cmake, genpt-hw.pc
#
# `cmake --install <build> --component engine` installs the engine alone.
# find_package(genpt) gives genpt::genpt (shared), genpt::genpt_static,
# genpt::genpt_freestanding, and with the hw component (asked with
# COMPONENTS hw, or found when installed) genpt::genpt_hw,
# genpt::genpt_hw_static and genpt::genpt_hw_freestanding.  Everything is
# relocatable: the CMake files and the .pc files find the prefix relative to
# where they lie, so `cmake --install <build> --prefix <anywhere>` works.
include(CMakePackageConfigHelpers)

set(GENPT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/genpt)
set(GENPT_INSTALL_TARGETS genpt_shared genpt_static)
set(GENPT_HW_INSTALL_TARGETS genpt_hw_shared genpt_hw_static)
if(TARGET genpt_freestanding)
  list(APPEND GENPT_INSTALL_TARGETS genpt_freestanding)
  list(APPEND GENPT_HW_INSTALL_TARGETS genpt_hw_freestanding)
endif()
# The hardware side's public headers; every other header is the engine's.
set(GENPT_HW_HEADERS hw.h sim_iommu.h riscv_iommu_model.h riscv_iommu.h smmuv3_model.h smmuv3.h genpt.h)

install(TARGETS ${GENPT_INSTALL_TARGETS} EXPORT genptTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT engine
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT engine
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT engine
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ${GENPT_HW_INSTALL_TARGETS} EXPORT genptHwTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT hw
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT hw
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT hw
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(GENPT_HW_HEADER_EXCLUDES "")
foreach(h ${GENPT_HW_HEADERS})
  list(APPEND GENPT_HW_HEADER_EXCLUDES PATTERN ${h} EXCLUDE)
  install(FILES ${PROJECT_SOURCE_DIR}/include/genpt/${h}
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/genpt COMPONENT hw)
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/genpt
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT engine
        FILES_MATCHING PATTERN "*.h" ${GENPT_HW_HEADER_EXCLUDES})
install(EXPORT genptTargets NAMESPACE genpt:: DESTINATION ${GENPT_CMAKE_DIR}
        COMPONENT engine)
install(EXPORT genptHwTargets NAMESPACE genpt:: DESTINATION ${GENPT_CMAKE_DIR}
        COMPONENT hw)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/genptConfig.cmake.in
  ${PROJECT_BINARY_DIR}/genptConfig.cmake
  INSTALL_DESTINATION ${GENPT_CMAKE_DIR})
# 0.x: the SONAME carries the major number only, so does the package.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/genptConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/genptConfig.cmake
              ${PROJECT_BINARY_DIR}/genptConfigVersion.cmake
        DESTINATION ${GENPT_CMAKE_DIR} COMPONENT engine)

# genpt.pc: the prefix is found from the file's own place (${pcfiledir}).
file(RELATIVE_PATH GENPT_PC_TO_PREFIX
  /genpt-prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /genpt-prefix)
string(REGEX REPLACE "/$" "" GENPT_PC_TO_PREFIX "${GENPT_PC_TO_PREFIX}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "genpt.pc: CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR must be relative")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/genpt.pc.in
               ${PROJECT_BINARY_DIR}/genpt.pc @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/cmake/genpt-hw.pc.in
               ${PROJECT_BINARY_DIR}/genpt-hw.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/genpt.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT engine)
install(FILES ${PROJECT_BINARY_DIR}/genpt-hw.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT hw)
