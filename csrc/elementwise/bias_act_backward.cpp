// bias_act_backward (bias_act_backward.h): parallel over fixed row blocks; per-ISA row kernels.
#include "elementwise/bias_act_backward.h"

#include <algorithm>
#include <memory>

#include "common/isa_dispatch.h"
#include "common/threads.h"

namespace pyfapi {

using BaRows = void (*)(const float*, const float*, int64_t, int64_t, int64_t, float*, float*);
void bias_act_rows_generic(const float*, const float*, int64_t, int64_t, int64_t, float*, float*);
#ifdef PYFAPI_X86
void bias_act_rows_avx2(const float*, const float*, int64_t, int64_t, int64_t, float*, float*);
void bias_act_rows_avx512(const float*, const float*, int64_t, int64_t, int64_t, float*, float*);
#endif

namespace {
BaRows ba_rows() {
  return PYFAPI_ISA_PICK(bias_act_rows_generic, bias_act_rows_avx2, bias_act_rows_avx512);
}
}  // namespace

void bias_act_backward(const float* g, const float* y, int64_t M, int64_t N, float* gout,
                       float* dbias) {
  if (N <= 0) return;
  if (M <= 0) {
    if (dbias) std::fill(dbias, dbias + N, 0.f);
    return;
  }
  const BaRows fn = ba_rows();
  const int64_t nb = (M + kBiasActRows - 1) / kBiasActRows;  // a function of the shape only
  std::unique_ptr<float[]> part(dbias ? new float[nb * N] : nullptr);
  const int nt = static_cast<int>(std::min<int64_t>(threads_for(M * N), nb));
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t b = 0; b < nb; ++b)
    fn(g, y, b * kBiasActRows, std::min(M, (b + 1) * kBiasActRows), N, gout,
       dbias ? part.get() + b * N : nullptr);
  if (!dbias) return;
  std::unique_ptr<double[]> acc(new double[N]());
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t n = 0; n < N; ++n) acc[n] += part[b * N + n];
  for (int64_t n = 0; n < N; ++n) dbias[n] = static_cast<float>(acc[n]);
}

}  // namespace pyfapi
