# Per-file instruction-set flags for the native backend: each ISA path is its own source file,
# compiled with only that path's -m flags; the dispatcher gets none, so the library loads and
# chooses on any x86-64 CPU.
include(CheckCXXCompilerFlag)

set(SPLOT_AVX2_FLAGS -mavx2 -mfma)
set(SPLOT_AVX512_FLAGS -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma -mavx2 -mprefer-vector-width=512 -Wno-uninitialized)

function(splot_isa_sources out_var)
  set(sources src/isa_scalar.cpp)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    check_cxx_compiler_flag("-mavx512f -mavx512vl -mavx512bw -mavx512dq" SPLOT_HAS_AVX512_FLAGS)
    if(NOT SPLOT_HAS_AVX512_FLAGS)
      message(FATAL_ERROR "the compiler does not accept the AVX-512 flags; splot needs gcc >= 8 or clang >= 7")
    endif()
    list(APPEND sources src/isa_avx2.cpp src/isa_avx512.cpp)
    set_source_files_properties(src/isa_avx2.cpp PROPERTIES COMPILE_OPTIONS "${SPLOT_AVX2_FLAGS}")
    set_source_files_properties(src/isa_avx512.cpp PROPERTIES COMPILE_OPTIONS "${SPLOT_AVX512_FLAGS}")
  else()
    message(FATAL_ERROR "the native backend is built for x86-64 only (this is ${CMAKE_SYSTEM_PROCESSOR})")
  endif()
  set(${out_var} ${sources} PARENT_SCOPE)
endfunction()
