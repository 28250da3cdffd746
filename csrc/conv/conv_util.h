// Small helpers shared by the conv and pool kernels.
#pragma once
#include <algorithm>
#include <cstdint>

#ifdef PYFAPI_OPENMP
#include <omp.h>
#endif

namespace pyfapi {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Index of the calling thread in the innermost parallel region (0 outside one).
inline int thread_id() {
#ifdef PYFAPI_OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

inline void fill_zero(float* p, int64_t n) { std::fill(p, p + n, 0.f); }

}  // namespace pyfapi
