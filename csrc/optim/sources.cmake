# Fused optimizer updates (pyfapi/kernels/optim.py). The chunk kernels are plain loops compiled
# once per ISA; -ffp-contract=off keeps numpy's float32 operation order (no FMA), -fno-math-errno
# lets sqrt vectorise, -fno-trapping-math lets the clamps / max become selects.
list(APPEND PYFAPI_SOURCES csrc/optim/optim.cpp csrc/optim/optim_generic.cpp)
set(_pyfapi_optim_kernels csrc/optim/optim_generic.cpp)
if(PYFAPI_X86)
  list(APPEND PYFAPI_AVX2_SOURCES csrc/optim/optim_avx2.cpp)
  list(APPEND PYFAPI_AVX512_SOURCES csrc/optim/optim_avx512.cpp)
  list(APPEND _pyfapi_optim_kernels csrc/optim/optim_avx2.cpp csrc/optim/optim_avx512.cpp)
endif()
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  # (COMPILE_FLAGS, not COMPILE_OPTIONS: the top-level CMakeLists sets the latter for ISA files.)
  set_source_files_properties(${_pyfapi_optim_kernels} PROPERTIES
    COMPILE_FLAGS "-ffp-contract=off -fno-math-errno -fno-trapping-math")
endif()
