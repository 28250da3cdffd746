list(APPEND PYFAPI_SOURCES csrc/conv/conv.cpp csrc/conv/winograd.cpp csrc/conv/winograd1d.cpp csrc/conv/depthwise.cpp
     csrc/conv/depthwise_generic.cpp)
if(PYFAPI_X86)
  list(APPEND PYFAPI_AVX2_SOURCES csrc/conv/depthwise_avx2.cpp)
  list(APPEND PYFAPI_AVX512_SOURCES csrc/conv/depthwise_avx512.cpp)
endif()
