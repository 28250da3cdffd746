#include "lstm/lstm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/threads.h"
#include "gemm/gemm.h"
#include "lstm/lstm_math.h"

namespace pyfapi {

namespace {

using lstm_math::sigmoid_f;
using lstm_math::tanh_f;

// Batch rows per recurrence chunk. Fixed (not derived from the thread count) so that every row
// goes through the same sequence of operations whatever the number of threads.
constexpr int64_t kChunk = 16;

// One time step of the forward nonlinearity for `rows` batch rows.
//   z: pre-activations (row stride ldz), overwritten with the activated gates i, f, g, o.
//   cprev (stride ldcp), c (stride ldc), h (stride ldh).
inline void forward_cell(int64_t rows, int64_t U, float* z, int64_t ldz, const float* cprev,
                         int64_t ldcp, float* c, int64_t ldc, float* h, int64_t ldh) {
  for (int64_t r = 0; r < rows; ++r) {
    float* zi = z + r * ldz;
    float* zf = zi + U;
    float* zg = zi + 2 * U;
    float* zo = zi + 3 * U;
    const float* cp = cprev + r * ldcp;
    float* cr = c + r * ldc;
    float* hr = h + r * ldh;
#pragma omp simd
    for (int64_t j = 0; j < U; ++j) {
      float i = sigmoid_f(zi[j]);
      float f = sigmoid_f(zf[j]);
      float g = tanh_f(zg[j]);
      float o = sigmoid_f(zo[j]);
      float cn = f * cp[j] + i * g;
      zi[j] = i;
      zf[j] = f;
      zg[j] = g;
      zo[j] = o;
      cr[j] = cn;
      hr[j] = o * tanh_f(cn);
    }
  }
}

// One time step of the backward nonlinearity.
//   gates (i, f, g, o) at stride ldg; c_t (stride ldc); cprev (stride ldcp);
//   dh (in: dL/dh_t, stride U), dc (in: dL/dc_t from step t+1, out: dL/dc_{t-1}, stride U);
//   dz (out: dL/dz_t, stride ldz).
inline void backward_cell(int64_t rows, int64_t U, const float* gates, int64_t ldg,
                          const float* c, int64_t ldc, const float* cprev, int64_t ldcp,
                          const float* dh, float* dc, float* dz, int64_t ldz) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gi = gates + r * ldg;
    const float* gf = gi + U;
    const float* gg = gi + 2 * U;
    const float* go = gi + 3 * U;
    const float* cr = c + r * ldc;
    const float* cp = cprev + r * ldcp;
    const float* dhr = dh + r * U;
    float* dcr = dc + r * U;
    float* dzi = dz + r * ldz;
    float* dzf = dzi + U;
    float* dzg = dzi + 2 * U;
    float* dzo = dzi + 3 * U;
#pragma omp simd
    for (int64_t j = 0; j < U; ++j) {
      float i = gi[j], f = gf[j], g = gg[j], o = go[j];
      float tc = tanh_f(cr[j]);
      float dhj = dhr[j];
      float dct = dcr[j] + dhj * o * (1.0f - tc * tc);
      dzi[j] = dct * g * i * (1.0f - i);
      dzf[j] = dct * cp[j] * f * (1.0f - f);
      dzg[j] = dct * i * (1.0f - g * g);
      dzo[j] = dhj * tc * o * (1.0f - o);
      dcr[j] = dct * f;
    }
  }
}

int64_t num_chunks(int64_t N) { return (N + kChunk - 1) / kChunk; }

}  // namespace

void lstm_forward(int64_t N, int64_t T, int64_t D, int64_t U, const float* x, const float* W,
                  const float* R, const float* b, const float* h0, const float* c0, float* gates,
                  float* hs, float* cs) {
  if (N <= 0 || T <= 0 || U <= 0) return;
  const int64_t G = 4 * U;
  // Input projection for every step at once: (N*T, D) @ (D, 4U) + b.
  sgemm(false, false, N * T, G, D, 1.0f, x, D, W, G, 0.0f, gates, G, b, Act::None);

  const int64_t nchunks = num_chunks(N);
  const std::vector<float> zeros(static_cast<size_t>(kChunk * U), 0.0f);
  const int nt = static_cast<int>(std::min<int64_t>(
      nchunks, threads_for(N * T * U * (2 * U * 4 + 60), 1 << 16)));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    const int64_t n0 = ch * kChunk;
    const int64_t rows = std::min<int64_t>(kChunk, N - n0);
    for (int64_t t = 0; t < T; ++t) {
      float* z = gates + (n0 * T + t) * G;
      const float* hp;
      int64_t ldhp;
      const float* cp;
      int64_t ldcp;
      if (t == 0) {
        hp = h0 ? h0 + n0 * U : nullptr;
        ldhp = U;
        cp = c0 ? c0 + n0 * U : zeros.data();
        ldcp = U;
      } else {
        hp = hs + (n0 * T + t - 1) * U;
        ldhp = T * U;
        cp = cs + (n0 * T + t - 1) * U;
        ldcp = T * U;
      }
      if (hp) sgemm(false, false, rows, G, U, 1.0f, hp, ldhp, R, G, 1.0f, z, T * G);
      forward_cell(rows, U, z, T * G, cp, ldcp, cs + (n0 * T + t) * U, T * U,
                   hs + (n0 * T + t) * U, T * U);
    }
  }
}

