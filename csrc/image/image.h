// Image resampling kernels (pyfapi.ops.image / preprocessing layers), channels_last float32.
//   resize_separable: out[n, oy, ox, c] = sum_ky wy[oy, ky] * sum_kx wx[ox, kx]
//                                         * x[n, yi[oy, ky], xi[ox, kx], c]
//     (weights and indices precomputed in Python: bilinear / bicubic / area / lanczos / nearest).
//   affine_transform: out[n, y, x, c] = sample of x[n] at the transformed point (bilinear or
//     nearest, jax.scipy.ndimage.map_coordinates semantics, fill modes as Keras).
// Both parallel over output rows (n, y); every output element is computed by one thread in a
// fixed order, so results are bitwise equal for any thread count.
#pragma once
#include <cstdint>

namespace pyfapi {

struct ResizeGeom {
  int64_t N, H, W, C, OH, OW, KY, KX;
};

void resize_separable(const ResizeGeom& g, const float* x, const int32_t* yi, const float* wy,
                      const int32_t* xi, const float* wx, float* out);

enum FillMode : int { kFillConstant = 0, kFillNearest = 1, kFillWrap = 2, kFillMirror = 3,
                      kFillReflect = 4 };

struct AffineGeom {
  int64_t N, H, W, C, OH, OW;
  int order;       // 0 nearest (round half away from zero, as jax), 1 bilinear
  int fill_mode;   // FillMode
  float fill_value;
};

// transforms: N rows of 8 floats [a0 a1 a2 b0 b1 b2 c0 c1]; the output point (x, y) samples the
// input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1.
void affine_transform(const AffineGeom& g, const float* x, const float* transforms, float* out);

}  // namespace pyfapi
