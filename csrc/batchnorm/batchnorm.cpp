#include "batchnorm/batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/threads.h"

namespace pyfapi {

namespace {

constexpr int64_t kRowBlock = 64;  // rows per partial-sum block (fixed: thread-count independent)

// For each of `nsum` per-channel sums: out[s][c] = sum_m f(s, m, c) in double, computed as
// ordered sums of fixed row-block partials. `f` is called as f(m, c, acc) and adds into
// acc[s * C + c] for every s.
template <typename F>
void column_sums(int64_t M, int64_t C, int nsum, F f, std::vector<double>& out) {
  out.assign(static_cast<size_t>(nsum * C), 0.0);
  if (M <= 0 || C <= 0) return;
  const int64_t nblk = (M + kRowBlock - 1) / kRowBlock;
  std::vector<double> part(static_cast<size_t>(nblk * nsum * C), 0.0);
  const int nt = static_cast<int>(std::min<int64_t>(nblk, threads_for(M * C * nsum * 2)));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t b = 0; b < nblk; ++b) {
    double* acc = part.data() + b * nsum * C;
    const int64_t m1 = std::min(M, (b + 1) * kRowBlock);
    for (int64_t m = b * kRowBlock; m < m1; ++m) f(m, acc);
  }
  for (int64_t b = 0; b < nblk; ++b) {
    const double* p = part.data() + b * nsum * C;
    for (int64_t k = 0; k < nsum * C; ++k) out[k] += p[k];
  }
}

// y[m, c] = (x[m, c] - mean[c]) * a[c] + beta[c], a = gamma * inv_std.
void apply_affine(const float* x, int64_t M, int64_t C, const float* mean, const float* a,
                  const float* beta, float* y) {
  const int nt = threads_for(M * C);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t m = 0; m < M; ++m) {
    const float* xr = x + m * C;
    float* yr = y + m * C;
    if (beta) {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - mean[c]) * a[c] + beta[c];
    } else {
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - mean[c]) * a[c];
    }
  }
}

}  // namespace

void batchnorm_train_forward(const float* x, int64_t M, int64_t C, const float* gamma,
                             const float* beta, float eps, float* y, float* mean, float* var,
                             float* inv_std) {
  if (C <= 0) return;
  std::vector<double> s;
  column_sums(M, C, 1, [&](int64_t m, double* acc) {
    const float* xr = x + m * C;
    for (int64_t c = 0; c < C; ++c) acc[c] += xr[c];
  }, s);
  std::vector<double> mu(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) mu[c] = M > 0 ? s[c] / static_cast<double>(M) : 0.0;
  std::vector<double> q;
  column_sums(M, C, 1, [&](int64_t m, double* acc) {
    const float* xr = x + m * C;
    for (int64_t c = 0; c < C; ++c) {
      double d = static_cast<double>(xr[c]) - mu[c];
      acc[c] += d * d;
    }
  }, q);
  std::vector<float> a(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    double v = M > 0 ? q[c] / static_cast<double>(M) : 0.0;
    double inv = 1.0 / std::sqrt(v + static_cast<double>(eps));
    mean[c] = static_cast<float>(mu[c]);
    var[c] = static_cast<float>(v);
    inv_std[c] = static_cast<float>(inv);
    a[c] = static_cast<float>(gamma ? inv * gamma[c] : inv);
  }
  apply_affine(x, M, C, mean, a.data(), beta, y);
}

void batchnorm_infer_forward(const float* x, int64_t M, int64_t C, const float* mean,
                             const float* var, const float* gamma, const float* beta, float eps,
                             float* y) {
  if (C <= 0 || M <= 0) return;
  std::vector<float> a(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    double inv = 1.0 / std::sqrt(static_cast<double>(var[c]) + static_cast<double>(eps));
    a[c] = static_cast<float>(gamma ? inv * gamma[c] : inv);
  }
  apply_affine(x, M, C, mean, a.data(), beta, y);
}

namespace {

// sums[0 .. C) = sum dy, sums[C .. 2C) = sum dy * (x - mean) * inv.
void dy_sums(const float* dy, const float* x, int64_t M, int64_t C, const float* mean,
             const float* inv, std::vector<double>& sums) {
  column_sums(M, C, 2, [&](int64_t m, double* acc) {
    const float* xr = x + m * C;
    const float* dr = dy + m * C;
    for (int64_t c = 0; c < C; ++c) {
      double d = dr[c];
      acc[c] += d;
      acc[C + c] += d * ((static_cast<double>(xr[c]) - mean[c]) * inv[c]);
    }
  }, sums);
}

}  // namespace

void batchnorm_train_backward(const float* dy, const float* x, int64_t M, int64_t C,
                              const float* mean, const float* inv_std, const float* gamma,
                              float* dx, float* dgamma, float* dbeta) {
  if (C <= 0) return;
  std::vector<double> sums;
  dy_sums(dy, x, M, C, mean, inv_std, sums);
  std::vector<float> k1(static_cast<size_t>(C)), k2(static_cast<size_t>(C)),
      k3(static_cast<size_t>(C));
  const double invM = M > 0 ? 1.0 / static_cast<double>(M) : 0.0;
  for (int64_t c = 0; c < C; ++c) {
    dbeta[c] = static_cast<float>(sums[c]);
    dgamma[c] = static_cast<float>(sums[C + c]);
    // dx = a (dy - mean(dy) - xhat mean(dy xhat)), a = gamma inv_std
    double a = (gamma ? gamma[c] : 1.0) * inv_std[c];
    k1[c] = static_cast<float>(a);
    k2[c] = static_cast<float>(a * sums[c] * invM);
    k3[c] = static_cast<float>(a * sums[C + c] * invM * inv_std[c]);
  }
  const int nt = threads_for(M * C);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t m = 0; m < M; ++m) {
    const float* xr = x + m * C;
    const float* dr = dy + m * C;
    float* o = dx + m * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) o[c] = k1[c] * dr[c] - k2[c] - (xr[c] - mean[c]) * k3[c];
  }
}

void batchnorm_infer_backward(const float* dy, const float* x, int64_t M, int64_t C,
                              const float* mean, const float* var, const float* gamma, float eps,
                              float* dx, float* dgamma, float* dbeta, float* dmean, float* dvar) {
  if (C <= 0) return;
  std::vector<float> inv(static_cast<size_t>(C)), a(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    double iv = 1.0 / std::sqrt(static_cast<double>(var[c]) + static_cast<double>(eps));
    inv[c] = static_cast<float>(iv);
    a[c] = static_cast<float>((gamma ? gamma[c] : 1.0) * iv);
  }
  std::vector<double> sums;
  dy_sums(dy, x, M, C, mean, inv.data(), sums);
  for (int64_t c = 0; c < C; ++c) {
    double g = gamma ? gamma[c] : 1.0;
    double iv = 1.0 / std::sqrt(static_cast<double>(var[c]) + static_cast<double>(eps));
    dbeta[c] = static_cast<float>(sums[c]);
    dgamma[c] = static_cast<float>(sums[C + c]);
    dmean[c] = static_cast<float>(-g * iv * sums[c]);
    dvar[c] = static_cast<float>(-0.5 * g * iv * iv * sums[C + c]);
  }
  const int nt = threads_for(M * C);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t m = 0; m < M; ++m) {
    const float* dr = dy + m * C;
    float* o = dx + m * C;
#pragma omp simd
    for (int64_t c = 0; c < C; ++c) o[c] = dr[c] * a[c];
  }
}

}  // namespace pyfapi
