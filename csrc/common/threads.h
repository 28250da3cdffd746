// OpenMP thread count shared by every kernel (pyfapi.set_num_threads / OMP_NUM_THREADS).
#pragma once
#include <cstdint>

#ifdef PYFAPI_OPENMP
#include <omp.h>
#endif

namespace pyfapi {

// Sets the OpenMP thread count of the calling thread; the workers are (re)bound at the next
// parallel region (see before_parallel_region).
void set_num_threads(int n);
// Binds each OpenMP pool worker of the calling thread (team numbers 1..n-1) to one CPU of the
// process's affinity mask, worker t to the t-th allowed CPU; the calling thread itself is never
// bound. Skipped (returns 0) when PYFAPI_PIN_THREADS=0, when the user set OMP_PROC_BIND /
// OMP_PLACES / GOMP_CPU_AFFINITY, with fewer than 2 threads, more threads than allowed CPUs (the
// workers are unbound again), or off Linux. Opens one parallel region. Returns the number of
// workers bound.
int pin_worker_threads();
// Workers bound by the last pin_worker_threads() call (0: none yet, or binding is off).
int pinned_workers();
// True when the workers will be (re)bound at the next parallel region.
bool pin_pending();
// True in a child forked after this process ran a parallel region: GCC's libgomp cannot run one
// there (it waits forever for the parent's pool threads), so kernels run single-threaded.
bool forked_single_threaded();
// Called by threads_for() just before a parallel region of nt > 1 threads; returns the threads
// to use (1 in a forked child, see above). Binds the workers if pin_pending(), and when they are
// bound and the caller is running on a worker's CPU, moves the caller to one of the other allowed
// CPUs (its affinity mask is restored at once, so only its current placement changes): otherwise
// the scheduler may leave both threads on one core.
int before_parallel_region(int nt);
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
// The GEMM entry point (pyfapi.kernels.gemm, Dense) opens its region at 1/8 of that, ~10 us of
// work per thread: its work items come from a shared counter (a late second thread takes fewer
// of them; only the packing of B waits for it), and on an idle machine two threads already win
// at LSTM-gate sizes (128x128x96: 15 -> 9-10 us; OpenBLAS on two threads 12.5 us; OpenBLAS goes
// parallel from 2^18 MACs). The price, measured with a busy process on the other core: an
// isolated call of that size can wait ~90 us for the worker (in the notebook models the step
// times did not change, 2026-11-29).
constexpr int64_t kMinGemmMacsPerThread = kMinMacsPerThread >> 3;

// Threads to use for a parallel region doing `work` units: 1 inside an enclosing parallel region
// or when the work is too small to pay for a fork/join (see kMinElemsPerThread).
inline int threads_for(int64_t work, int64_t min_work_per_thread = kMinElemsPerThread) {
#ifdef PYFAPI_OPENMP
  if (omp_in_parallel()) return 1;
  int n = get_num_threads();
  int64_t t = work / (min_work_per_thread > 0 ? min_work_per_thread : 1);
  if (force_threads()) t = work > 0 ? n : 1;
  if (t <= 1 || n <= 1) return 1;
  return before_parallel_region(t < n ? static_cast<int>(t) : n);
#else
  (void)work; (void)min_work_per_thread;
  return 1;
#endif
}

}  // namespace pyfapi
