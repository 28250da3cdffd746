#include "preprocessing/moments.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common/threads.h"

namespace pyfapi {

namespace {

// partial[b * K + k] = sum over the rows of block b of f(x[r, k])
template <typename F>
void block_sums(const float* x, int64_t R, int64_t K, std::vector<double>& partial, F f) {
  const int64_t nb = (R + kMomentsBlock - 1) / kMomentsBlock;
  partial.assign(static_cast<size_t>(nb * K), 0.0);
  const int nt = threads_for(R * K);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t b = 0; b < nb; ++b) {
    double* acc = partial.data() + b * K;
    const int64_t r1 = std::min(R, (b + 1) * kMomentsBlock);
    for (int64_t r = b * kMomentsBlock; r < r1; ++r) {
      const float* row = x + r * K;
#pragma omp simd
      for (int64_t k = 0; k < K; ++k) acc[k] += f(row[k], k);
    }
  }
}

}  // namespace

void column_moments(const float* x, int64_t R, int64_t K, double* mean, double* var) {
  if (K == 0) return;
  if (R == 0) {
    for (int64_t k = 0; k < K; ++k) mean[k] = var[k] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  std::vector<double> partial;
  const int64_t nb = (R + kMomentsBlock - 1) / kMomentsBlock;
  block_sums(x, R, K, partial, [](float v, int64_t) { return static_cast<double>(v); });
  for (int64_t k = 0; k < K; ++k) mean[k] = 0.0;
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t k = 0; k < K; ++k) mean[k] += partial[b * K + k];
  for (int64_t k = 0; k < K; ++k) mean[k] /= static_cast<double>(R);
  const double* m = mean;
  block_sums(x, R, K, partial, [m](float v, int64_t k) {
    const double d = static_cast<double>(v) - m[k];
    return d * d;
  });
  for (int64_t k = 0; k < K; ++k) var[k] = 0.0;
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t k = 0; k < K; ++k) var[k] += partial[b * K + k];
  for (int64_t k = 0; k < K; ++k) var[k] /= static_cast<double>(R);
}

}  // namespace pyfapi
