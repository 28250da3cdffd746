list(APPEND PYFAPI_SOURCES csrc/rnn/rnn.cpp csrc/rnn/bindings_rnn.cpp)
# The clamped tanh / sigmoid of lstm_math.h only vectorise with GCC when FP traps are not modelled.
pyfapi_isa_kernels(csrc/rnn/rnn_cell_impl.h FLAGS -fno-trapping-math)
