// Fused optimizer chunk kernels, avx2 build (see optim_kernels_impl.h).
#include <cmath>
#define PYFAPI_OPTIM_NS avx2
#include "optim/optim_kernels_impl.h"
