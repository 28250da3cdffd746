// Winograd F(2, r) for 1-D convolutions along W (r = KW in 3..5; stride 1, dilation 1, KH = 1,
// so rows of a 2-D input with a 1 x r kernel count as independent sequences), built with the
// Toom-Cook construction on the points 0, 1, -1, 2, -2 and infinity (Lavin & Gray 2016; Blahut,
// "Fast Algorithms for Signal Processing", ch. 5). With n = r + 1 points, V the n x n evaluation
// matrix of polynomials of degree < n (row p: powers of point p; infinity: the leading
// coefficient), E (n x r) and F (n x 2) the evaluations of the kernel and of a length-2
// sequence, the linear convolution is V^-1 [(E g) . (F h)], hence its transpose, the correlation
// y = sum_j g_j d_{i+j} the kernels compute, is
//     y (2) = F^T [ (E g) . (V^-T d) ]      (A^T = F^T, G = E, B^T = V^-T).
// n GEMMs of (tiles x C) @ (C x CO) per block of 2-output tiles replace 2r taps: 1.5x (r = 3) to
// 1.67x (r = 5) fewer flops. Same blocking, threading and determinism as winograd.cpp.
#include <algorithm>
#include <cmath>
#include <vector>

#include "common/threads.h"
#include "conv/conv.h"
#include "conv/conv_util.h"

namespace pyfapi {

bool winograd1d_applicable(const ConvGeom& g) {
  return g.KH == 1 && g.KW >= 3 && g.KW <= 5 && g.SW == 1 && g.DW == 1 && g.SH == 1 &&
         g.PT == 0 && g.HO == g.H && g.C >= 16 && g.CO >= 32 && g.WO >= 2;
}

namespace {

constexpr int kMaxN = 6;

struct Transforms {
  int n, r;
  float AT[2][kMaxN];     // output transform
  float G[kMaxN][kMaxN];  // kernel transform (n x r)
  float BT[kMaxN][kMaxN]; // input transform (n x n)
};

Transforms make_transforms(int r) {
  Transforms t{};
  const int n = r + 1;
  t.n = n;
  t.r = r;
  const double pts[kMaxN - 1] = {0.0, 1.0, -1.0, 2.0, -2.0};
  // V (n x n): finite points p < n - 1: V[p][k] = a_p^k; infinity: V[n-1][k] = (k == n - 1).
  double V[kMaxN][2 * kMaxN] = {};
  for (int p = 0; p < n; ++p) {
    for (int k = 0; k < n; ++k)
      V[p][k] = p < n - 1 ? std::pow(pts[p], k) : (k == n - 1 ? 1.0 : 0.0);
    V[p][n + p] = 1.0;  // augmented identity: Gauss-Jordan gives V^-1 on the right
  }
  for (int col = 0; col < n; ++col) {
    int piv = col;
    for (int i = col + 1; i < n; ++i)
      if (std::fabs(V[i][col]) > std::fabs(V[piv][col])) piv = i;
    for (int k = 0; k < 2 * n; ++k) std::swap(V[col][k], V[piv][k]);
    const double d = V[col][col];
    for (int k = 0; k < 2 * n; ++k) V[col][k] /= d;
    for (int i = 0; i < n; ++i)
      if (i != col && V[i][col] != 0.0) {
        const double f = V[i][col];
        for (int k = 0; k < 2 * n; ++k) V[i][k] -= f * V[col][k];
      }
  }
  for (int i = 0; i < n; ++i)  // B^T = (V^-1)^T
    for (int j = 0; j < n; ++j) t.BT[i][j] = static_cast<float>(V[j][n + i]);
  for (int p = 0; p < n; ++p) {
    for (int j = 0; j < r; ++j)  // G = E: kernel evaluations (infinity: last coefficient)
      t.G[p][j] = static_cast<float>(p < n - 1 ? std::pow(pts[p], j) : (j == r - 1 ? 1.0 : 0.0));
    for (int i = 0; i < 2; ++i)  // A^T = F^T: F[p][i] = a_p^i (infinity: i == 1)
      t.AT[i][p] = static_cast<float>(p < n - 1 ? std::pow(pts[p], i) : (i == 1 ? 1.0 : 0.0));
  }
  return t;
}

// out[c] = sum_q coef[q] * in[q][c] over the non-zero coefficients (vectorised over c).
inline void combine(const float* coef, const float* const* in, int nq, float* __restrict out,
                    int64_t C) {
  for (int64_t c = 0; c < C; ++c) out[c] = 0.f;
  for (int q = 0; q < nq; ++q) {
    const float a = coef[q];
    if (a == 0.f) continue;
    const float* __restrict s = in[q];
    for (int64_t c = 0; c < C; ++c) out[c] += a * s[c];
  }
}

// V[xi][t - t0][c] = sum_q BT[xi][q] d[q][c] for tiles t0..t1 (V matrices at stride tb * C).
// Sequences: rows of N * H, each of W pixels; tile t = (row, tw).
void input_transform(const ConvGeom& g, const Transforms& w, const float* x, int64_t t0,
                     int64_t t1, int64_t TW, const float* zeros, float* V, int64_t tb) {
  const int64_t C = g.C;
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t row = t / TW, tw = t % TW, iw0 = 2 * tw - g.PL;
    const float* d[kMaxN];
    for (int q = 0; q < w.n; ++q) {
      const int64_t iw = iw0 + q;
      d[q] = (iw >= 0 && iw < g.W) ? x + (row * g.W + iw) * C : zeros;
    }
    for (int xi = 0; xi < w.n; ++xi)
      combine(w.BT[xi], d, w.n, V + (xi * tb + (t - t0)) * C, C);
  }
}

}  // namespace

