# Per-file instruction-set flags for the native backend: each ISA path is its own source file,
# compiled with only that path's -m flags; the dispatcher gets none, so the library loads and
# chooses at run time on any CPU of its architecture.
#
# x86-64 gets the scalar, AVX2 and AVX-512 paths. Every other architecture (aarch64, ppc64le, ...)
# gets the scalar path only: it is plain C++ (the AVX files need x86 intrinsics), and the
# dispatcher's CPU checks (__builtin_cpu_supports) and its AVX tables are compiled under
# `#if defined(__x86_64__)` only, so there it reports "scalar" as the best and only path.
# The choice asks the compiler what it targets (__x86_64__, the same test as the dispatcher's),
# not CMAKE_SYSTEM_PROCESSOR, so that the two cannot disagree under a cross toolchain.
include(CheckCXXCompilerFlag)
include(CheckCXXSourceCompiles)

set(SPLOT_AVX2_FLAGS -mavx2 -mfma)
set(SPLOT_AVX512_FLAGS -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma -mavx2 -mprefer-vector-width=512 -Wno-uninitialized)

function(splot_isa_sources out_var)
  set(sources src/isa_scalar.cpp)
  check_cxx_source_compiles("#ifndef __x86_64__\n#error not x86-64\n#endif\nint main() { return 0; }" SPLOT_TARGET_X86_64)
  if(SPLOT_TARGET_X86_64)
    check_cxx_compiler_flag("-mavx512f -mavx512vl -mavx512bw -mavx512dq" SPLOT_HAS_AVX512_FLAGS)
    if(NOT SPLOT_HAS_AVX512_FLAGS)
      message(FATAL_ERROR "the compiler does not accept the AVX-512 flags; splot needs gcc >= 8 or clang >= 7 "
                          "(or build without the native backend: mvn -Dsplot.native.skip=true)")
    endif()
    list(APPEND sources src/isa_avx2.cpp src/isa_avx512.cpp)
    set_source_files_properties(src/isa_avx2.cpp PROPERTIES COMPILE_OPTIONS "${SPLOT_AVX2_FLAGS}")
    set_source_files_properties(src/isa_avx512.cpp PROPERTIES COMPILE_OPTIONS "${SPLOT_AVX512_FLAGS}")
    set(paths "scalar, avx2, avx512")
  else()
    set(paths "scalar only: the AVX2/AVX-512 paths are x86-64 code")
  endif()
  message(STATUS "splot native paths (${CMAKE_SYSTEM_PROCESSOR}): ${paths}")
  set(${out_var} ${sources} PARENT_SCOPE)
endfunction()
