list(APPEND PYFAPI_SOURCES csrc/conv/conv.cpp csrc/conv/winograd.cpp csrc/conv/winograd1d.cpp csrc/conv/depthwise.cpp)
pyfapi_isa_kernels(csrc/conv/depthwise_rows.inc)
