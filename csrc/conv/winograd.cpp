// Winograd F(2x2, 3x3) forward convolution (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016): 3x3 kernels, stride 1, dilation 1. Each 2x2 output tile costs 16
// multiplies per (cin, cout) pair instead of 36, and the 16 products are 16 GEMMs of
// (tiles x C) @ (C x CO) on pyfapi::sgemm; the transforms are adds over channels.
//   U[xi] (C x CO)  = G g G^T        kernel transform, once per call
//   V[xi] (T x C)   = B^T d B        input transform of each tile's 4x4 patch
//   M[xi] (T x CO)  = V[xi] @ U[xi]  16 GEMMs per block of tiles
//   y (2x2 per tile) = A^T M A        output transform (+ bias, relu)
// with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
// A^T = [1 1 1 0; 0 1 -1 -1]. Blocks of tiles run in parallel (each thread owns its V / M
// buffers and writes disjoint output tiles; every output is computed in a fixed order, so the
// result does not depend on the thread count).
#include <algorithm>
#include <cstring>
#include <vector>

#include "common/threads.h"
#include "conv/conv.h"
#include "conv/conv_util.h"

namespace pyfapi {

bool winograd_applicable(const ConvGeom& g) {
  return g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.DH == 1 && g.DW == 1 &&
         g.C >= 16 && g.CO >= 16 && g.HO >= 2 && g.WO >= 2;
}

namespace {

// U[xi][c][co] from k[kh][kw][c][co].
void transform_kernel(const ConvGeom& g, const float* k, float* U) {
  const int64_t C = g.C, CO = g.CO, CC = C * CO;
  const int nt = threads_for(CC * 64);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t c = 0; c < C; ++c) {
    for (int64_t o = 0; o < CO; ++o) {
      float gk[3][3], t[4][3];
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) gk[i][j] = k[((i * 3 + j) * C + c) * CO + o];
      for (int j = 0; j < 3; ++j) {  // t = G g
        t[0][j] = gk[0][j];
        t[1][j] = 0.5f * (gk[0][j] + gk[1][j] + gk[2][j]);
        t[2][j] = 0.5f * (gk[0][j] - gk[1][j] + gk[2][j]);
        t[3][j] = gk[2][j];
      }
      for (int i = 0; i < 4; ++i) {  // U = t G^T
        const float u0 = t[i][0], u1 = 0.5f * (t[i][0] + t[i][1] + t[i][2]),
                    u2 = 0.5f * (t[i][0] - t[i][1] + t[i][2]), u3 = t[i][2];
        U[(i * 4 + 0) * CC + c * CO + o] = u0;
        U[(i * 4 + 1) * CC + c * CO + o] = u1;
        U[(i * 4 + 2) * CC + c * CO + o] = u2;
        U[(i * 4 + 3) * CC + c * CO + o] = u3;
      }
    }
  }
}

// Row pass of the input transform, vectorised over channels: with d0..d3 the 4 patch rows of one
// patch column, t (4 rows at stride ts) = B^T d.
void transform_in_rows(const float* __restrict d0, const float* __restrict d1,
                       const float* __restrict d2, const float* __restrict d3,
                       float* __restrict t, int64_t ts, int64_t C) {
  float* __restrict t0 = t;
  float* __restrict t1 = t + ts;
  float* __restrict t2 = t + 2 * ts;
  float* __restrict t3 = t + 3 * ts;
  for (int64_t c = 0; c < C; ++c) {
    t0[c] = d0[c] - d2[c];
    t1[c] = d1[c] + d2[c];
    t2[c] = d2[c] - d1[c];
    t3[c] = d1[c] - d3[c];
  }
}

// Column pass: a (4 columns of one transformed row, contiguous C each) -> v (4 outputs at
// stride vs) = a B.
void transform_in_cols(const float* __restrict a, int64_t C, float* __restrict v, int64_t vs,
                       int64_t n) {
  const float* __restrict a0 = a;
  const float* __restrict a1 = a + C;
  const float* __restrict a2 = a + 2 * C;
  const float* __restrict a3 = a + 3 * C;
  float* __restrict v0 = v;
  float* __restrict v1 = v + vs;
  float* __restrict v2 = v + 2 * vs;
  float* __restrict v3 = v + 3 * vs;
  for (int64_t c = 0; c < n; ++c) {
    v0[c] = a0[c] - a2[c];
    v1[c] = a1[c] + a2[c];
    v2[c] = a2[c] - a1[c];
    v3[c] = a1[c] - a3[c];
  }
}

