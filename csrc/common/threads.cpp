#include "common/threads.h"

#include <atomic>

namespace pyfapi {

void set_num_threads(int n) {
#ifdef PYFAPI_OPENMP
  omp_set_num_threads(n < 1 ? 1 : n);
#else
  (void)n;
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
