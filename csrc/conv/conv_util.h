// Small helpers shared by the conv and pool kernels.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

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

// An UNINITIALISED float buffer (std::vector would zero it: megabytes per call for the
// partial sums and im2col blocks, which are always written before being read).
class Scratch {
 public:
  explicit Scratch(size_t n) : p_(n ? new float[n] : nullptr) {}
  float* data() { return p_.get(); }
  const float* data() const { return p_.get(); }
  float& operator[](size_t i) { return p_[i]; }
  const float& operator[](size_t i) const { return p_[i]; }

 private:
  std::unique_ptr<float[]> p_;
};

inline void fill_zero(float* p, int64_t n) { std::fill(p, p + n, 0.f); }

}  // namespace pyfapi
