# Cross-compiles native/ for 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu, to check the
# non-x86 build (scalar path only) from an x86-64 machine; run the results with qemu-aarch64
# (package qemu-user). See native/README.md, "Other architectures".
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
