// Dense 2-D convolution (1-D is H = KH = 1) on pyfapi::sgemm.
//   3x3 stride-1 dilation-1 convolutions with >= 16 channels in and out take the Winograd
//   F(2x2, 3x3) paths of winograd.cpp (forward and kernel gradient; the input gradient reaches
//   the forward one through the transposed convolution below); 1 x r kernels (r = 3..5) with
//   stride 1 and dilation 1 take the Winograd F(2, r) paths of winograd1d.cpp. Everything else:
//   forward:          per block of output pixels, im2col rows (pixels x KH*KW*C) @ kernel
//                     (KH*KW*C x CO) with the bias / relu epilogue fused in sgemm. Blocks of
//                     output pixels are independent, so they run in parallel (sgemm then runs
//                     single-threaded inside the region); 1x1 stride-1 convolutions are one GEMM.
//   backward input:   stride 1: a forward convolution of dy with the flipped, transposed kernel
//                     (race-free, same blocking); otherwise dcol = dy @ kernel^T then col2im
//                     scatter-add, parallel over images (one image = one thread: no races).
//   backward kernel:  sum over pixel blocks of im2col^T @ dy, accumulated in a FIXED number of
//                     partial sums (a function of the shape only, not of the thread count), then
//                     reduced in a fixed order: the result does not depend on the thread count.
#include <algorithm>
#include <cstring>
#include <vector>

#include "common/threads.h"
#include "conv/conv.h"
#include "conv/conv_util.h"

namespace pyfapi {
namespace {

// Writes rows r0..r1 (global output pixel index over N*HO*WO) of the im2col matrix into col
// (row length K = KH*KW*C, column order (kh, kw, c) = the kernel's row order).
void im2col_rows(const ConvGeom& g, const float* x, int64_t r0, int64_t r1, float* col) {
  const int64_t C = g.C, K = g.KH * g.KW * C, P = g.HO * g.WO;
  int64_t n = r0 / P, p = r0 % P, oh = p / g.WO, ow = p % g.WO;
  const size_t cbytes = static_cast<size_t>(C) * sizeof(float);
  for (int64_t r = r0; r < r1; ++r) {
    float* dst = col + (r - r0) * K;
    const float* xn = x + n * g.H * g.W * C;
    const int64_t ih0 = oh * g.SH - g.PT, iw0 = ow * g.SW - g.PL;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = ih0 + kh * g.DH;
      float* d = dst + kh * g.KW * C;
      if (ih < 0 || ih >= g.H) {
        std::memset(d, 0, cbytes * g.KW);
        continue;
      }
      const float* xrow = xn + ih * g.W * C;
      if (g.DW == 1 && iw0 >= 0 && iw0 + g.KW <= g.W) {
        std::memcpy(d, xrow + iw0 * C, cbytes * g.KW);
        continue;
      }
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t iw = iw0 + kw * g.DW;
        if (iw < 0 || iw >= g.W)
          std::memset(d + kw * C, 0, cbytes);
        else
          std::memcpy(d + kw * C, xrow + iw * C, cbytes);
      }
    }
    if (++ow == g.WO) {
      ow = 0;
      if (++oh == g.HO) { oh = 0; ++n; }
    }
  }
}

// dx += col2im(dcol) for rows r0..r1 (the adjoint of im2col_rows). Serial: callers make sure
// no two threads touch the same image.
void col2im_rows(const ConvGeom& g, const float* col, int64_t r0, int64_t r1, float* dx) {
  const int64_t C = g.C, K = g.KH * g.KW * C, P = g.HO * g.WO;
  int64_t n = r0 / P, p = r0 % P, oh = p / g.WO, ow = p % g.WO;
  for (int64_t r = r0; r < r1; ++r) {
    const float* src = col + (r - r0) * K;
    float* xn = dx + n * g.H * g.W * C;
    const int64_t ih0 = oh * g.SH - g.PT, iw0 = ow * g.SW - g.PL;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = ih0 + kh * g.DH;
      if (ih < 0 || ih >= g.H) continue;
      float* xrow = xn + ih * g.W * C;
      const float* s = src + kh * g.KW * C;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t iw = iw0 + kw * g.DW;
        if (iw < 0 || iw >= g.W) continue;
        float* d = xrow + iw * C;
        const float* sk = s + kw * C;
        for (int64_t c = 0; c < C; ++c) d[c] += sk[c];
      }
    }
    if (++ow == g.WO) {
      ow = 0;
      if (++oh == g.HO) { oh = 0; ++n; }
    }
  }
}

