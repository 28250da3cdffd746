// Fused optimizer chunk kernels, generic build (see optim_kernels_impl.h).
#include <cmath>
#define PYFAPI_OPTIM_NS generic
#include "optim/optim_kernels_impl.h"
