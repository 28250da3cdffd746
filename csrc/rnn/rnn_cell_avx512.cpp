// GRU / SimpleRNN cell nonlinearities, avx512 build (see rnn_cell_impl.h).
#define PYFAPI_RNN_CELL_NS avx512
#include "rnn/rnn_cell_impl.h"
