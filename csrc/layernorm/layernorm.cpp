// layer normalization (layernorm.h): parallel over rows / fixed row blocks; per-ISA row kernels.
#include "layernorm/layernorm.h"

#include <algorithm>
#include <memory>

#include "common/isa_dispatch.h"
#include "common/threads.h"

namespace pyfapi {

using LnFwd = void (*)(const float*, int64_t, int64_t, int64_t, const float*, const float*, float,
                       float*, float*, float*);
using LnBwd = void (*)(const float*, const float*, int64_t, int64_t, int64_t, const float*,
                       const float*, const float*, float*, float*, float*);
#define PYFAPI_LN_DECLARE(isa)                                                                 \
  void layernorm_rows_fwd_##isa(const float*, int64_t, int64_t, int64_t, const float*,         \
                                const float*, float, float*, float*, float*);                  \
  void layernorm_rows_bwd_##isa(const float*, const float*, int64_t, int64_t, int64_t,         \
                                const float*, const float*, const float*, float*, float*, float*);
PYFAPI_ISA_EACH(PYFAPI_LN_DECLARE)
#undef PYFAPI_LN_DECLARE

namespace {
void ln_kernels(LnFwd* f, LnBwd* b) {
  *f = PYFAPI_ISA_PICK(layernorm_rows_fwd_generic, layernorm_rows_fwd_avx2,
                       layernorm_rows_fwd_avx512);
  *b = PYFAPI_ISA_PICK(layernorm_rows_bwd_generic, layernorm_rows_bwd_avx2,
                       layernorm_rows_bwd_avx512);
}
}  // namespace

void layernorm_forward(const float* x, int64_t M, int64_t C, const float* gamma,
                       const float* beta, float eps, float* y, float* mean, float* inv_std) {
  if (M <= 0 || C <= 0) return;
  LnFwd f;
  LnBwd b;
  ln_kernels(&f, &b);
  const int64_t nb = (M + kLayerNormRows - 1) / kLayerNormRows;
  const int nt = static_cast<int>(std::min<int64_t>(threads_for(M * C * 2), nb));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t k = 0; k < nb; ++k)
    f(x, k * kLayerNormRows, std::min(M, (k + 1) * kLayerNormRows), C, gamma, beta, eps, y, mean,
      inv_std);
}

void layernorm_backward(const float* dy, const float* x, int64_t M, int64_t C,
                        const float* mean, const float* inv_std, const float* gamma, float* dx,
                        float* dgamma, float* dbeta) {
  if (C <= 0) return;
  if (M <= 0) {
    if (dgamma) std::fill(dgamma, dgamma + C, 0.f);
    if (dbeta) std::fill(dbeta, dbeta + C, 0.f);
    return;
  }
  LnFwd f;
  LnBwd b;
  ln_kernels(&f, &b);
  const int64_t nb = (M + kLayerNormRows - 1) / kLayerNormRows;  // a function of the shape only
  std::unique_ptr<float[]> pg(dgamma ? new float[nb * C] : nullptr);
  std::unique_ptr<float[]> pb(dbeta ? new float[nb * C] : nullptr);
  const int nt = static_cast<int>(std::min<int64_t>(threads_for(M * C * 3), nb));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t k = 0; k < nb; ++k)
    b(dy, x, k * kLayerNormRows, std::min(M, (k + 1) * kLayerNormRows), C, mean, inv_std, gamma,
      dx, dgamma ? pg.get() + k * C : nullptr, dbeta ? pb.get() + k * C : nullptr);
  for (int w = 0; w < 2; ++w) {
    float* out = w == 0 ? dgamma : dbeta;
    const float* part = w == 0 ? pg.get() : pb.get();
    if (!out) continue;
    std::unique_ptr<double[]> acc(new double[C]());
    for (int64_t k = 0; k < nb; ++k)
      for (int64_t c = 0; c < C; ++c) acc[c] += part[k * C + c];
    for (int64_t c = 0; c < C; ++c) out[c] = static_cast<float>(acc[c]);
  }
}

}  // namespace pyfapi
