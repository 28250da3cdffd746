list(APPEND PYFAPI_SOURCES csrc/lstm/lstm.cpp)
# The clamped tanh / sigmoid of lstm_math.h only vectorise with GCC when FP traps are not modelled.
pyfapi_isa_kernels(csrc/lstm/lstm_cell_impl.h FLAGS -fno-trapping-math)
