// GRU / SimpleRNN cell nonlinearities, avx2 build (see rnn_cell_impl.h).
#define PYFAPI_RNN_CELL_NS avx2
#include "rnn/rnn_cell_impl.h"
