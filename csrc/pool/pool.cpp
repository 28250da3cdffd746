// Pooling kernels: direct loops vectorised over channels.
//   forward:  parallel over output rows (n, oh).
//   backward: scatter into dx, parallel over (image, channel block) tasks: a task owns
//             dx[n, :, :, c0:c1], so there are no races, and each dx element accumulates its
//             contributions in the same (output scan) order whatever the thread count.
#include "pool/pool.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/threads.h"
#include "conv/conv_util.h"

namespace pyfapi {
namespace {

inline uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

constexpr int64_t kMaxBlock = 64;  // channels per backward task (stack arrays)

struct Window {
  int64_t h0, h1, w0, w1;
};

inline Window window(const PoolGeom& g, int64_t oh, int64_t ow) {
  const int64_t hs = oh * g.SH - g.PT, ws = ow * g.SW - g.PL;
  return {std::max<int64_t>(hs, 0), std::min(hs + g.KH, g.H), std::max<int64_t>(ws, 0),
          std::min(ws + g.KW, g.W)};
}

// Channel block for the backward tasks: whole images when there are enough of them.
int64_t channel_block(const PoolGeom& g) {
  const int64_t nt = get_num_threads();
  int64_t cb = g.C;
  if (g.N < 2 * nt) cb = ceil_div(g.C, ceil_div(2 * nt, std::max<int64_t>(g.N, 1)));
  cb = std::max<int64_t>(cb, 8);
  return std::min(cb, kMaxBlock);
}

}  // namespace

void max_pool_forward(const PoolGeom& g, const float* x, float* y) {
  const int64_t C = g.C, rows = g.N * g.HO;
  if (rows == 0 || g.WO == 0 || C == 0) return;
  const int nt = threads_for(rows * g.WO * C * g.KH * g.KW);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t n = row / g.HO, oh = row % g.HO;
    for (int64_t ow = 0; ow < g.WO; ++ow) {
      float* __restrict yo = y + (row * g.WO + ow) * C;
      const Window w = window(g, oh, ow);
      if (w.h0 >= w.h1 || w.w0 >= w.w1) {
        std::fill(yo, yo + C, 0.f);
        continue;
      }
      const float* xn = x + n * g.H * g.W * C;
      const float* __restrict first = xn + (w.h0 * g.W + w.w0) * C;
      std::copy(first, first + C, yo);
      for (int64_t ih = w.h0; ih < w.h1; ++ih)
        for (int64_t iw = (ih == w.h0 ? w.w0 + 1 : w.w0); iw < w.w1; ++iw) {
          const float* __restrict xp = xn + (ih * g.W + iw) * C;
          for (int64_t c = 0; c < C; ++c) yo[c] = xp[c] > yo[c] ? xp[c] : yo[c];
        }
    }
  }
}

void max_pool_backward(const PoolGeom& g, const float* x, const float* dy, float* dx) {
  const int64_t C = g.C;
  if (g.N == 0 || g.H == 0 || g.W == 0 || C == 0) return;
  const int64_t cb = channel_block(g), nblk = ceil_div(C, cb), tasks = g.N * nblk;
  const int nt = threads_for(g.N * g.HO * g.WO * C * g.KH * g.KW + g.N * g.H * g.W * C);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t n = t / nblk, c0 = (t % nblk) * cb, nc = std::min(cb, C - c0);
    const float* xn = x + n * g.H * g.W * C + c0;
    float* dxn = dx + n * g.H * g.W * C + c0;
    for (int64_t p = 0; p < g.H * g.W; ++p) std::fill(dxn + p * C, dxn + p * C + nc, 0.f);
    // Two passes per window, both vectorisable over channels: the maximum (the same strict
    // comparison as the forward), then the first element equal to it takes the gradient.
    float best[kMaxBlock], rem[kMaxBlock];
    for (int64_t oh = 0; oh < g.HO; ++oh)
      for (int64_t ow = 0; ow < g.WO; ++ow) {
        const Window w = window(g, oh, ow);
        if (w.h0 >= w.h1 || w.w0 >= w.w1) continue;
        const float* __restrict first = xn + (w.h0 * g.W + w.w0) * C;
        for (int64_t c = 0; c < nc; ++c) best[c] = first[c];
        for (int64_t ih = w.h0; ih < w.h1; ++ih)
          for (int64_t iw = (ih == w.h0 ? w.w0 + 1 : w.w0); iw < w.w1; ++iw) {
            const float* __restrict xp = xn + (ih * g.W + iw) * C;
            for (int64_t c = 0; c < nc; ++c) best[c] = xp[c] > best[c] ? xp[c] : best[c];
          }
        const float* __restrict dyp = dy + ((n * g.HO + oh) * g.WO + ow) * C + c0;
        for (int64_t c = 0; c < nc; ++c) rem[c] = dyp[c];
        for (int64_t ih = w.h0; ih < w.h1; ++ih)
          for (int64_t iw = w.w0; iw < w.w1; ++iw) {
            const float* __restrict xp = xn + (ih * g.W + iw) * C;
            float* __restrict d = dxn + (ih * g.W + iw) * C;
            for (int64_t c = 0; c < nc; ++c) {
              // Bitwise equality: the first element with best's bits is the one the strict
              // scan kept (also for +-0 and NaN), and it if-converts without trapping math.
              const uint32_t hit = 0u - static_cast<uint32_t>(bits(xp[c]) == bits(best[c]));
              const uint32_t r = bits(rem[c]);
              d[c] += from_bits(r & hit);
              rem[c] = from_bits(r & ~hit);
            }
          }
      }
  }
}

