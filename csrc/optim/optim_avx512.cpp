// Fused optimizer chunk kernels, avx512 build (see optim_kernels_impl.h).
#include <cmath>
#define PYFAPI_OPTIM_NS avx512
#include "optim/optim_kernels_impl.h"
