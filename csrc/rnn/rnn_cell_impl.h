// Bodies of the per-step GRU / SimpleRNN nonlinearities, compiled once per ISA (rnn_cell_<isa>.cpp
// defines PYFAPI_RNN_CELL_NS and includes this file). Plain loops the compiler vectorises (built
// with -fno-trapping-math, as the LSTM cells, so the clamps of lstm_math.h if-convert). No
// standard-library templates here: an inline instantiation compiled with AVX-512 flags could be
// the copy the linker keeps for the portable code.
#include "lstm/lstm_math.h"
#include "rnn/rnn_cell.h"

namespace pyfapi {
namespace rnn_cell {
namespace PYFAPI_RNN_CELL_NS {

using lstm_math::sigmoid_f;
using lstm_math::tanh_f;

void gru_fwd_after(int64_t rows, int64_t U, float* g, int64_t ldg, const float* rec, int64_t ldr,
                   const float* brec, const float* hp, int64_t ldhp, float* rh, int64_t ldrh,
                   float* h, int64_t ldh) {
  for (int64_t r = 0; r < rows; ++r) {
    float* gz = g + r * ldg;
    float* gr = gz + U;
    float* gh = gz + 2 * U;
    const float* rz = rec + r * ldr;
    const float* rr = rz + U;
    const float* rhh = rz + 2 * U;
    const float* hpr = hp + r * ldhp;
    float* rhr = rh + r * ldrh;
    float* hr = h + r * ldh;
    if (brec) {
      const float* bz = brec;
      const float* br = brec + U;
      const float* bh = brec + 2 * U;
#pragma omp simd
      for (int64_t j = 0; j < U; ++j) {
        float z = sigmoid_f(gz[j] + rz[j] + bz[j]);
        float rg = sigmoid_f(gr[j] + rr[j] + br[j]);
        float rv = rhh[j] + bh[j];
        float hh = tanh_f(gh[j] + rg * rv);
        gz[j] = z;
        gr[j] = rg;
        gh[j] = hh;
        rhr[j] = rv;
        hr[j] = z * hpr[j] + (1.0f - z) * hh;
      }
    } else {
#pragma omp simd
      for (int64_t j = 0; j < U; ++j) {
        float z = sigmoid_f(gz[j] + rz[j]);
        float rg = sigmoid_f(gr[j] + rr[j]);
        float rv = rhh[j];
        float hh = tanh_f(gh[j] + rg * rv);
        gz[j] = z;
        gr[j] = rg;
        gh[j] = hh;
        rhr[j] = rv;
        hr[j] = z * hpr[j] + (1.0f - z) * hh;
      }
    }
  }
}

void gru_fwd_zr(int64_t rows, int64_t U, float* g, int64_t ldg, const float* rec, int64_t ldr,
                const float* ah, int64_t ldah, float* rhp, int64_t ldrhp) {
  for (int64_t r = 0; r < rows; ++r) {
    float* gz = g + r * ldg;
    float* gr = gz + U;
    const float* rz = rec + r * ldr;
    const float* rr = rz + U;
    const float* a = ah + r * ldah;
    float* o = rhp + r * ldrhp;
#pragma omp simd
    for (int64_t j = 0; j < U; ++j) {
      float z = sigmoid_f(gz[j] + rz[j]);
      float rg = sigmoid_f(gr[j] + rr[j]);
      gz[j] = z;
      gr[j] = rg;
      o[j] = rg * a[j];
    }
  }
}

void gru_fwd_h(int64_t rows, int64_t U, float* g, int64_t ldg, const float* rech, int64_t ldr,
               const float* hp, int64_t ldhp, float* h, int64_t ldh) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gz = g + r * ldg;
    float* gh = g + r * ldg + 2 * U;
    const float* rc = rech + r * ldr;
    const float* hpr = hp + r * ldhp;
    float* hr = h + r * ldh;
#pragma omp simd
    for (int64_t j = 0; j < U; ++j) {
      float z = gz[j];
      float hh = tanh_f(gh[j] + rc[j]);
      gh[j] = hh;
      hr[j] = z * hpr[j] + (1.0f - z) * hh;
    }
  }
}

void gru_bwd_after(int64_t rows, int64_t U, const float* gates, int64_t ldg, const float* rh,
                   int64_t ldrh, const float* hp, int64_t ldhp, float* dh, float* dx, int64_t ldx,
                   float* drec, int64_t ldd) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gz = gates + r * ldg;
    const float* gr = gz + U;
    const float* gh = gz + 2 * U;
    const float* rv = rh + r * ldrh;
    const float* hpr = hp + r * ldhp;
    float* dhr = dh + r * U;
    float* dxz = dx + r * ldx;
    float* dxr = dxz + U;
    float* dxh = dxz + 2 * U;
    float* dcz = drec + r * ldd;
    float* dcr = dcz + U;
    float* dch = dcz + 2 * U;
#pragma omp simd
    for (int64_t j = 0; j < U; ++j) {
      float z = gz[j], rg = gr[j], hh = gh[j], d = dhr[j];
      float ah = d * (1.0f - z) * (1.0f - hh * hh);
      float az = d * (hpr[j] - hh) * z * (1.0f - z);
      float ar = ah * rv[j] * rg * (1.0f - rg);
      dxz[j] = az;
      dxr[j] = ar;
      dxh[j] = ah;
      dcz[j] = az;
      dcr[j] = ar;
      dch[j] = ah * rg;
      dhr[j] = d * z;
    }
  }
}

