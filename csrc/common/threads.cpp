#include "common/threads.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__unix__) && defined(PYFAPI_OPENMP)
#include <pthread.h>
#endif
#if defined(__linux__) && defined(PYFAPI_OPENMP)
#include <sched.h>

#include <mutex>
#include <vector>
#define PYFAPI_PIN_WORKERS 1
#endif

namespace pyfapi {

namespace {
std::atomic<bool> g_pin_pending{true};  // bind at the first parallel region, not at import
std::atomic<bool> g_pool_started{false};  // this process has opened a parallel region
std::atomic<bool> g_forked_child{false};  // forked after that: no parallel regions any more
#ifdef PYFAPI_PIN_WORKERS
// Set by pin_worker_threads: the CPUs the workers are bound to, and the other allowed CPUs.
std::atomic<bool> g_pinned{false};
std::atomic<int> g_pinned_count{0};
std::mutex g_pin_mutex;
cpu_set_t g_worker_cpus, g_caller_cpus;
#endif

void after_fork_in_child() {
  if (g_pool_started.load(std::memory_order_relaxed))
    g_forked_child.store(true, std::memory_order_relaxed);
#ifdef PYFAPI_PIN_WORKERS
  g_pinned.store(false, std::memory_order_relaxed);
  g_pinned_count.store(0, std::memory_order_relaxed);
#endif
}

#if defined(__unix__) && defined(PYFAPI_OPENMP)
const int g_atfork = pthread_atfork(nullptr, nullptr, after_fork_in_child);
#endif
}  // namespace

void set_num_threads(int n) {
#ifdef PYFAPI_OPENMP
  omp_set_num_threads(n < 1 ? 1 : n);
  g_pin_pending.store(true, std::memory_order_relaxed);
#else
  (void)n;
#endif
}

bool pin_pending() { return g_pin_pending.load(std::memory_order_relaxed); }
bool forked_single_threaded() { return g_forked_child.load(std::memory_order_relaxed); }

static void keep_caller_off_workers();

int before_parallel_region(int nt) {
  if (g_forked_child.load(std::memory_order_relaxed)) return 1;
  if (g_pin_pending.exchange(false, std::memory_order_relaxed)) pin_worker_threads();
  g_pool_started.store(true, std::memory_order_relaxed);
  keep_caller_off_workers();
  return nt;
}

// Why: on the 2-core CI VMs (Linux 6.x, shared L3) the scheduler often wakes libgomp's worker
// on the CPU of the thread that woke it -- the busy main thread -- and leaves it there, so a
// 2-thread kernel runs both threads on ONE core for seconds at a time: measured with
// /proc/self/task/*/schedstat, both threads on cpu0, each running ~27 ms and waiting ~23 ms of
// every 50 ms, at exactly single-thread GFLOP/s (a 1024x1152x128 GEMM: 230 instead of 460).
// Binding (as OMP_PROC_BIND=true does) removes that; binding only the pool's WORKERS, not the
// caller's thread, keeps the user's own threads and child processes free to run anywhere.
int pin_worker_threads() {
#ifdef PYFAPI_PIN_WORKERS
  g_pinned.store(false, std::memory_order_release);
  g_pinned_count.store(0, std::memory_order_relaxed);
  const char* env = std::getenv("PYFAPI_PIN_THREADS");
  if (env && std::strcmp(env, "0") == 0) return 0;
  for (const char* name : {"OMP_PROC_BIND", "OMP_PLACES", "GOMP_CPU_AFFINITY"}) {
    const char* v = std::getenv(name);
    if (v && *v) return 0;  // the user chose a binding: libgomp applies it
  }
  const int n = omp_get_max_threads();
  if (omp_in_parallel() || n < 2 || g_forked_child.load(std::memory_order_relaxed)) return 0;
  g_pool_started.store(true, std::memory_order_relaxed);
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return 0;
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  // Oversubscribed (more threads than CPUs) or one CPU: workers get the whole mask back (they may
  // have been bound by an earlier call), and the scheduler shares the CPUs.
  const bool bind = cpus.size() >= 2 && static_cast<size_t>(n) <= cpus.size();
  cpu_set_t workers, others;
  CPU_ZERO(&workers);
  if (bind)
    for (int t = 1; t < n; ++t) CPU_SET(cpus[t], &workers);
  CPU_XOR(&others, &allowed, &workers);  // allowed and not a worker's (workers is a subset)
  std::atomic<int> pinned{0};
  // libgomp keeps these pool threads for later regions of this thread (and gives them the same
  // team numbers), so worker t stays on cpus[t]; the caller (team number 0) is not bound.
#pragma omp parallel num_threads(n)
  {
    const int t = omp_get_thread_num();
    if (t != 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      if (bind) CPU_SET(cpus[t], &one);
      if (pthread_setaffinity_np(pthread_self(), sizeof(cpu_set_t), bind ? &one : &allowed) == 0 &&
          bind)
        pinned.fetch_add(1, std::memory_order_relaxed);
    }
  }
  g_pinned_count.store(pinned.load(), std::memory_order_relaxed);
  if (pinned.load() > 0 && CPU_COUNT(&others) > 0) {
    std::lock_guard<std::mutex> lock(g_pin_mutex);
    g_worker_cpus = workers;
    g_caller_cpus = others;
    g_pinned.store(true, std::memory_order_release);
  }
  return pinned.load();
#else
  return 0;
#endif
}

int pinned_workers() {
#ifdef PYFAPI_PIN_WORKERS
  return g_pinned_count.load(std::memory_order_relaxed);
#else
  return 0;
#endif
}

// When the workers are bound and the caller runs on a worker's CPU, move the caller to one of
// the other allowed CPUs and restore its mask at once (only its current placement changes).
static void keep_caller_off_workers() {
#ifdef PYFAPI_PIN_WORKERS
  if (!g_pinned.load(std::memory_order_acquire)) return;
  const int c = sched_getcpu();
  cpu_set_t target, old;
  {
    std::lock_guard<std::mutex> lock(g_pin_mutex);
    if (c < 0 || !CPU_ISSET(c, &g_worker_cpus)) return;
    target = g_caller_cpus;
  }
  if (sched_getaffinity(0, sizeof(old), &old) != 0) return;
  CPU_AND(&target, &target, &old);
  if (CPU_COUNT(&target) == 0) return;
  if (sched_setaffinity(0, sizeof(target), &target) == 0) sched_setaffinity(0, sizeof(old), &old);
#endif
}

int get_num_threads() {
#ifdef PYFAPI_OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

namespace {
std::atomic<bool> g_force_threads{false};
}

void set_force_threads(bool on) { g_force_threads.store(on, std::memory_order_relaxed); }
bool force_threads() { return g_force_threads.load(std::memory_order_relaxed); }

bool openmp_enabled() {
#ifdef PYFAPI_OPENMP
  return true;
#else
  return false;
#endif
}

}  // namespace pyfapi
