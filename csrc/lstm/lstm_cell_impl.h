// Bodies of the per-step LSTM nonlinearities, compiled once per ISA (lstm_cell_<isa>.cpp defines
// PYFAPI_LSTM_CELL_NS and includes this file). Plain loops the compiler vectorises; the files are
// built with -fno-trapping-math (sources.cmake), which GCC needs to if-convert the branch-free math.
#include "lstm/lstm_cell.h"
#include "lstm/lstm_math.h"

namespace pyfapi {
namespace lstm_cell {
namespace PYFAPI_LSTM_CELL_NS {

using lstm_math::sigmoid_f;
using lstm_math::tanh_f;

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
// the recurrence (K = units, N = 4 units or the reverse): register tiles of 4 rows x kJ columns
// (fixed-size arrays the compiler keeps in vector registers), a plain loop for the edges.
namespace {
constexpr int64_t kR = 4;
#if defined(__AVX512F__)
constexpr int64_t kJ = 64;
#elif defined(__AVX2__)
constexpr int64_t kJ = 32;
#else
constexpr int64_t kJ = 16;
#endif
}  // namespace

void small_matmul(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda,
                  const float* B, int64_t ldb, float* C, int64_t ldc, bool accumulate) {
  const int64_t rows4 = rows - rows % kR;
  const int64_t nJ = N - N % kJ;
  for (int64_t r0 = 0; r0 < rows4; r0 += kR) {
    for (int64_t j0 = 0; j0 < nJ; j0 += kJ) {
      float acc[kR][kJ];
      for (int64_t r = 0; r < kR; ++r)
        for (int64_t j = 0; j < kJ; ++j)
          acc[r][j] = accumulate ? C[(r0 + r) * ldc + j0 + j] : 0.0f;
      for (int64_t k = 0; k < K; ++k) {
        const float* b = B + k * ldb + j0;
        for (int64_t r = 0; r < kR; ++r) {
          const float a = A[(r0 + r) * lda + k];
          for (int64_t j = 0; j < kJ; ++j) acc[r][j] += a * b[j];
        }
      }
      for (int64_t r = 0; r < kR; ++r)
        for (int64_t j = 0; j < kJ; ++j) C[(r0 + r) * ldc + j0 + j] = acc[r][j];
    }
  }
  // Edges: the last rows % 4 rows (all columns) and the last N % kJ columns (first rows4 rows).
  auto plain = [&](int64_t r, int64_t j_begin) {
    float* c = C + r * ldc;
    if (!accumulate)
      for (int64_t j = j_begin; j < N; ++j) c[j] = 0.0f;
    for (int64_t k = 0; k < K; ++k) {
      const float a = A[r * lda + k];
      const float* b = B + k * ldb;
      for (int64_t j = j_begin; j < N; ++j) c[j] += a * b[j];
    }
  };
  if (nJ < N)
    for (int64_t r = 0; r < rows4; ++r) plain(r, nJ);
  for (int64_t r = rows4; r < rows; ++r) plain(r, 0);
}

}  // namespace PYFAPI_LSTM_CELL_NS
}  // namespace lstm_cell
}  // namespace pyfapi
