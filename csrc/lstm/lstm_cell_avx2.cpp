// LSTM cell nonlinearities, avx2 build (see lstm_cell_impl.h).
#define PYFAPI_LSTM_CELL_NS avx2
#include "lstm/lstm_cell_impl.h"
