# OpenMP for the native backend's threads (libgomp with gcc). The JNI library that JavaCPP links
# against libsplot.a must link the same runtime: SplotNative's @Platform names "gomp".
find_package(OpenMP REQUIRED COMPONENTS CXX)

function(splot_use_openmp target)
  target_link_libraries(${target} PUBLIC OpenMP::OpenMP_CXX)
endfunction()
