// GRU / SimpleRNN cell nonlinearities, generic build (see rnn_cell_impl.h).
#define PYFAPI_RNN_CELL_NS generic
#include "rnn/rnn_cell_impl.h"
