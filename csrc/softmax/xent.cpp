// Softmax cross-entropy of (M, N) logits (softmax.h): with M integer labels (Keras 3's
// sparse_categorical_crossentropy(from_logits=True)) or (M, N) target distributions
// (categorical_crossentropy(from_logits=True)), and their gradients. The probabilities come
// from the fused softmax (softmax_forward), the losses from them.
#include <cmath>
#include <cstdint>

#include "softmax/softmax.h"

namespace pyfapi {

namespace {
template <typename T>
int64_t first_bad_label(const T* t, int64_t M, int64_t N) {
  for (int64_t r = 0; r < M; ++r)
    if (t[r] < 0 || static_cast<int64_t>(t[r]) >= N) return r;
  return -1;
}

// -log(y_t), or for a probability that underflowed (logits more than ~87 below the row's max)
// (m - x_t) + log(sum_j exp(x_j - m)) in double from the logits themselves (m: the row's max, so
// no exp overflows whatever the gap).
template <typename T>
void losses(const float* x, const T* t, int64_t M, int64_t N, const float* y, float* loss) {
  for (int64_t r = 0; r < M; ++r) {
    const float* xr = x + r * N;
    const int64_t k = static_cast<int64_t>(t[r]);
    const float p = y[r * N + k];
    if (p >= 1e-30f || !(p == p)) {  // NaN rows stay NaN
      loss[r] = -std::log(p);
      continue;
    }
    double m = xr[0];
    for (int64_t j = 1; j < N; ++j) m = xr[j] > m ? static_cast<double>(xr[j]) : m;
    double s = 0.0;
    for (int64_t j = 0; j < N; ++j) s += std::exp(static_cast<double>(xr[j]) - m);
    loss[r] = static_cast<float>((m - xr[k]) + std::log(s));
  }
}
}  // namespace

int64_t sparse_xent_first_bad_label(const void* labels, bool labels_64, int64_t M, int64_t N) {
  return labels_64 ? first_bad_label(static_cast<const int64_t*>(labels), M, N)
                   : first_bad_label(static_cast<const int32_t*>(labels), M, N);
}

int64_t sparse_xent_forward(const float* x, const void* labels, bool labels_64, int64_t M,
                            int64_t N, float* y, float* loss) {
  const int64_t bad = sparse_xent_first_bad_label(labels, labels_64, M, N);
  if (bad >= 0) return bad;
  softmax_forward(x, M, N, SoftmaxMask{}, y);
  if (labels_64)
    losses(x, static_cast<const int64_t*>(labels), M, N, y, loss);
  else
    losses(x, static_cast<const int32_t*>(labels), M, N, y, loss);
  return -1;
}

void sparse_xent_backward(const float* g, const float* y, const void* labels, bool labels_64,
                          int64_t M, int64_t N, float* dx) {
  for (int64_t r = 0; r < M; ++r) {
    const float gr = g[r];
    const float* yr = y + r * N;
    float* dr = dx + r * N;
    for (int64_t j = 0; j < N; ++j) dr[j] = yr[j] * gr;
    const int64_t k = labels_64 ? static_cast<const int64_t*>(labels)[r]
                                : static_cast<const int32_t*>(labels)[r];
    dr[k] -= gr;
  }
}

void xent_forward(const float* x, const float* t, int64_t M, int64_t N, float* y, float* loss,
                  float* lse) {
  if (N == 0) {  // no class: an empty sum (loss 0, log-sum-exp -inf); nothing to read
    for (int64_t r = 0; r < M; ++r) {
      loss[r] = 0.0f;
      lse[r] = -__builtin_inff();
    }
    return;
  }
  softmax_forward(x, M, N, SoftmaxMask{}, y);
  for (int64_t r = 0; r < M; ++r) {
    const float* xr = x + r * N;
    const float* tr = t + r * N;
    int64_t k = 0;  // the row's first maximum: y there is 1 / sum(exp(x - max)), never tiny
    for (int64_t j = 1; j < N; ++j)
      if (xr[j] > xr[k] || (xr[j] != xr[j] && xr[k] == xr[k])) k = j;
    const double L = static_cast<double>(xr[k]) - std::log(static_cast<double>(y[r * N + k]));
    double acc = 0.0;  // sum_j t_j (log-sum-exp - x_j) = -sum_j t_j log softmax_j
    for (int64_t j = 0; j < N; ++j) acc += static_cast<double>(tr[j]) * (L - xr[j]);
    loss[r] = static_cast<float>(acc);
    lse[r] = static_cast<float>(L);
  }
}

void xent_backward(const float* g, const float* y, const float* t, int64_t M, int64_t N,
                   float* dx) {
  for (int64_t r = 0; r < M; ++r) {
    const float* yr = y + r * N;
    const float* tr = t + r * N;
    float* dr = dx + r * N;
    float st = 0.0f;
    for (int64_t j = 0; j < N; ++j) st += tr[j];
    const float gr = g[r], gs = g[r] * st;
    for (int64_t j = 0; j < N; ++j) dr[j] = yr[j] * gs - tr[j] * gr;
  }
}

}  // namespace pyfapi
