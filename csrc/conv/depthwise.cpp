// Depthwise 2-D convolution (TensorFlow's depthwise_conv2d): direct loops vectorised over
// channels (csrc/conv/depthwise_rows.inc, compiled for generic / AVX2 / AVX-512 and chosen by
// pyfapi::active_isa()). Output channel c*DM + m reads input channel c with k[kh, kw, c, m].
//   forward:         parallel over output rows (n, oh).
//   backward input:  stride 1, depth_multiplier 1: the forward rows on dy with the flipped
//                    kernel; otherwise a gather over the output pixels each input pixel feeds: parallel over
//                    input rows (n, ih), no races.
//   backward kernel: fixed number of partial sums (a function of the shape only), reduced in a
//                    fixed order: results do not depend on the thread count.
#include <algorithm>
#include <vector>

#include "common/isa_dispatch.h"
#include "common/threads.h"
#include "conv/conv.h"
#include "conv/conv_util.h"

namespace pyfapi {

using DwRows = void (*)(const ConvGeom&, const float*, const float*, float*, int64_t, int64_t);

#define PYFAPI_DW_DECLARE(isa)                                                              \
  void depthwise_forward_rows_##isa(const ConvGeom&, const float*, const float*, float*,    \
                                    int64_t, int64_t);                                      \
  void depthwise_backward_input_rows_##isa(const ConvGeom&, const float*, const float*,     \
                                           float*, int64_t, int64_t);                       \
  void depthwise_backward_kernel_rows_##isa(const ConvGeom&, const float*, const float*,    \
                                            float*, int64_t, int64_t);
PYFAPI_ISA_EACH(PYFAPI_DW_DECLARE)

namespace {

struct DwKernels {
  DwRows fwd, bwd_input, bwd_kernel;
};

DwKernels dw_kernels() {
  return {PYFAPI_ISA_PICK(depthwise_forward_rows_generic, depthwise_forward_rows_avx2,
                          depthwise_forward_rows_avx512),
          PYFAPI_ISA_PICK(depthwise_backward_input_rows_generic,
                          depthwise_backward_input_rows_avx2,
                          depthwise_backward_input_rows_avx512),
          PYFAPI_ISA_PICK(depthwise_backward_kernel_rows_generic,
                          depthwise_backward_kernel_rows_avx2,
                          depthwise_backward_kernel_rows_avx512)};
}

// Runs fn over rows [0, rows) in contiguous chunks, in parallel.
void parallel_rows(DwRows fn, const ConvGeom& g, const float* a, const float* b, float* out,
                   int64_t rows, int64_t work) {
  const int nt = static_cast<int>(std::min<int64_t>(threads_for(work, int64_t(1) << 20), rows));
  const int64_t chunks = nt > 1 ? std::min<int64_t>(rows, 4 * nt) : 1;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t ch = 0; ch < chunks; ++ch)
    fn(g, a, b, out, ch * rows / chunks, (ch + 1) * rows / chunks);
}

}  // namespace

void depthwise_forward(const ConvGeom& g, const float* x, const float* k, float* y) {
  const int64_t rows = g.N * g.HO;
  if (rows == 0 || g.WO == 0 || g.CO == 0 || g.C == 0) return;
  parallel_rows(dw_kernels().fwd, g, x, k, y, rows, rows * g.WO * g.CO * g.KH * g.KW);
}

void depthwise_backward_input(const ConvGeom& g, const float* dy, const float* k, float* dx) {
  const int64_t rows = g.N * g.H;
  if (rows == 0 || g.W == 0 || g.C == 0) return;
  if (g.CO == 0) {  // depth_multiplier 0: no output, zero gradient
    fill_zero(dx, rows * g.W * g.C);
    return;
  }
  if (g.CO == g.C && g.SH == 1 && g.SW == 1 && (g.KH - 1) * g.DH >= g.PT &&
      (g.KW - 1) * g.DW >= g.PL) {
    // stride 1, depth_multiplier 1: dx is the forward depthwise convolution of dy with the
    // kernel flipped in both spatial axes, padded by (K - 1) * D - P before
    const int64_t T = g.KH * g.KW, C = g.C;
    Scratch kf(static_cast<size_t>(T * C));
    for (int64_t t = 0; t < T; ++t)
      std::copy(k + (T - 1 - t) * C, k + (T - t) * C, kf.data() + t * C);
    ConvGeom f = g;
    f.H = g.HO;
    f.W = g.WO;
    f.HO = g.H;
    f.WO = g.W;
    f.PT = (g.KH - 1) * g.DH - g.PT;
    f.PL = (g.KW - 1) * g.DW - g.PL;
    parallel_rows(dw_kernels().fwd, f, dy, kf.data(), dx, rows, rows * g.W * C * T);
    return;
  }
  parallel_rows(dw_kernels().bwd_input, g, dy, k, dx, rows,
                g.N * g.HO * g.WO * g.CO * g.KH * g.KW);
}

void depthwise_backward_kernel(const ConvGeom& g, const float* x, const float* dy, float* dk) {
  const int64_t rows = g.N * g.HO, KC = g.KH * g.KW * g.CO;
  if (KC == 0) return;
  fill_zero(dk, KC);
  if (rows == 0 || g.WO == 0) return;
  const DwRows fn = dw_kernels().bwd_kernel;
  const int64_t nchunks = std::min<int64_t>(rows, 8);  // a function of the shape only
  std::vector<float> part(static_cast<size_t>(nchunks - 1) * KC, 0.f);
  const int nt =
      static_cast<int>(std::min<int64_t>(threads_for(rows * g.WO * KC, int64_t(1) << 20), nchunks));
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch)
    fn(g, x, dy, ch == 0 ? dk : part.data() + (ch - 1) * KC, ch * rows / nchunks,
       (ch + 1) * rows / nchunks);
  for (int64_t ch = 1; ch < nchunks; ++ch) {
    const float* p = part.data() + (ch - 1) * KC;
    for (int64_t i = 0; i < KC; ++i) dk[i] += p[i];
  }
}

}  // namespace pyfapi
