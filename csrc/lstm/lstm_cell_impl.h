// Bodies of the per-step LSTM nonlinearities, compiled once per ISA in namespace PYFAPI_ISA
// (pyfapi_isa_kernels in csrc/lstm/sources.cmake; csrc/common/isa_dispatch.h). Plain loops the compiler vectorises; the files are
// built with -fno-trapping-math (sources.cmake) so that GCC if-converts the clamps of lstm_math.h.
#include "lstm/lstm_cell.h"
#include "lstm/lstm_math.h"

namespace pyfapi {
namespace lstm_cell {
namespace PYFAPI_ISA {  // csrc/common/isa_dispatch.h

using lstm_math::act_f;
using lstm_math::dact_y;
using lstm_math::sigmoid_f;
using lstm_math::tanh_f;

// forward_cell / backward_cell with activation codes act (candidate and cell output) and ract
// (gates i, f, o) other than Keras's defaults: generic loops (lstm_math.h act_f / dact_y).
void forward_cell_act(int64_t rows, int64_t U, float* z, int64_t ldz, const float* cprev,
                      int64_t ldcp, float* c, int64_t ldc, float* h, int64_t ldh, int act,
                      int ract) {
  for (int64_t r = 0; r < rows; ++r) {
    float* zr = z + r * ldz;
    for (int64_t j = 0; j < U; ++j) {
      float i = act_f(ract, zr[j]);
      float f = act_f(ract, zr[U + j]);
      float g = act_f(act, zr[2 * U + j]);
      float o = act_f(ract, zr[3 * U + j]);
      float cn = f * cprev[r * ldcp + j] + i * g;
      zr[j] = i;
      zr[U + j] = f;
      zr[2 * U + j] = g;
      zr[3 * U + j] = o;
      c[r * ldc + j] = cn;
      h[r * ldh + j] = o * act_f(act, cn);
    }
  }
}

void backward_cell_act(int64_t rows, int64_t U, const float* gates, int64_t ldg, const float* c,
                       int64_t ldc, const float* cprev, int64_t ldcp, const float* dh, float* dc,
                       float* dz, int64_t ldz, int act, int ract) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gr = gates + r * ldg;
    float* dzr = dz + r * ldz;
    for (int64_t j = 0; j < U; ++j) {
      float i = gr[j], f = gr[U + j], g = gr[2 * U + j], o = gr[3 * U + j];
      float tc = act_f(act, c[r * ldc + j]);
      float dhj = dh[r * U + j];
      float dct = dc[r * U + j] + dhj * o * dact_y(act, tc);
      dzr[j] = dct * g * dact_y(ract, i);
      dzr[U + j] = dct * cprev[r * ldcp + j] * dact_y(ract, f);
      dzr[2 * U + j] = dct * i * dact_y(act, g);
      dzr[3 * U + j] = dhj * tc * dact_y(ract, o);
      dc[r * U + j] = dct * f;
    }
  }
}

// One time step of the forward nonlinearity for `rows` batch rows.
//   z: pre-activations (row stride ldz), overwritten with the activated gates i, f, g, o.
//   cprev (stride ldcp), c (stride ldc), h (stride ldh).
void forward_cell(int64_t rows, int64_t U, float* z, int64_t ldz, const float* cprev,
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
void backward_cell(int64_t rows, int64_t U, const float* gates, int64_t ldg,
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


// C[r, :] (+)= A[r, :] @ B for r < rows: A (rows x K, stride lda), B (K x N, stride ldb),
// C (rows x N, stride ldc). accumulate == false overwrites C. The small per-step products of
// the recurrence (K = units, N = 4 units or the reverse), on register tiles of RB rows x JB
// columns (fixed-size arrays the compiler keeps in vector registers): column tiles of 64, 32, 16
// then a plain loop for the last N % 16 columns; row tiles of 4 then 1.
namespace {

template <int64_t RB, int64_t JB>
inline void mm_tile(int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                    int64_t ldc, bool accumulate) {
  float acc[RB][JB];
  for (int64_t r = 0; r < RB; ++r)
    for (int64_t j = 0; j < JB; ++j) acc[r][j] = accumulate ? C[r * ldc + j] : 0.0f;
  for (int64_t k = 0; k < K; ++k) {
    const float* b = B + k * ldb;
    for (int64_t r = 0; r < RB; ++r) {
      const float a = A[r * lda + k];
      for (int64_t j = 0; j < JB; ++j) acc[r][j] += a * b[j];
    }
  }
  for (int64_t r = 0; r < RB; ++r)
    for (int64_t j = 0; j < JB; ++j) C[r * ldc + j] = acc[r][j];
}

template <int64_t RB>
inline void mm_rows(int64_t K, int64_t N, const float* A, int64_t lda, const float* B,
                    int64_t ldb, float* C, int64_t ldc, bool accumulate) {
  int64_t j = 0;
#if defined(__AVX512F__)
  for (; j + 64 <= N; j += 64) mm_tile<RB, 64>(K, A, lda, B + j, ldb, C + j, ldc, accumulate);
#endif
  for (; j + 32 <= N; j += 32) mm_tile<RB, 32>(K, A, lda, B + j, ldb, C + j, ldc, accumulate);
  for (; j + 16 <= N; j += 16) mm_tile<RB, 16>(K, A, lda, B + j, ldb, C + j, ldc, accumulate);
  if (j < N) {
    for (int64_t r = 0; r < RB; ++r) {
      float* c = C + r * ldc;
      if (!accumulate)
        for (int64_t jj = j; jj < N; ++jj) c[jj] = 0.0f;
      for (int64_t k = 0; k < K; ++k) {
        const float a = A[r * lda + k];
        const float* b = B + k * ldb;
        for (int64_t jj = j; jj < N; ++jj) c[jj] += a * b[jj];
      }
    }
  }
}

}  // namespace

void small_matmul(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda,
                  const float* B, int64_t ldb, float* C, int64_t ldc, bool accumulate) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4)
    mm_rows<4>(K, N, A + r * lda, lda, B, ldb, C + r * ldc, ldc, accumulate);
  for (; r < rows; ++r) mm_rows<1>(K, N, A + r * lda, lda, B, ldb, C + r * ldc, ldc, accumulate);
}

}  // namespace PYFAPI_ISA
}  // namespace lstm_cell
}  // namespace pyfapi