void lstm_backward(int64_t N, int64_t T, int64_t D, int64_t U, const float* x, const float* W,
                   const float* R, const float* h0, const float* c0, const float* gates,
                   const float* hs, const float* cs, const float* dy_seq, const float* dh_T,
                   const float* dc_T, float* dx, float* dW, float* dR, float* db, float* dh0,
                   float* dc0, float* dz, float* hprev) {
  const int64_t G = 4 * U;
  if (N <= 0 || T <= 0 || U <= 0) {
    std::fill(dW, dW + D * G, 0.0f);
    std::fill(dR, dR + U * G, 0.0f);
    std::fill(db, db + G, 0.0f);
    return;
  }
  const int64_t nchunks = num_chunks(N);
  const int nt = static_cast<int>(std::min<int64_t>(
      nchunks, threads_for(N * T * U * (2 * U * 4 + 60), 1 << 16)));
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    const int64_t n0 = ch * kChunk;
    const int64_t rows = std::min<int64_t>(kChunk, N - n0);
    std::vector<float> zeros(static_cast<size_t>(rows * U), 0.0f);
    // dh / dc of this chunk live in dh0 / dc0 (they end up holding dL/dh_0 and dL/dc_0).
    float* dh = dh0 + n0 * U;
    float* dc = dc0 + n0 * U;
    if (dh_T) std::memcpy(dh, dh_T + n0 * U, sizeof(float) * rows * U);
    else std::fill(dh, dh + rows * U, 0.0f);
    if (dc_T) std::memcpy(dc, dc_T + n0 * U, sizeof(float) * rows * U);
    else std::fill(dc, dc + rows * U, 0.0f);
    for (int64_t t = T - 1; t >= 0; --t) {
      if (dy_seq) {
        for (int64_t r = 0; r < rows; ++r) {
          const float* dyr = dy_seq + ((n0 + r) * T + t) * U;
          float* dhr = dh + r * U;
          for (int64_t j = 0; j < U; ++j) dhr[j] += dyr[j];
        }
      }
      const float* cp;
      int64_t ldcp;
      if (t == 0) {
        cp = c0 ? c0 + n0 * U : zeros.data();
        ldcp = U;
      } else {
        cp = cs + (n0 * T + t - 1) * U;
        ldcp = T * U;
      }
      float* dzt = dz + (n0 * T + t) * G;
      backward_cell(rows, U, gates + (n0 * T + t) * G, T * G, cs + (n0 * T + t) * U, T * U, cp,
                    ldcp, dh, dc, dzt, T * G);
      // dL/dh_{t-1} = dz_t @ R^T
      sgemm(false, true, rows, U, G, 1.0f, dzt, T * G, R, G, 0.0f, dh, U);
    }
    // h_{t-1} for every step (h0 or zeros at t = 0), for dR below.
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t n = n0 + r;
      float* hpr = hprev + n * T * U;
      if (h0) std::memcpy(hpr, h0 + n * U, sizeof(float) * U);
      else std::fill(hpr, hpr + U, 0.0f);
      if (T > 1) std::memcpy(hpr + U, hs + n * T * U, sizeof(float) * (T - 1) * U);
    }
  }
  // Weight and input gradients: three large GEMMs (threaded inside sgemm).
  sgemm(false, true, N * T, D, G, 1.0f, dz, G, W, G, 0.0f, dx, D);        // dx = dz W^T
  sgemm(true, false, D, G, N * T, 1.0f, x, D, dz, G, 0.0f, dW, G);        // dW = x^T dz
  sgemm(true, false, U, G, N * T, 1.0f, hprev, U, dz, G, 0.0f, dR, G);    // dR = hprev^T dz
  // db = column sums of dz, in fixed row blocks reduced in order (deterministic), double sums.
  const int64_t rows_total = N * T;
  const int64_t blk = 256;
  const int64_t nblk = (rows_total + blk - 1) / blk;
  std::vector<double> part(static_cast<size_t>(nblk * G), 0.0);
  const int ntb = static_cast<int>(std::min<int64_t>(nblk, threads_for(rows_total * G)));
#pragma omp parallel for num_threads(ntb) schedule(static) if (ntb > 1)
  for (int64_t k = 0; k < nblk; ++k) {
    double* p = part.data() + k * G;
    const int64_t r1 = std::min(rows_total, (k + 1) * blk);
    for (int64_t r = k * blk; r < r1; ++r) {
      const float* row = dz + r * G;
      for (int64_t j = 0; j < G; ++j) p[j] += row[j];
    }
  }
  for (int64_t j = 0; j < G; ++j) {
    double s = 0.0;
    for (int64_t k = 0; k < nblk; ++k) s += part[k * G + j];
    db[j] = static_cast<float>(s);
  }
  (void)h0;
}

}  // namespace pyfapi