// 1x1 kernel, stride 1, no padding, output = input size: im2col is the input itself.
bool is_pointwise(const ConvGeom& g) {
  return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PT == 0 && g.PL == 0 &&
         g.HO == g.H && g.WO == g.W;
}

// Output pixels per GEMM block: about 1 MiB of im2col rows, a function of the shape only.
int64_t block_rows(int64_t K) {
  int64_t br = (262144 / std::max<int64_t>(K, 1) + 15) / 16 * 16;
  return std::clamp<int64_t>(br, 32, 2048);
}

}  // namespace

void conv2d_forward(const ConvGeom& g, const float* x, const float* k, const float* bias, Act act,
                    float* y) {
  const int64_t K = g.KH * g.KW * g.C, M = g.N * g.HO * g.WO;
  if (M == 0 || g.CO == 0) return;
  if (is_pointwise(g) || K == 0) {
    sgemm(false, false, M, g.CO, K, 1.f, x, std::max<int64_t>(K, 1), k, g.CO, 0.f, y, g.CO, bias,
          act);
    return;
  }
  if (winograd_applicable(g)) {
    winograd_forward(g, x, k, bias, act, y);
    return;
  }
  if (winograd1d_applicable(g)) {
    winograd1d_forward(g, x, k, bias, act, y);
    return;
  }
  const int64_t br = block_rows(K), nb = ceil_div(M, br);
  const int nt =
      static_cast<int>(std::min<int64_t>(threads_for(M * K * g.CO, kMinMacsPerThread / 2), nb));
  Scratch buf(static_cast<size_t>(nt) * br * K);
  const Precision prec = gemm_precision();  // the workers' sgemm calls use the caller's
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t b = 0; b < nb; ++b) {
    GemmPrecisionScope prec_scope(prec);
    const int64_t r0 = b * br, r1 = std::min(M, r0 + br);
    float* col = buf.data() + static_cast<size_t>(thread_id()) * br * K;
    im2col_rows(g, x, r0, r1, col);
    sgemm(false, false, r1 - r0, g.CO, K, 1.f, col, K, k, g.CO, 0.f, y + r0 * g.CO, g.CO, bias,
          act);
  }
}

