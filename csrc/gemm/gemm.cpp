// Placeholder reference SGEMM (row-parallel, unpacked). Replaced by the packed BLIS-style kernel.
#include "gemm/gemm.h"

#include <algorithm>
#include <vector>

#include "common/threads.h"

namespace pyfapi {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc, const float* bias, Act act) {
  if (M <= 0 || N <= 0) return;
  int nt = threads_for(M * N * std::max<int64_t>(K, 1));
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t i = 0; i < M; ++i) {
    std::vector<float> acc(N, 0.f);
    for (int64_t k = 0; k < K; ++k) {
      float a = trans_a ? A[k * lda + i] : A[i * lda + k];
      if (!trans_b) {
        const float* b = B + k * ldb;
        for (int64_t j = 0; j < N; ++j) acc[j] += a * b[j];
      } else {
        for (int64_t j = 0; j < N; ++j) acc[j] += a * B[j * ldb + k];
      }
    }
    float* c = C + i * ldc;
    for (int64_t j = 0; j < N; ++j) {
      float v = alpha * acc[j];
      if (beta != 0.f) v += beta * c[j];
      if (bias) v += bias[j];
      if (act == Act::Relu) v = v > 0.f ? v : 0.f;
      c[j] = v;
    }
  }
}

}  // namespace pyfapi
