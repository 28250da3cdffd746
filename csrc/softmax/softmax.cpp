// Fused last-axis softmax (softmax.h): parallel over blocks of rows; per-ISA row kernels.
#include "softmax/softmax.h"

#include <algorithm>

#include "common/isa_dispatch.h"
#include "common/threads.h"

namespace pyfapi {

#define PYFAPI_SM_DECLARE(isa)                                                                 \
  void softmax_rows_fwd_##isa(const float*, int64_t, int64_t, int64_t, const SoftmaxMask&,     \
                              float*);                                                         \
  void softmax_rows_bwd_##isa(const float*, const float*, int64_t, int64_t, int64_t,           \
                              const SoftmaxMask&, float*);
PYFAPI_ISA_EACH(PYFAPI_SM_DECLARE)
#undef PYFAPI_SM_DECLARE

namespace {
constexpr int64_t kSoftmaxRows = 32;  // rows per work item (a function of nothing else)
// exp costs ~4x a streaming op per element: a region opens from ~2^16 elements per thread
constexpr int64_t kSoftmaxMinElemsPerThread = kMinElemsPerThread >> 2;
}  // namespace

SoftmaxRowsFwd softmax_rows_forward_kernel() {
  return PYFAPI_ISA_PICK(softmax_rows_fwd_generic, softmax_rows_fwd_avx2, softmax_rows_fwd_avx512);
}
SoftmaxRowsBwd softmax_rows_backward_kernel() {
  return PYFAPI_ISA_PICK(softmax_rows_bwd_generic, softmax_rows_bwd_avx2, softmax_rows_bwd_avx512);
}

void softmax_forward(const float* x, int64_t M, int64_t N, const SoftmaxMask& mask, float* y) {
  if (M <= 0 || N <= 0) return;
  auto f = PYFAPI_ISA_PICK(softmax_rows_fwd_generic, softmax_rows_fwd_avx2,
                           softmax_rows_fwd_avx512);
  const int64_t nb = (M + kSoftmaxRows - 1) / kSoftmaxRows;
  const int nt = static_cast<int>(
      std::min<int64_t>(threads_for(M * N, kSoftmaxMinElemsPerThread), nb));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t k = 0; k < nb; ++k)
    f(x + k * kSoftmaxRows * N, k * kSoftmaxRows, std::min(M, (k + 1) * kSoftmaxRows), N, mask,
      y + k * kSoftmaxRows * N);
}

void softmax_backward(const float* g, const float* y, int64_t M, int64_t N,
                      const SoftmaxMask& mask, float* dx) {
  if (M <= 0 || N <= 0) return;
  auto b = PYFAPI_ISA_PICK(softmax_rows_bwd_generic, softmax_rows_bwd_avx2,
                           softmax_rows_bwd_avx512);
  const int64_t nb = (M + kSoftmaxRows - 1) / kSoftmaxRows;
  const int nt = static_cast<int>(
      std::min<int64_t>(threads_for(M * N, kMinElemsPerThread >> 1), nb));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t k = 0; k < nb; ++k) {
    const int64_t o = k * kSoftmaxRows * N;
    b(g + o, y + o, k * kSoftmaxRows, std::min(M, (k + 1) * kSoftmaxRows), N, mask, dx + o);
  }
}

}  // namespace pyfapi