// Output transform of one tile: m (16 matrices at stride ms, this tile's row) -> the 2x2
// outputs A^T m A + bias.
void transform_out(const float* __restrict m, int64_t ms, const float* __restrict bias,
                   float* __restrict y00, float* __restrict y01, float* __restrict y10,
                   float* __restrict y11, int64_t CO) {
  const float* __restrict m0 = m;
  for (int64_t o = 0; o < CO; ++o) {
    float r0[4], r1[4];
    for (int j = 0; j < 4; ++j) {  // A^T m: rows 0 and 1, column j
      const float a = m0[(0 * 4 + j) * ms + o], b = m0[(1 * 4 + j) * ms + o],
                  c = m0[(2 * 4 + j) * ms + o], d = m0[(3 * 4 + j) * ms + o];
      r0[j] = a + b + c;
      r1[j] = b - c - d;
    }
    y00[o] = r0[0] + r0[1] + r0[2] + bias[o];
    y01[o] = r0[1] - r0[2] - r0[3] + bias[o];
    y10[o] = r1[0] + r1[1] + r1[2] + bias[o];
    y11[o] = r1[1] - r1[2] - r1[3] + bias[o];
  }
}

void relu_inplace(float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = relu_epilogue(y[i]);
}

// V[xi][t - t0][c] = (B^T d B)[xi] for the tiles t0..t1 (V matrices at stride tb * C); d is a
// 16 * C scratch, zeros C zeros standing for padding pixels.
void input_transform(const ConvGeom& g, const float* x, int64_t t0, int64_t t1, int64_t TH,
                     int64_t TW, const float* zeros, float* d, float* V, int64_t tb) {
  const int64_t C = g.C;
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t n = t / (TH * TW), r = t % (TH * TW), th = r / TW, tw = r % TW;
    const int64_t ih0 = 2 * th - g.PT, iw0 = 2 * tw - g.PL;
    const float* rows[4];
    for (int i = 0; i < 4; ++i) {
      const int64_t ih = ih0 + i;
      rows[i] = (ih >= 0 && ih < g.H) ? x + (n * g.H + ih) * g.W * C : nullptr;
    }
    float* vt = V + (t - t0) * C;
    const int64_t vs = tb * C;  // stride between the 16 V matrices
    for (int j = 0; j < 4; ++j) {  // row pass: d[i][j] = (B^T patch)[i][j]
      const bool colok = iw0 + j >= 0 && iw0 + j < g.W;
      const float* p[4];
      for (int i = 0; i < 4; ++i) p[i] = (rows[i] && colok) ? rows[i] + (iw0 + j) * C : zeros;
      transform_in_rows(p[0], p[1], p[2], p[3], d + j * C, 4 * C, C);
    }
    for (int i = 0; i < 4; ++i)  // column pass: V[i][.] = d[i][.] B
      transform_in_cols(d + (i * 4) * C, C, vt + (i * 4) * vs, vs, C);
  }
}

}  // namespace

