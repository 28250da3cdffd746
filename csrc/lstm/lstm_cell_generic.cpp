// LSTM cell nonlinearities, generic build (see lstm_cell_impl.h).
#define PYFAPI_LSTM_CELL_NS generic
#include "lstm/lstm_cell_impl.h"
