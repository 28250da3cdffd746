list(APPEND PYFAPI_SOURCES csrc/rnn/rnn.cpp csrc/rnn/bindings_rnn.cpp)
# The clamped tanh / sigmoid of lstm_math.h only vectorise with GCC when FP traps are not modelled.
pyfapi_isa_kernels(csrc/rnn/rnn_cell_impl.h FLAGS -fno-trapping-math)
if(PYFAPI_X86)
  # The bfloat16 recurrent products (vdpbf16ps) of mixed_bfloat16 LSTM / GRU / SimpleRNN layers.
  list(APPEND PYFAPI_AVX512BF16_SOURCES csrc/rnn/rnn_bf16.cpp)
else()
  list(APPEND PYFAPI_SOURCES csrc/rnn/rnn_bf16.cpp)  # stubs (never called off x86)
endif()
