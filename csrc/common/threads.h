// OpenMP thread count shared by every kernel (pyfapi.set_num_threads / OMP_NUM_THREADS).
#pragma once
#include <cstdint>

#ifdef PYFAPI_OPENMP
#include <omp.h>
#endif

namespace pyfapi {

void set_num_threads(int n);
int get_num_threads();
bool openmp_enabled();

// Threads to use for a parallel region doing `work` scalar operations: 1 inside an enclosing
// parallel region or when the work is too small to pay for a fork/join.
inline int threads_for(int64_t work, int64_t min_work_per_thread = 32768) {
#ifdef PYFAPI_OPENMP
  if (omp_in_parallel()) return 1;
  int64_t t = work / (min_work_per_thread > 0 ? min_work_per_thread : 1);
  int n = get_num_threads();
  if (t < 1) t = 1;
  return t < n ? static_cast<int>(t) : n;
#else
  (void)work; (void)min_work_per_thread;
  return 1;
#endif
}

}  // namespace pyfapi
