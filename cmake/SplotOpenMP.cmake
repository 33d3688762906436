# OpenMP for the native backend's threads (libgomp with gcc). The JNI library that JavaCPP links
# against libsplot.a must link the same runtime: SplotNative's @Platform names "gomp".
find_package(OpenMP COMPONENTS CXX)
if(NOT OpenMP_CXX_FOUND)
  # e.g. Apple's clang, which has no OpenMP: say what to do instead of CMake's bare "Could NOT find".
  message(FATAL_ERROR "the native backend needs a C++ compiler with OpenMP (g++ with libgomp; "
                      "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION} has none here). Install g++, "
                      "or build splot without the native backend: mvn -Dsplot.native.skip=true ...")
endif()

function(splot_use_openmp target)
  target_link_libraries(${target} PUBLIC OpenMP::OpenMP_CXX)
endfunction()