void avg_pool_forward(const PoolGeom& g, const float* x, float* y) {
  const int64_t C = g.C, rows = g.N * g.HO;
  if (rows == 0 || g.WO == 0 || C == 0) return;
  const int nt = threads_for(rows * g.WO * C * g.KH * g.KW);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t n = row / g.HO, oh = row % g.HO;
    for (int64_t ow = 0; ow < g.WO; ++ow) {
      float* __restrict yo = y + (row * g.WO + ow) * C;
      std::fill(yo, yo + C, 0.f);
      const Window w = window(g, oh, ow);
      const int64_t count = std::max<int64_t>(w.h1 - w.h0, 0) * std::max<int64_t>(w.w1 - w.w0, 0);
      if (count == 0) continue;
      const float* xn = x + n * g.H * g.W * C;
      for (int64_t ih = w.h0; ih < w.h1; ++ih)
        for (int64_t iw = w.w0; iw < w.w1; ++iw) {
          const float* __restrict xp = xn + (ih * g.W + iw) * C;
          for (int64_t c = 0; c < C; ++c) yo[c] += xp[c];
        }
      const float inv = 1.f / static_cast<float>(count);
      for (int64_t c = 0; c < C; ++c) yo[c] *= inv;
    }
  }
}

void avg_pool_backward(const PoolGeom& g, const float* dy, float* dx) {
  const int64_t C = g.C;
  if (g.N == 0 || g.H == 0 || g.W == 0 || C == 0) return;
  const int64_t cb = channel_block(g), nblk = ceil_div(C, cb), tasks = g.N * nblk;
  const int nt = threads_for(g.N * g.HO * g.WO * C * g.KH * g.KW + g.N * g.H * g.W * C);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t n = t / nblk, c0 = (t % nblk) * cb, nc = std::min(cb, C - c0);
    float* dxn = dx + n * g.H * g.W * C + c0;
    for (int64_t p = 0; p < g.H * g.W; ++p) std::fill(dxn + p * C, dxn + p * C + nc, 0.f);
    for (int64_t oh = 0; oh < g.HO; ++oh)
      for (int64_t ow = 0; ow < g.WO; ++ow) {
        const Window w = window(g, oh, ow);
        const int64_t count =
            std::max<int64_t>(w.h1 - w.h0, 0) * std::max<int64_t>(w.w1 - w.w0, 0);
        if (count == 0) continue;
        const float inv = 1.f / static_cast<float>(count);
        const float* dyp = dy + ((n * g.HO + oh) * g.WO + ow) * C + c0;
        float v[kMaxBlock];
        for (int64_t c = 0; c < nc; ++c) v[c] = dyp[c] * inv;
        for (int64_t ih = w.h0; ih < w.h1; ++ih)
          for (int64_t iw = w.w0; iw < w.w1; ++iw) {
            float* __restrict d = dxn + (ih * g.W + iw) * C;
            for (int64_t c = 0; c < nc; ++c) d[c] += v[c];
          }
      }
  }
}

}  // namespace pyfapi