void winograd1d_forward(const ConvGeom& g, const float* x, const float* k, const float* bias,
                        Act act, float* y) {
  const Transforms w = make_transforms(static_cast<int>(g.KW));
  const int n = w.n;
  const int64_t C = g.C, CO = g.CO, CC = C * CO;
  const int64_t rows = g.N * g.H, TW = (g.WO + 1) / 2, T = rows * TW;
  // U[xi] (C x CO) = sum_j G[xi][j] k[j]
  Scratch U(static_cast<size_t>(n) * CC);
  for (int xi = 0; xi < n; ++xi) {
    const float* src[kMaxN];
    for (int j = 0; j < w.r; ++j) src[j] = k + j * CC;
    combine(w.G[xi], src, w.r, U.data() + xi * CC, CC);
  }
  const int64_t tb = std::clamp<int64_t>(524288 / (n * (C + CO)), 8, 512);
  const int64_t nb = ceil_div(T, tb);
  const int nt =
      static_cast<int>(std::min<int64_t>(threads_for(T * 2 * n * CC, 2 * kMinMacsPerThread), nb));
  const size_t per_thread = static_cast<size_t>(n) * tb * (C + CO) + CO;
  Scratch buf(per_thread * nt);
  const std::vector<float> zeros(std::max(C, CO), 0.f);
  const float* bz = bias ? bias : zeros.data();
  const Precision prec = gemm_precision();  // the workers' sgemm calls use the caller's
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t b = 0; b < nb; ++b) {
    GemmPrecisionScope prec_scope(prec);
    float* V = buf.data() + per_thread * thread_id();
    float* M = V + static_cast<size_t>(n) * tb * C;
    float* sink = M + static_cast<size_t>(n) * tb * CO;
    const int64_t t0 = b * tb, t1 = std::min(T, t0 + tb);
    input_transform(g, w, x, t0, t1, TW, zeros.data(), V, tb);
    for (int xi = 0; xi < n; ++xi)
      sgemm(false, false, t1 - t0, CO, C, 1.f, V + xi * tb * C, C, U.data() + xi * CC, CO, 0.f,
            M + xi * tb * CO, CO);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t row = t / TW, tw = t % TW;
      const float* m[kMaxN];
      for (int xi = 0; xi < n; ++xi) m[xi] = M + (xi * tb + (t - t0)) * CO;
      for (int i = 0; i < 2; ++i) {
        const int64_t ow = 2 * tw + i;
        float* out = ow < g.WO ? y + (row * g.WO + ow) * CO : sink;
        combine(w.AT[i], m, n, out, CO);
        for (int64_t o = 0; o < CO; ++o) out[o] += bz[o];
        if (act == Act::Relu)
          for (int64_t o = 0; o < CO; ++o) out[o] = relu_epilogue(out[o]);
      }
    }
  }
}

