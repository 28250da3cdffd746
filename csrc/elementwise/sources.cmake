list(APPEND PYFAPI_SOURCES csrc/elementwise/bias_act_backward.cpp)
pyfapi_isa_kernels(csrc/elementwise/bias_act_rows.inc)