void conv2d_backward_input(const ConvGeom& g, const float* dy, const float* k, float* dx) {
  const int64_t K = g.KH * g.KW * g.C, M = g.N * g.HO * g.WO, NX = g.N * g.H * g.W * g.C;
  if (NX == 0) return;
  if (M == 0 || g.CO == 0) {
    fill_zero(dx, NX);
    return;
  }
  if (is_pointwise(g)) {
    sgemm(false, true, M, g.C, g.CO, 1.f, dy, g.CO, k, g.CO, 0.f, dx, g.C);
    return;
  }
  const int64_t pt2 = (g.KH - 1) * g.DH - g.PT, pl2 = (g.KW - 1) * g.DW - g.PL;
  if (g.SH == 1 && g.SW == 1 && pt2 >= 0 && pl2 >= 0) {
    // dx = conv(dy, flip(k)^T) with padding (K-1)*D - P before: a gather, so it parallelises
    // over output blocks without races.
    Scratch kt(static_cast<size_t>(K) * g.CO);
    for (int64_t kh = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const float* src = k + ((g.KH - 1 - kh) * g.KW + (g.KW - 1 - kw)) * g.C * g.CO;
        float* dst = kt.data() + (kh * g.KW + kw) * g.CO * g.C;
        for (int64_t c = 0; c < g.C; ++c)
          for (int64_t o = 0; o < g.CO; ++o) dst[o * g.C + c] = src[c * g.CO + o];
      }
    ConvGeom t{g.N, g.HO, g.WO, g.CO, g.KH, g.KW, g.C, g.H, g.W, 1, 1, g.DH, g.DW, pt2, pl2};
    conv2d_forward(t, dy, kt.data(), nullptr, Act::None, dx);
    return;
  }
  fill_zero(dx, NX);
  const int64_t P = g.HO * g.WO, br = std::min(block_rows(K), P);
  const int nt =
      static_cast<int>(std::min<int64_t>(threads_for(M * K * g.CO, kMinMacsPerThread / 2), g.N));
  Scratch buf(static_cast<size_t>(nt) * br * K);
  const Precision prec = gemm_precision();  // the workers' sgemm calls use the caller's
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t n = 0; n < g.N; ++n) {
    GemmPrecisionScope prec_scope(prec);
    float* dcol = buf.data() + static_cast<size_t>(thread_id()) * br * K;
    for (int64_t r0 = n * P; r0 < (n + 1) * P; r0 += br) {
      const int64_t r1 = std::min((n + 1) * P, r0 + br);
      sgemm(false, true, r1 - r0, K, g.CO, 1.f, dy + r0 * g.CO, g.CO, k, g.CO, 0.f, dcol, K);
      col2im_rows(g, dcol, r0, r1, dx);
    }
  }
}

void conv2d_backward_kernel(const ConvGeom& g, const float* x, const float* dy, float* dk) {
  const int64_t K = g.KH * g.KW * g.C, M = g.N * g.HO * g.WO, KC = K * g.CO;
  if (KC == 0) return;
  if (M == 0) {
    fill_zero(dk, KC);
    return;
  }
  if (winograd_applicable(g)) {
    winograd_backward_kernel(g, x, dy, dk);
    return;
  }
  if (winograd1d_applicable(g)) {
    winograd1d_backward_kernel(g, x, dy, dk);
    return;
  }
  const bool pw = is_pointwise(g);
  const int64_t br = block_rows(K), nb = ceil_div(M, br);
  int64_t nchunks = std::min<int64_t>(nb, 8);
  while (nchunks > 1 && (nchunks - 1) * KC > (int64_t(1) << 24)) --nchunks;  // <= 64 MiB
  const int nt =
      static_cast<int>(std::min<int64_t>(threads_for(M * KC, kMinMacsPerThread / 2), nchunks));
  Scratch part(static_cast<size_t>(nchunks - 1) * KC);
  Scratch buf(pw ? 0 : static_cast<size_t>(nt) * br * K);
  const Precision prec = gemm_precision();  // the workers' sgemm calls use the caller's
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t c = 0; c < nchunks; ++c) {
    GemmPrecisionScope prec_scope(prec);
    float* out = c == 0 ? dk : part.data() + (c - 1) * KC;
    float* col = pw ? nullptr : buf.data() + static_cast<size_t>(thread_id()) * br * K;
    const int64_t b0 = c * nb / nchunks, b1 = (c + 1) * nb / nchunks;
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t r0 = b * br, r1 = std::min(M, r0 + br);
      const float* a = x + r0 * g.C;
      if (!pw) {
        im2col_rows(g, x, r0, r1, col);
        a = col;
      }
      sgemm(true, false, K, g.CO, r1 - r0, 1.f, a, K, dy + r0 * g.CO, g.CO, b == b0 ? 0.f : 1.f,
            out, g.CO);
    }
  }
  if (nchunks > 1) {
    const int rt = threads_for(KC * (nchunks - 1));
#pragma omp parallel for num_threads(rt) schedule(static) if (rt > 1)
    for (int64_t i = 0; i < KC; ++i) {
      float s = dk[i];
      for (int64_t c = 1; c < nchunks; ++c) s += part[(c - 1) * KC + i];
      dk[i] = s;
    }
  }
}

}  // namespace pyfapi