void winograd_forward(const ConvGeom& g, const float* x, const float* k, const float* bias,
                      Act act, float* y) {
  const int64_t C = g.C, CO = g.CO;
  const int64_t TH = (g.HO + 1) / 2, TW = (g.WO + 1) / 2, T = g.N * TH * TW;
  Scratch U(static_cast<size_t>(16) * C * CO);
  transform_kernel(g, k, U.data());
  // Tiles per block: V and M of one block (16 * tb * (C + CO) floats) about 2 MiB.
  const int64_t tb = std::clamp<int64_t>(524288 / (16 * (C + CO)), 8, 256);
  const int64_t nb = ceil_div(T, tb);
  const int nt =
      static_cast<int>(std::min<int64_t>(threads_for(T * 32 * C * CO, 2 * kMinMacsPerThread), nb));
  // Per thread: V (16 x tb x C), M (16 x tb x CO), a 4x4xC patch scratch, a CO-float sink for
  // the outputs of partial tiles beyond the output edge.
  const size_t per_thread =
      static_cast<size_t>(16) * tb * (C + CO) + static_cast<size_t>(16) * C + CO;
  Scratch buf(per_thread * nt);
  const std::vector<float> zeros(std::max(C, CO), 0.f);  // padding pixels; the absent bias
  const float* bz = bias ? bias : zeros.data();
  const Precision prec = gemm_precision();  // the workers' sgemm calls use the caller's
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t b = 0; b < nb; ++b) {
    GemmPrecisionScope prec_scope(prec);
    float* V = buf.data() + per_thread * thread_id();
    float* Mb = V + static_cast<size_t>(16) * tb * C;
    float* d = Mb + static_cast<size_t>(16) * tb * CO;  // 4x4xC: B^T d of the current tile
    float* sink = d + 16 * C;
    const int64_t t0 = b * tb, t1 = std::min(T, t0 + tb), nt_ = t1 - t0;
    input_transform(g, x, t0, t1, TH, TW, zeros.data(), d, V, tb);
    // 16 GEMMs.
    for (int xi = 0; xi < 16; ++xi)
      sgemm(false, false, nt_, CO, C, 1.f, V + xi * tb * C, C, U.data() + xi * C * CO, CO, 0.f,
            Mb + xi * tb * CO, CO);
    // Output transform (+ bias, relu).
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t n = t / (TH * TW), r = t % (TH * TW), th = r / TW, tw = r % TW;
      const float* m = Mb + (t - t0) * CO;
      const int64_t ms = tb * CO;
      // Output pointers of the 2x2 tile; those beyond the output edge write into the sink.
      const int64_t oh = 2 * th, ow = 2 * tw;
      float* yp[2][2];
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j)
          yp[i][j] = (oh + i < g.HO && ow + j < g.WO)
                         ? y + ((n * g.HO + oh + i) * g.WO + ow + j) * CO : sink;
      float* __restrict y00 = yp[0][0];
      float* __restrict y01 = yp[0][1];
      float* __restrict y10 = yp[1][0];
      float* __restrict y11 = yp[1][1];
      transform_out(m, ms, bz, y00, y01, y10, y11, CO);
      if (act == Act::Relu) {
        relu_inplace(y00, CO);
        relu_inplace(y01, CO);
        relu_inplace(y10, CO);
        relu_inplace(y11, CO);
      }
    }
  }
}

namespace {

// One tile of grad_transform: Z = A dY A^T (4 x 4, 16 rows at stride ws) from the 2x2 gradient
// rows q00 q01 / q10 q11, vectorised over output channels.
void grad_tile(const float* __restrict q00, const float* __restrict q01,
               const float* __restrict q10, const float* __restrict q11, float* __restrict w,
               int64_t ws, int64_t CO) {
  for (int i = 0; i < 4; ++i) {
    // Row i of P = A dY: (a, b) = i 0: (q00, q01); 1: q0 + q1; 2: q0 - q1; 3: -q1.
    float* __restrict z0 = w + (i * 4 + 0) * ws;
    float* __restrict z1 = w + (i * 4 + 1) * ws;
    float* __restrict z2 = w + (i * 4 + 2) * ws;
    float* __restrict z3 = w + (i * 4 + 3) * ws;
    const float s0 = i == 3 ? 0.f : 1.f, s1 = i == 0 ? 0.f : (i == 2 || i == 3 ? -1.f : 1.f);
    for (int64_t o = 0; o < CO; ++o) {
      const float a = s0 * q00[o] + s1 * q10[o], b = s0 * q01[o] + s1 * q11[o];
      z0[o] = a;
      z1[o] = a + b;
      z2[o] = a - b;
      z3[o] = -b;
    }
  }
}

// W[xi][t - t0][o] = (A dY A^T)[xi] for the tiles t0..t1 (dY: the tile's 2x2 output gradient,
// zero beyond the output edge; A = [1 0; 1 1; 1 -1; 0 -1]).
void grad_transform(const ConvGeom& g, const float* dy, int64_t t0, int64_t t1, int64_t TH,
                    int64_t TW, const float* zeros, float* W, int64_t tb) {
  const int64_t CO = g.CO, ws = tb * CO;
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t n = t / (TH * TW), r = t % (TH * TW), th = r / TW, tw = r % TW;
    const int64_t oh = 2 * th, ow = 2 * tw;
    const float* q[2][2];
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        q[i][j] = (oh + i < g.HO && ow + j < g.WO) ? dy + ((n * g.HO + oh + i) * g.WO + ow + j) * CO
                                                   : zeros;
    grad_tile(q[0][0], q[0][1], q[1][0], q[1][1], W + (t - t0) * CO, ws, CO);
  }
}

}  // namespace