void gru_bwd_h(int64_t rows, int64_t U, const float* gates, int64_t ldg, const float* hp,
               int64_t ldhp, float* dh, float* dx, int64_t ldx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gz = gates + r * ldg;
    const float* gh = gz + 2 * U;
    const float* hpr = hp + r * ldhp;
    float* dhr = dh + r * U;
    float* dxz = dx + r * ldx;
    float* dxh = dxz + 2 * U;
#pragma omp simd
    for (int64_t j = 0; j < U; ++j) {
      float z = gz[j], hh = gh[j], d = dhr[j];
      dxh[j] = d * (1.0f - z) * (1.0f - hh * hh);
      dxz[j] = d * (hpr[j] - hh) * z * (1.0f - z);
      dhr[j] = d * z;
    }
  }
}

void gru_bwd_r(int64_t rows, int64_t U, const float* gates, int64_t ldg, const float* ah,
               int64_t ldah, float* drhp, float* dx, int64_t ldx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gr = gates + r * ldg + U;
    const float* a = ah + r * ldah;
    float* d = drhp + r * U;
    float* dxr = dx + r * ldx + U;
#pragma omp simd
    for (int64_t j = 0; j < U; ++j) {
      float rg = gr[j];
      dxr[j] = d[j] * a[j] * rg * (1.0f - rg);
      d[j] = d[j] * rg;
    }
  }
}

void srnn_fwd(int64_t rows, int64_t U, int act, float* z, int64_t ldz) {
  for (int64_t r = 0; r < rows; ++r) {
    float* zr = z + r * ldz;
    if (act == 0) {
#pragma omp simd
      for (int64_t j = 0; j < U; ++j) zr[j] = tanh_f(zr[j]);
    } else if (act == 1) {
#pragma omp simd
      for (int64_t j = 0; j < U; ++j) zr[j] = zr[j] > 0.0f ? zr[j] : 0.0f;
    }
  }
}

void srnn_bwd(int64_t rows, int64_t U, int act, const float* h, int64_t ldh, const float* dh,
              float* dz, int64_t ldz) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* hr = h + r * ldh;
    const float* d = dh + r * U;
    float* o = dz + r * ldz;
    if (act == 0) {
#pragma omp simd
      for (int64_t j = 0; j < U; ++j) o[j] = d[j] * (1.0f - hr[j] * hr[j]);
    } else if (act == 1) {
#pragma omp simd
      for (int64_t j = 0; j < U; ++j) o[j] = hr[j] > 0.0f ? d[j] : 0.0f;
    } else {
#pragma omp simd
      for (int64_t j = 0; j < U; ++j) o[j] = d[j];
    }
  }
}

}  // namespace PYFAPI_RNN_CELL_NS
}  // namespace rnn_cell
}  // namespace pyfapi
