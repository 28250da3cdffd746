// LSTM cell nonlinearities, avx512 build (see lstm_cell_impl.h).
#define PYFAPI_LSTM_CELL_NS avx512
#include "lstm/lstm_cell_impl.h"
