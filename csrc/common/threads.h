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
// Tests only (_C._set_force_threads): ignore the minimum work per thread, so that small shapes
// still run the multi-threaded code paths (their results must not depend on the thread count).
void set_force_threads(bool on);
bool force_threads();

// Smallest work per thread worth a parallel region, in the units of each call site. Waking a
// sleeping OpenMP thread and joining it costs ~8-30 us on an idle 2-core machine and often
// 0.5-3 ms on a busy one (the woken thread waits for a core), so a region is only opened when
// every thread gets >= ~80 us of work; below that the caller runs single-threaded with NO
// parallel region (`if (nt > 1)` on every `omp parallel`). Rates measured on one core (AMD EPYC
// Zen, AVX-512 path, 2026-11):
//   kMinElemsPerThread  streaming elementwise float ops (~3-4 k/us): batchnorm, pool, reductions
//   kMinMacsPerThread   GEMM multiply-adds M*N*K (~100-125 k/us once M, N, K >= 128)
// Kernels with other rates pass their own minimum (lstm, depthwise, embedding, conv).
constexpr int64_t kMinElemsPerThread = int64_t(1) << 18;
constexpr int64_t kMinMacsPerThread = int64_t(1) << 23;

// Threads to use for a parallel region doing `work` units: 1 inside an enclosing parallel region
// or when the work is too small to pay for a fork/join (see kMinElemsPerThread).
inline int threads_for(int64_t work, int64_t min_work_per_thread = kMinElemsPerThread) {
#ifdef PYFAPI_OPENMP
  if (omp_in_parallel()) return 1;
  int n = get_num_threads();
  if (force_threads()) return work > 0 ? n : 1;
  int64_t t = work / (min_work_per_thread > 0 ? min_work_per_thread : 1);
  if (t < 1) t = 1;
  return t < n ? static_cast<int>(t) : n;
#else
  (void)work; (void)min_work_per_thread;
  return 1;
#endif
}

}  // namespace pyfapi
