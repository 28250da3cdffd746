// Depthwise 2-D convolution (TensorFlow's depthwise_conv2d): direct loops vectorised over
// channels. Output channel c*DM + m reads input channel c with kernel k[kh, kw, c, m].
//   forward:         parallel over output rows (n, oh).
//   backward input:  a gather over the output pixels each input pixel feeds: parallel over
//                    input rows (n, ih), no races.
//   backward kernel: fixed number of partial sums (a function of the shape only), reduced in a
//                    fixed order: results do not depend on the thread count.
#include <algorithm>
#include <vector>

#include "common/threads.h"
#include "conv/conv.h"
#include "conv/conv_util.h"

namespace pyfapi {

void depthwise_forward(const ConvGeom& g, const float* x, const float* k, float* y) {
  const int64_t C = g.C, CO = g.CO, DM = C > 0 ? CO / C : 0, rows = g.N * g.HO;
  if (rows == 0 || g.WO == 0 || CO == 0) return;
  const int nt = threads_for(rows * g.WO * CO * g.KH * g.KW);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t n = row / g.HO, oh = row % g.HO;
    for (int64_t ow = 0; ow < g.WO; ++ow) {
      float* __restrict yo = y + (row * g.WO + ow) * CO;
      std::fill(yo, yo + CO, 0.f);
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
        if (ih < 0 || ih >= g.H) continue;
        for (int64_t kw = 0; kw < g.KW; ++kw) {
          const int64_t iw = ow * g.SW - g.PL + kw * g.DW;
          if (iw < 0 || iw >= g.W) continue;
          const float* __restrict xp = x + ((n * g.H + ih) * g.W + iw) * C;
          const float* __restrict kp = k + (kh * g.KW + kw) * CO;
          if (DM == 1) {
            for (int64_t c = 0; c < C; ++c) yo[c] += xp[c] * kp[c];
          } else {
            for (int64_t c = 0; c < C; ++c) {
              const float xv = xp[c];
              for (int64_t m = 0; m < DM; ++m) yo[c * DM + m] += xv * kp[c * DM + m];
            }
          }
        }
      }
    }
  }
}

void depthwise_backward_input(const ConvGeom& g, const float* dy, const float* k, float* dx) {
  const int64_t C = g.C, CO = g.CO, DM = C > 0 ? CO / C : 0, rows = g.N * g.H;
  if (rows == 0 || g.W == 0 || C == 0) return;
  const int nt = threads_for(g.N * g.HO * g.WO * CO * g.KH * g.KW);
#pragma omp parallel for num_threads(nt) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t n = row / g.H, ih = row % g.H;
    for (int64_t iw = 0; iw < g.W; ++iw) {
      float* __restrict dxo = dx + (row * g.W + iw) * C;
      std::fill(dxo, dxo + C, 0.f);
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        const int64_t th = ih + g.PT - kh * g.DH;
        if (th < 0 || th % g.SH != 0 || th / g.SH >= g.HO) continue;
        const int64_t oh = th / g.SH;
        for (int64_t kw = 0; kw < g.KW; ++kw) {
          const int64_t tw = iw + g.PL - kw * g.DW;
          if (tw < 0 || tw % g.SW != 0 || tw / g.SW >= g.WO) continue;
          const int64_t ow = tw / g.SW;
          const float* __restrict dyp = dy + ((n * g.HO + oh) * g.WO + ow) * CO;
          const float* __restrict kp = k + (kh * g.KW + kw) * CO;
          if (DM == 1) {
            for (int64_t c = 0; c < C; ++c) dxo[c] += dyp[c] * kp[c];
          } else {
            for (int64_t c = 0; c < C; ++c) {
              float s = 0.f;
              for (int64_t m = 0; m < DM; ++m) s += dyp[c * DM + m] * kp[c * DM + m];
              dxo[c] += s;
            }
          }
        }
      }
    }
  }
}

void depthwise_backward_kernel(const ConvGeom& g, const float* x, const float* dy, float* dk) {
  const int64_t C = g.C, CO = g.CO, DM = C > 0 ? CO / C : 0, rows = g.N * g.HO;
  const int64_t KC = g.KH * g.KW * CO;
  if (KC == 0) return;
  fill_zero(dk, KC);
  if (rows == 0 || g.WO == 0) return;
  const int64_t nchunks = std::min<int64_t>(rows, 8);
  std::vector<float> part(static_cast<size_t>(nchunks - 1) * KC, 0.f);
  const int nt = static_cast<int>(
      std::min<int64_t>(threads_for(rows * g.WO * KC), nchunks));
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    float* acc = ch == 0 ? dk : part.data() + (ch - 1) * KC;
    const int64_t row0 = ch * rows / nchunks, row1 = (ch + 1) * rows / nchunks;
    for (int64_t row = row0; row < row1; ++row) {
      const int64_t n = row / g.HO, oh = row % g.HO;
      for (int64_t ow = 0; ow < g.WO; ++ow) {
        const float* __restrict dyp = dy + (row * g.WO + ow) * CO;
        for (int64_t kh = 0; kh < g.KH; ++kh) {
          const int64_t ih = oh * g.SH - g.PT + kh * g.DH;
          if (ih < 0 || ih >= g.H) continue;
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            const int64_t iw = ow * g.SW - g.PL + kw * g.DW;
            if (iw < 0 || iw >= g.W) continue;
            const float* __restrict xp = x + ((n * g.H + ih) * g.W + iw) * C;
            float* __restrict a = acc + (kh * g.KW + kw) * CO;
            if (DM == 1) {
              for (int64_t c = 0; c < C; ++c) a[c] += xp[c] * dyp[c];
            } else {
              for (int64_t c = 0; c < C; ++c) {
                const float xv = xp[c];
                for (int64_t m = 0; m < DM; ++m) a[c * DM + m] += xv * dyp[c * DM + m];
              }
            }
          }
        }
      }
    }
  }
  for (int64_t ch = 1; ch < nchunks; ++ch) {
    const float* p = part.data() + (ch - 1) * KC;
    for (int64_t i = 0; i < KC; ++i) dk[i] += p[i];
  }
}

}  // namespace pyfapi
