#include "image/image.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "common/threads.h"

namespace pyfapi {

namespace {

// out[ox, c] = sum_k wx[ox, k] * t[xi[ox, k], c]; CC > 0: compile-time channel count
template <int CC>
inline void hpass(const float* t, float* dst, const ResizeGeom& g, const int32_t* xi,
                  const float* wx) {
  for (int64_t ox = 0; ox < g.OW; ++ox) {
    const int32_t* idx = xi + ox * g.KX;
    const float* w = wx + ox * g.KX;
    float acc[CC];
    for (int c = 0; c < CC; ++c) acc[c] = 0.0f;
    for (int64_t k = 0; k < g.KX; ++k) {
      const float wk = w[k];
      if (wk == 0.0f) continue;
      const float* src = t + int64_t(idx[k]) * CC;
      for (int c = 0; c < CC; ++c) acc[c] += wk * src[c];
    }
    float* o = dst + ox * CC;
    for (int c = 0; c < CC; ++c) o[c] = acc[c];
  }
}

// any channel count: accumulate in the output row
inline void hpass_any(const float* t, float* dst, const ResizeGeom& g, const int32_t* xi,
                      const float* wx) {
  const int64_t C = g.C;
  for (int64_t ox = 0; ox < g.OW; ++ox) {
    float* o = dst + ox * C;
    for (int64_t c = 0; c < C; ++c) o[c] = 0.0f;
    for (int64_t k = 0; k < g.KX; ++k) {
      const float wk = wx[ox * g.KX + k];
      if (wk == 0.0f) continue;
      const float* src = t + int64_t(xi[ox * g.KX + k]) * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) o[c] += wk * src[c];
    }
  }
}

}  // namespace

void resize_separable(const ResizeGeom& g, const float* x, const int32_t* yi, const float* wy,
                      const int32_t* xi, const float* wx, float* out) {
  const int64_t rows = g.N * g.OH;
  const int64_t row_in = g.W * g.C, row_out = g.OW * g.C;
  if (rows == 0 || row_out == 0) return;
  const int nt = threads_for(rows * (g.KY * row_in + g.KX * row_out));
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    std::vector<float> tmp(static_cast<size_t>(row_in > 0 ? row_in : 1));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t n = r / g.OH, oy = r % g.OH;
      float* t = tmp.data();
      std::memset(t, 0, sizeof(float) * static_cast<size_t>(row_in));
      // vertical pass: one row of W*C values (taps in index order)
      for (int64_t k = 0; k < g.KY; ++k) {
        const float w = wy[oy * g.KY + k];
        if (w == 0.0f) continue;
        const float* src = x + (n * g.H + yi[oy * g.KY + k]) * row_in;
#pragma omp simd
        for (int64_t i = 0; i < row_in; ++i) t[i] += w * src[i];
      }
      // horizontal pass (channel counts 1, 3, 4 unrolled; same operations and order)
      float* dst = out + r * row_out;
      switch (g.C) {
        case 1: hpass<1>(t, dst, g, xi, wx); break;
        case 3: hpass<3>(t, dst, g, xi, wx); break;
        case 4: hpass<4>(t, dst, g, xi, wx); break;
        default: hpass_any(t, dst, g, xi, wx); break;
      }
    }
  }
}

namespace {

inline int64_t floor_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

inline int64_t mirror(int64_t i, int64_t size) {
  const int64_t s = size - 1;
  if (s <= 0) return 0;
  const int64_t m = floor_mod(i + s, 2 * s) - s;
  return m < 0 ? -m : m;
}

// jax.scipy.ndimage index fixers; returns false when the index is outside (constant mode)
inline bool fix_index(int64_t& i, int64_t size, int mode) {
  switch (mode) {
    case kFillConstant: return i >= 0 && i < size;
    case kFillNearest: i = i < 0 ? 0 : (i >= size ? size - 1 : i); return true;
    case kFillWrap: i = floor_mod(i, size); return true;
    case kFillMirror: i = mirror(i, size); return true;
    default: i = floor_div(mirror(2 * i + 1, 2 * size + 1) - 1, 2); return true;  // reflect
  }
}

}  // namespace

void affine_transform(const AffineGeom& g, const float* x, const float* tr, float* out) {
  const int64_t rows = g.N * g.OH, C = g.C;
  if (rows == 0 || g.OW == 0 || C == 0) return;
  const int nt = threads_for(rows * g.OW * C * (g.order == 1 ? 4 : 1));
  const bool empty = g.H == 0 || g.W == 0;
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = r / g.OH, oy = r % g.OH;
    const float* t = tr + n * 8;
    const float* img = x + n * g.H * g.W * C;
    float* dst = out + r * g.OW * C;
    const float fy = static_cast<float>(oy);
    for (int64_t ox = 0; ox < g.OW; ++ox) {
      const float fx = static_cast<float>(ox);
      float k = t[6] * fx + t[7] * fy + 1.0f;
      float xin = t[0] * fx + t[1] * fy + t[2];
      float yin = t[3] * fx + t[4] * fy + t[5];
      if (k != 1.0f) { xin /= k; yin /= k; }
      float* o = dst + ox * C;
      if (empty || !std::isfinite(xin) || !std::isfinite(yin)) {
        for (int64_t c = 0; c < C; ++c) o[c] = g.fill_value;
        continue;
      }
      if (g.order == 0) {
        int64_t iy = static_cast<int64_t>(std::round(yin));
        int64_t ix = static_cast<int64_t>(std::round(xin));
        const bool vy = fix_index(iy, g.H, g.fill_mode);
        const bool vx = fix_index(ix, g.W, g.fill_mode);
        if (vy && vx) {
          const float* s = img + (iy * g.W + ix) * C;
          for (int64_t c = 0; c < C; ++c) o[c] = s[c];
        } else {
          for (int64_t c = 0; c < C; ++c) o[c] = g.fill_value;
        }
        continue;
      }
      const float y0f = std::floor(yin), x0f = std::floor(xin);
      const float wy1 = yin - y0f, wy0 = 1.0f - wy1;
      const float wx1 = xin - x0f, wx0 = 1.0f - wx1;
      int64_t ys[2] = {static_cast<int64_t>(y0f), static_cast<int64_t>(y0f) + 1};
      int64_t xs[2] = {static_cast<int64_t>(x0f), static_cast<int64_t>(x0f) + 1};
      const float wys[2] = {wy0, wy1}, wxs[2] = {wx0, wx1};
      bool vy[2], vx[2];
      for (int j = 0; j < 2; ++j) {
        vy[j] = fix_index(ys[j], g.H, g.fill_mode);
        vx[j] = fix_index(xs[j], g.W, g.fill_mode);
      }
      for (int64_t c = 0; c < C; ++c) {
        float acc = 0.0f;
        for (int a = 0; a < 2; ++a)
          for (int b = 0; b < 2; ++b) {
            const float v = (vy[a] && vx[b]) ? img[(ys[a] * g.W + xs[b]) * C + c] : g.fill_value;
            acc += (wys[a] * wxs[b]) * v;
          }
        o[c] = acc;
      }
    }
  }
}

}  // namespace pyfapi