void winograd1d_backward_kernel(const ConvGeom& g, const float* x, const float* dy, float* dk) {
  const Transforms w = make_transforms(static_cast<int>(g.KW));
  const int n = w.n;
  const int64_t C = g.C, CO = g.CO, CC = C * CO;
  const int64_t rows = g.N * g.H, TW = (g.WO + 1) / 2, T = rows * TW;
  const int64_t tb = std::clamp<int64_t>(524288 / (n * (C + CO)), 8, 512);
  const int64_t nb = ceil_div(T, tb);
  int64_t nchunks = std::min<int64_t>(nb, 8);  // a function of the shape only
  while (nchunks > 1 && nchunks * n * CC > (int64_t(1) << 24)) --nchunks;
  const int nt =
      static_cast<int>(std::min<int64_t>(threads_for(T * 2 * n * CC, 2 * kMinMacsPerThread),
                                         nchunks));
  Scratch part(static_cast<size_t>(nchunks) * n * CC);
  const size_t per_thread = static_cast<size_t>(n) * tb * (C + CO);
  Scratch buf(per_thread * nt);
  const std::vector<float> zeros(std::max(C, CO), 0.f);
  const Precision prec = gemm_precision();  // the workers' sgemm calls use the caller's
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    GemmPrecisionScope prec_scope(prec);
    float* V = buf.data() + per_thread * thread_id();
    float* W = V + static_cast<size_t>(n) * tb * C;
    float* acc = part.data() + static_cast<size_t>(ch) * n * CC;
    const int64_t b0 = ch * nb / nchunks, b1 = (ch + 1) * nb / nchunks;
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t t0 = b * tb, t1 = std::min(T, t0 + tb);
      input_transform(g, w, x, t0, t1, TW, zeros.data(), V, tb);
      // W[xi][t] = sum_i AT[i][xi] dy[2 tw + i] (the adjoint of the output transform).
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t row = t / TW, tw = t % TW;
        const float* q[2];
        for (int i = 0; i < 2; ++i)
          q[i] = 2 * tw + i < g.WO ? dy + (row * g.WO + 2 * tw + i) * CO : zeros.data();
        for (int xi = 0; xi < n; ++xi) {
          const float coef[2] = {w.AT[0][xi], w.AT[1][xi]};
          combine(coef, q, 2, W + (xi * tb + (t - t0)) * CO, CO);
        }
      }
      for (int xi = 0; xi < n; ++xi)
        sgemm(true, false, C, CO, t1 - t0, 1.f, V + xi * tb * C, C, W + xi * tb * CO, CO,
              b == b0 ? 0.f : 1.f, acc + xi * CC, CO);
    }
  }
  // dk[j] = sum_xi G[xi][j] (sum over chunks, fixed order) of acc[xi].
  const int rt = threads_for(CC * n * (nchunks + w.r));
#pragma omp parallel for num_threads(rt) schedule(static) if (rt > 1)
  for (int64_t e = 0; e < CC; ++e) {
    float u[kMaxN];
    for (int xi = 0; xi < n; ++xi) {
      float s = 0.f;
      for (int64_t ch = 0; ch < nchunks; ++ch) s += part[(ch * n + xi) * CC + e];
      u[xi] = s;
    }
    for (int j = 0; j < w.r; ++j) {
      float s = 0.f;
      for (int xi = 0; xi < n; ++xi) s += w.G[xi][j] * u[xi];
      dk[j * CC + e] = s;
    }
  }
}

}  // namespace pyfapi
