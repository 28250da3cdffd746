// Max / average pooling (Keras/TensorFlow semantics, channels_last, float32). 1-D pooling is
// 2-D pooling with H = KH = 1 (the Python face passes views).
#pragma once
#include <cstdint>

namespace pyfapi {

// Input (N, H, W, C), output (N, HO, WO, C). Window of output (oh, ow): input rows
// [oh*SH - PT, oh*SH - PT + KH) and columns [ow*SW - PL, ow*SW - PL + KW), clipped to the input:
// padding never takes part (max ignores it; average divides by the number of elements inside).
// Any HO, WO, PT, PL >= 0 is memory-safe; an empty window gives 0 (cannot happen for the
// 'valid' / 'same' geometries the Python face computes).
struct PoolGeom {
  int64_t N, H, W, C;
  int64_t KH, KW;
  int64_t HO, WO;
  int64_t SH, SW;
  int64_t PT, PL;
};

void max_pool_forward(const PoolGeom& g, const float* x, float* y);
// dx: dy of each window goes to the FIRST maximal element of the window (row-major scan).
void max_pool_backward(const PoolGeom& g, const float* x, const float* dy, float* dx);
void avg_pool_forward(const PoolGeom& g, const float* x, float* y);
// dx: dy of each window spread evenly over the window's elements inside the input.
void avg_pool_backward(const PoolGeom& g, const float* dy, float* dx);

}  // namespace pyfapi