void winograd_backward_kernel(const ConvGeom& g, const float* x, const float* dy, float* dk) {
  const int64_t C = g.C, CO = g.CO, CC = C * CO;
  const int64_t TH = (g.HO + 1) / 2, TW = (g.WO + 1) / 2, T = g.N * TH * TW;
  const int64_t tb = std::clamp<int64_t>(524288 / (16 * (C + CO)), 8, 256);
  const int64_t nb = ceil_div(T, tb);
  // Fixed number of partial sums (a function of the shape only: thread-count independent).
  int64_t nchunks = std::min<int64_t>(nb, 8);
  while (nchunks > 1 && nchunks * 16 * CC > (int64_t(1) << 24)) --nchunks;  // <= 64 MiB
  const int nt =
      static_cast<int>(std::min<int64_t>(threads_for(T * 32 * CC, 2 * kMinMacsPerThread), nchunks));
  Scratch part(static_cast<size_t>(nchunks) * 16 * CC);
  const size_t per_thread = static_cast<size_t>(16) * tb * (C + CO) + static_cast<size_t>(16) * C;
  Scratch buf(per_thread * nt);
  const std::vector<float> zeros(std::max(C, CO), 0.f);
  const Precision prec = gemm_precision();  // the workers' sgemm calls use the caller's
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    GemmPrecisionScope prec_scope(prec);
    float* V = buf.data() + per_thread * thread_id();
    float* W = V + static_cast<size_t>(16) * tb * C;
    float* d = W + static_cast<size_t>(16) * tb * CO;
    float* acc = part.data() + static_cast<size_t>(ch) * 16 * CC;
    const int64_t b0 = ch * nb / nchunks, b1 = (ch + 1) * nb / nchunks;
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t t0 = b * tb, t1 = std::min(T, t0 + tb);
      input_transform(g, x, t0, t1, TH, TW, zeros.data(), d, V, tb);
      grad_transform(g, dy, t0, t1, TH, TW, zeros.data(), W, tb);
      for (int xi = 0; xi < 16; ++xi)  // acc[xi] (C x CO) += V[xi]^T @ W[xi]
        sgemm(true, false, C, CO, t1 - t0, 1.f, V + xi * tb * C, C, W + xi * tb * CO, CO,
              b == b0 ? 0.f : 1.f, acc + xi * CC, CO);
    }
  }
  // dk[a][b] = sum_{i, j} G[i][a] (sum over chunks of acc)[i][j] G[j][b], in a fixed order.
  static const float G[4][3] = {{1.f, 0.f, 0.f}, {.5f, .5f, .5f}, {.5f, -.5f, .5f}, {0.f, 0.f, 1.f}};
  const int rt = threads_for(CC * 16 * (nchunks + 9));
#pragma omp parallel for num_threads(rt) schedule(static) if (rt > 1)
  for (int64_t e = 0; e < CC; ++e) {
    float u[4][4];
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        float s = 0.f;
        for (int64_t ch = 0; ch < nchunks; ++ch) s += part[(ch * 16 + i * 4 + j) * CC + e];
        u[i][j] = s;
      }
    for (int a = 0; a < 3; ++a)
      for (int bb = 0; bb < 3; ++bb) {
        float s = 0.f;
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) s += G[i][a] * u[i][j] * G[j][bb];
        dk[(a * 3 + bb) * CC + e] = s;
      }
  }
}

}  // namespace pyfapi
