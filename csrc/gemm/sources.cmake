list(APPEND PYFAPI_SOURCES csrc/gemm/gemm.cpp csrc/gemm/ukernel_generic.cpp csrc/gemm/batched_gemm.cpp
     csrc/gemm/bindings_gemm_batched.cpp)
if(PYFAPI_X86)
  list(APPEND PYFAPI_AVX2_SOURCES csrc/gemm/ukernel_avx2.cpp)
  list(APPEND PYFAPI_AVX512_SOURCES csrc/gemm/ukernel_avx512.cpp)
  list(APPEND PYFAPI_AVX512BF16_SOURCES csrc/gemm/ukernel_avx512_bf16.cpp)
endif()
# The small / skinny products of the batched GEMM (attention heads), per ISA.
pyfapi_isa_kernels(csrc/gemm/small_gemm_rows.inc)
