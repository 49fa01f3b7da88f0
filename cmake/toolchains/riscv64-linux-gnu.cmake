# Cross build for riscv64 Linux with Debian's cross compiler
# (gcc-riscv64-linux-gnu); tests run under qemu-user (qemu-riscv64) with the cross
# sysroot's libraries.  scripts/cross.sh uses this file:
#   cmake -S . -B build/cross-riscv64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/riscv64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(GENPT_CROSS_TRIPLE riscv64-linux-gnu)

set(CMAKE_C_COMPILER ${GENPT_CROSS_TRIPLE}-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/${GENPT_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest runs every test executable through this (add_test with a target).
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-riscv64 -L /usr/${GENPT_CROSS_TRIPLE})
