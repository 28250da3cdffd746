// Batched SGEMM over strided views (batched_gemm.h).
#include "gemm/batched_gemm.h"

#include <algorithm>
#include <vector>

#include "common/isa_dispatch.h"
#include "common/threads.h"
#include "gemm/gemm.h"

namespace pyfapi {

#define PYFAPI_SG_DECLARE(isa)                                                                 \
  void small_gemm_##isa(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t,          \
                        const float*, int64_t, float*, int64_t, float*);
PYFAPI_ISA_EACH(PYFAPI_SG_DECLARE)
#undef PYFAPI_SG_DECLARE

namespace {
// The register-blocked small kernel (small_gemm_rows.inc) instead of the packed SGEMM: a short
// side (N or K <= 64, the attention heads) and a product small enough that the packed SGEMM's
// blocking buys nothing (measured on Zen 4, 2026-12: Q K^T, P V and their gradients at
// 128 x 128 x 16 run 1.5-2.5x faster here). Depends on the shape only.
bool use_small(int64_t M, int64_t N, int64_t K) {
  return (N <= 64 || K <= 64) && M * N * K <= (int64_t(1) << 22);
}

float* small_scratch(int64_t n) {
  thread_local std::vector<float> buf;
  if (static_cast<int64_t>(buf.size()) < n) buf.resize(static_cast<size_t>(n));
  return buf.data();
}
}  // namespace

void gemm_one(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A,
              int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (use_small(M, N, K)) {
    auto small = PYFAPI_ISA_PICK(small_gemm_generic, small_gemm_avx2, small_gemm_avx512);
    small(trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, small_scratch(K * (N + 16)));
  } else {
    sgemm(trans_a, trans_b, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, ldc);
  }
}

void sgemm_batched(const BatchLayout& batch, bool trans_a, bool trans_b, int64_t M, int64_t N,
                   int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                   int64_t ldc) {
  int64_t nb = 1;
  for (int d = 0; d < batch.ndim; ++d) nb *= batch.dims[d];
  if (nb <= 0 || M <= 0 || N <= 0) return;
  using SmallFn = void (*)(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t,
                          const float*, int64_t, float*, int64_t, float*);
  const SmallFn small = use_small(M, N, K) ? PYFAPI_ISA_PICK(small_gemm_generic, small_gemm_avx2,
                                                             small_gemm_avx512)
                                           : nullptr;
  auto entry = [&](int64_t i) {
    int64_t oa = 0, ob = 0, oc = 0, r = i;
    for (int d = batch.ndim - 1; d >= 0; --d) {
      const int64_t n = batch.dims[d], j = r % n;
      r /= n;
      oa += j * batch.sa[d];
      ob += j * batch.sb[d];
      oc += j * batch.sc[d];
    }
    if (small) {
      small(trans_a, trans_b, M, N, K, A + oa, lda, B + ob, ldb, C + oc, ldc,
            small_scratch(K * (N + 16)));
    } else {
      sgemm(trans_a, trans_b, M, N, K, 1.f, A + oa, lda, B + ob, ldb, 0.f, C + oc, ldc);
    }
  };
  const int64_t macs = nb * M * N * std::max<int64_t>(K, 1);
  const int nt = nb < 2 ? 1
                        : static_cast<int>(
                              std::min<int64_t>(threads_for(macs, kMinGemmMacsPerThread), nb));
  if (nt <= 1) {
    for (int64_t i = 0; i < nb; ++i) entry(i);
    return;
  }
  const Precision prec = gemm_precision();
#pragma omp parallel num_threads(nt)
  {
    GemmPrecisionScope scope(prec);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < nb; ++i) entry(i);
  }
}

}  // namespace pyfapi
