// Column statistics for Normalization.adapt: mean and population variance of each column of a
// row-major (R, K) float32 matrix, accumulated in float64 with two passes (mean, then squared
// deviations). Rows are split into fixed blocks of kMomentsBlock rows whose partial sums are
// added in block order, so the result does not depend on the thread count.
#pragma once
#include <cstdint>

namespace pyfapi {

constexpr int64_t kMomentsBlock = 2048;

// mean, var: K doubles each (var = mean of squared deviations, ddof 0). R == 0: NaN.
void column_moments(const float* x, int64_t R, int64_t K, double* mean, double* var);

}  // namespace pyfapi
