# Layer normalization (pyfapi/kernels/layernorm.py): per-ISA row kernels, bindings of the family.
list(APPEND PYFAPI_SOURCES csrc/layernorm/layernorm.cpp csrc/layernorm/layernorm_generic.cpp
     csrc/layernorm/bindings_layernorm.cpp)
if(PYFAPI_X86)
  list(APPEND PYFAPI_AVX2_SOURCES csrc/layernorm/layernorm_avx2.cpp)
  list(APPEND PYFAPI_AVX512_SOURCES csrc/layernorm/layernorm_avx512.cpp)
endif()
