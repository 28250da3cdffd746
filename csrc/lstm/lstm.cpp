#include "lstm/lstm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "common/isa_dispatch.h"
#include "common/threads.h"
#include "gemm/gemm.h"
#include "lstm/lstm_cell.h"
#include "rnn/rnn_bf16.h"
#include "rnn/rnn_cell.h"
#include "rnn/rnn_chunk.h"
#include "rnn/rnn_mask.h"

namespace pyfapi {

namespace {

using rnn_chunk::kChunk;
using rnn_chunk::kSmallUnits;
using rnn_chunk::mul_rows;
using rnn_chunk::num_chunks;
using rnn_chunk::reduce_chunks;

struct Cells {
  lstm_cell::ForwardFn forward;
  lstm_cell::BackwardFn backward;
  lstm_cell::MatmulFn matmul;
  rnn_cell::MatmulTnFn matmul_tn;
  lstm_cell::ForwardActFn forward_act;
  lstm_cell::BackwardActFn backward_act;
};

// The cell functions for the active ISA (checked at run time before any ISA-specific call).
Cells pick_cells() {
  namespace lc = lstm_cell;
  return {PYFAPI_ISA_PICK(lc::generic::forward_cell, lc::avx2::forward_cell,
                          lc::avx512::forward_cell),
          PYFAPI_ISA_PICK(lc::generic::backward_cell, lc::avx2::backward_cell,
                          lc::avx512::backward_cell),
          PYFAPI_ISA_PICK(lc::generic::small_matmul, lc::avx2::small_matmul,
                          lc::avx512::small_matmul),
          PYFAPI_ISA_PICK(rnn_cell::generic::small_matmul_tn, rnn_cell::avx2::small_matmul_tn,
                          rnn_cell::avx512::small_matmul_tn),
          PYFAPI_ISA_PICK(lc::generic::forward_cell_act, lc::avx2::forward_cell_act,
                          lc::avx512::forward_cell_act),
          PYFAPI_ISA_PICK(lc::generic::backward_cell_act, lc::avx2::backward_cell_act,
                          lc::avx512::backward_cell_act)};
}

}  // namespace

void lstm_forward(int64_t N, int64_t T, int64_t D, int64_t U, const float* x, const float* W,
                  const float* R, const float* b, const float* h0, const float* c0, float* gates,
                  float* hs, float* cs, const uint8_t* mask, bool zero_output, float* ys,
                  const float* rmask, int act, int ract) {
  const bool default_acts = act == 0 && ract == 1;
  if (N <= 0 || T <= 0 || U <= 0) return;
  // Under a bfloat16 GEMM precision on the AVX512-BF16 path (rnn_bf16.h) the input projection is
  // a bfloat16 sgemm (per batch chunk, see below) and the step products h_{t-1} R take bfloat16
  // operands (R packed once); otherwise everything runs in float32, whatever the precision.
  const bool bf16 = rnn_bf16::active();
  GemmPrecisionScope prec(bf16 ? Precision::BFloat16 : Precision::Float32);
  const int64_t G = 4 * U;
  const Cells cells = pick_cells();
  const rnn_chunk::Mm mm{cells.matmul, U <= kSmallUnits};
  const rnn_bf16::Packed Rp = bf16 ? rnn_bf16::pack(1, U, G, R, G) : rnn_bf16::Packed{};
  const int64_t Up = rnn_bf16::pairs(U);
  // Input projection for every step at once: (N*T, D) @ (D, 4U) + b; W == nullptr: x is it.
  // bf16: per batch chunk instead, inside the chunk loop just before its recurrence, so that the
  // chunk's (rows * T, 4U) block of z is still in cache when the steps read it.
  if (W && !bf16) {
    sgemm(false, false, N * T, G, D, 1.0f, x, D, W, G, 0.0f, gates, G, b, Act::None);
  } else if (!W) {
    std::memcpy(gates, x, sizeof(float) * static_cast<size_t>(N * T * G));
    if (b)
      for (int64_t i = 0; i < N * T; ++i)
        for (int64_t j = 0; j < G; ++j) gates[i * G + j] += b[j];
  }

  const int64_t nchunks = num_chunks(N);
  const std::vector<float> zeros(static_cast<size_t>(kChunk * U), 0.0f);
  // ~50-150 k units/us on one core (U = 8..128): >= ~30-80 us per thread.
  const int nt = static_cast<int>(std::min<int64_t>(
      nchunks, threads_for(N * T * U * (2 * U * 4 + 60), int64_t(1) << 22)));
  // dynamic: a thread that starts late (busy machine) takes fewer chunks; every chunk runs the
  // same operations whichever thread takes it.
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    GemmPrecisionScope worker_f32(Precision::Float32);  // this worker's sgemm calls (U > 128)
    const int64_t n0 = ch * kChunk;
    const int64_t rows = std::min<int64_t>(kChunk, N - n0);
    std::vector<float> ab(rmask && !bf16 ? static_cast<size_t>(rows * U) : 0);
    std::vector<uint32_t> hb(bf16 ? static_cast<size_t>(rows * Up) : 0);  // bf16(h_{t-1})
    if (W && bf16) {
      GemmPrecisionScope worker_bf16(Precision::BFloat16);
      sgemm(false, false, rows * T, G, D, 1.0f, x + n0 * T * D, D, W, G, 0.0f, gates + n0 * T * G,
            G, b, Act::None);
    }
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
      if (hp && bf16) {  // z (+)= bf16(h_{t-1} (* m_q)) bf16(R (_q))
        if (!rmask)
          rnn_bf16::product(Rp, 0, 1, 0, G, rows, hp, ldhp, nullptr, 0, z, T * G, true, hb.data());
        else
          for (int q = 0; q < 4; ++q)
            rnn_bf16::product(Rp, 0, 1, q * U, U, rows, hp, ldhp, rmask + (q * N + n0) * U, U,
                              z + q * U, T * G, true, hb.data());
      } else if (hp && !rmask) {
        mm(rows, U, G, hp, ldhp, R, G, z, T * G, true);
      } else if (hp) {  // z_q += (h_{t-1} * m_q) R_q, one recurrent-dropout mask per gate
        for (int q = 0; q < 4; ++q) {
          mul_rows(rows, U, hp, ldhp, rmask + (q * N + n0) * U, ab.data());
          mm(rows, U, U, ab.data(), U, R + q * U, G, z + q * U, T * G, true);
        }
      }
      if (default_acts)
        cells.forward(rows, U, z, T * G, cp, ldcp, cs + (n0 * T + t) * U, T * U,
                      hs + (n0 * T + t) * U, T * U);
      else
        cells.forward_act(rows, U, z, T * G, cp, ldcp, cs + (n0 * T + t) * U, T * U,
                          hs + (n0 * T + t) * U, T * U, act, ract);
      if (mask) {  // masked steps keep h and c (h_{-1} = h0 or zeros)
        for (int64_t r = 0; r < rows; ++r) {
          if (mask[(n0 + r) * T + t]) continue;
          float* hr = hs + ((n0 + r) * T + t) * U;
          if (hp) std::memcpy(hr, hp + r * ldhp, sizeof(float) * U);
          else std::fill(hr, hr + U, 0.0f);
          std::memcpy(cs + ((n0 + r) * T + t) * U, cp + r * ldcp, sizeof(float) * U);
        }
        rnn_mask::masked_outputs(n0, rows, t, T, U, mask, zero_output, hs, ys);
      }
    }
  }
}

void lstm_backward(int64_t N, int64_t T, int64_t D, int64_t U, const float* x, const float* W,
                   const float* R, const float* h0, const float* c0, const float* gates,
                   const float* hs, const float* cs, const float* dy_seq, const float* dh_T,
                   const float* dc_T, float* dx, float* dW, float* dR, float* db, float* dh0,
                   float* dc0, float* dz, const uint8_t* mask, bool zero_output,
                   const float* dy_last, const float* rmask, int act, int ract) {
  const bool default_acts = act == 0 && ract == 1;
  // As lstm_forward: bfloat16 operands for dx, dW, dL/dh_{t-1} = dz_t R^T and the steps' dR +=
  // h_{t-1}^T dz_t when rnn_bf16::active(), else float32. db is summed from float32 dz.
  const bool bf16 = rnn_bf16::active();
  GemmPrecisionScope prec(bf16 ? Precision::BFloat16 : Precision::Float32);
  const int64_t G = 4 * U;
  if (N <= 0 || T <= 0 || U <= 0) {
    if (W) std::fill(dW, dW + D * G, 0.0f);
    std::fill(dR, dR + U * G, 0.0f);
    std::fill(db, db + G, 0.0f);
    return;
  }
  const Cells cells = pick_cells();
  const rnn_chunk::Mm mm{cells.matmul, U <= kSmallUnits};
  std::vector<float> RT(static_cast<size_t>(G * U));  // R^T (4U x U): rows q*U.. are R_q^T
  for (int64_t k = 0; k < U; ++k)
    for (int64_t j = 0; j < G; ++j) RT[j * U + k] = R[k * G + j];
  // bf16: R^T packed by gate (4 blocks of U rows), so one gate's block multiplies on its own.
  const rnn_bf16::Packed RTp = bf16 ? rnn_bf16::pack(4, U, U, RT.data(), U) : rnn_bf16::Packed{};
  const int64_t Up = rnn_bf16::pairs(U);
  const int64_t nchunks = num_chunks(N);
  std::vector<double> dbpart(static_cast<size_t>(nchunks * G), 0.0);
  // dR accumulated per chunk at every step while h_{t-1} and dz_t are in L1, reduced in chunk
  // order after the loop (no (N, T, U) copy of h_{t-1}, no separate K = N*T GEMM).
  std::vector<float> dRpart(static_cast<size_t>(nchunks * U * G), 0.0f);
  // bf16: dx = dz W^T and dW = x^T dz per batch chunk right after its recurrence, while the
  // chunk's dz block is in cache (dW as per-chunk partials reduced in chunk order), when the
  // partials stay small (<= 4M floats); otherwise two whole-batch GEMMs after the loop.
  const bool chunk_gemms = bf16 && W && nchunks * D * G <= (int64_t(1) << 22);
  std::vector<float> dWpart(chunk_gemms ? static_cast<size_t>(nchunks * D * G) : 0);
  // The backward step has a larger fixed cost per unit (measured 69 us for N 32, T 18, U 8 on
  // one core): ~30-80 k units/us, so >= ~50-135 us per thread.
  const int nt = static_cast<int>(std::min<int64_t>(
      nchunks, threads_for(N * T * U * (2 * U * 8 + 400), int64_t(1) << 22)));
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    GemmPrecisionScope worker_f32(Precision::Float32);  // this worker's sgemm calls (U > 128)
    const int64_t n0 = ch * kChunk;
    const int64_t rows = std::min<int64_t>(kChunk, N - n0);
    std::vector<float> zeros(static_cast<size_t>(rows * U), 0.0f);
    const size_t ru = static_cast<size_t>(rows * U);
    std::vector<float> saved_h(mask ? ru : 0), saved_c(mask ? ru : 0);
    std::vector<float> carry(mask && !zero_output ? ru : 0, 0.0f);
    std::vector<float> ab(rmask ? ru : 0), tmp(rmask ? ru : 0);
    std::vector<uint32_t> dzb(bf16 ? static_cast<size_t>(rows * 4 * Up) : 0);  // bf16(dz_t)
    std::vector<uint32_t> tnw(bf16 ? static_cast<size_t>(rnn_bf16::tn_scratch(rows, U, G)) : 0);
    double* dbp = dbpart.data() + ch * G;
    float* dRp = dRpart.data() + ch * U * G;
    // dh / dc of this chunk live in dh0 / dc0 (they end up holding dL/dh_0 and dL/dc_0).
    float* dh = dh0 + n0 * U;
    float* dc = dc0 + n0 * U;
    if (dh_T) std::memcpy(dh, dh_T + n0 * U, sizeof(float) * rows * U);
    else std::fill(dh, dh + rows * U, 0.0f);
    if (dc_T) std::memcpy(dc, dc_T + n0 * U, sizeof(float) * rows * U);
    else std::fill(dc, dc + rows * U, 0.0f);
    for (int64_t t = T - 1; t >= 0; --t) {
      if (mask) {
        rnn_mask::add_output_grad(n0, rows, t, T, U, mask, zero_output, dy_seq, dy_last, dh,
                                  carry.empty() ? nullptr : carry.data());
        std::memcpy(saved_h.data(), dh, sizeof(float) * ru);
        std::memcpy(saved_c.data(), dc, sizeof(float) * ru);
      } else if (dy_seq) {
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
      if (default_acts)
        cells.backward(rows, U, gates + (n0 * T + t) * G, T * G, cs + (n0 * T + t) * U, T * U,
                       cp, ldcp, dh, dc, dzt, T * G);
      else
        cells.backward_act(rows, U, gates + (n0 * T + t) * G, T * G, cs + (n0 * T + t) * U,
                           T * U, cp, ldcp, dh, dc, dzt, T * G, act, ract);
      if (mask)  // a masked step has no gate gradient; dh and dc pass through (restored below)
        for (int64_t r = 0; r < rows; ++r)
          if (!mask[(n0 + r) * T + t]) std::fill(dzt + r * T * G, dzt + r * T * G + G, 0.0f);
      for (int64_t r = 0; r < rows; ++r) {
        const float* dzr = dzt + r * T * G;
        for (int64_t j = 0; j < G; ++j) dbp[j] += dzr[j];
      }
      // dL/dh_{t-1} = dz_t @ R^T, or sum_q (dz_q @ R_q^T) * m_q with recurrent dropout
      if (!rmask) {
        if (bf16)
          rnn_bf16::product(RTp, 0, 4, 0, U, rows, dzt, T * G, nullptr, 0, dh, U, false,
                            dzb.data());
        else
          mm(rows, G, U, dzt, T * G, RT.data(), U, dh, U, false);
      } else {
        for (int q = 0; q < 4; ++q) {
          const float* m = rmask + (q * N + n0) * U;
          if (bf16)
            rnn_bf16::product(RTp, q, 1, 0, U, rows, dzt + q * U, T * G, nullptr, 0, tmp.data(),
                              U, false, dzb.data());
          else
            mm(rows, U, U, dzt + q * U, T * G, RT.data() + q * U * U, U, tmp.data(), U, false);
          for (size_t i = 0; i < ru; ++i) dh[i] = q == 0 ? tmp[i] * m[i] : dh[i] + tmp[i] * m[i];
        }
      }
      if (mask) {
        for (int64_t r = 0; r < rows; ++r) {
          if (mask[(n0 + r) * T + t]) continue;
          std::memcpy(dh + r * U, saved_h.data() + r * U, sizeof(float) * U);
          std::memcpy(dc + r * U, saved_c.data() + r * U, sizeof(float) * U);
        }
      }
      // dR += h_{t-1}^T dz_t (per gate (h_{t-1} * m_q)^T dz_q); h_{-1} = h0 or zeros.
      const float* hp = t > 0 ? hs + (n0 * T + t - 1) * U : (h0 ? h0 + n0 * U : nullptr);
      if (hp) {
        const int64_t ldhp = t > 0 ? T * U : U;
        if (bf16) {
          if (!rmask)
            rnn_bf16::tn(rows, U, G, hp, ldhp, nullptr, 0, dzt, T * G, dRp, G, tnw.data());
          else
            for (int q = 0; q < 4; ++q)
              rnn_bf16::tn(rows, U, U, hp, ldhp, rmask + (q * N + n0) * U, U, dzt + q * U,
                           T * G, dRp + q * U, G, tnw.data());
        } else if (!rmask) {
          cells.matmul_tn(rows, U, G, hp, ldhp, dzt, T * G, dRp, G);
        } else {
          for (int q = 0; q < 4; ++q) {
            mul_rows(rows, U, hp, ldhp, rmask + (q * N + n0) * U, ab.data());
            cells.matmul_tn(rows, U, U, ab.data(), U, dzt + q * U, T * G, dRp + q * U, G);
          }
        }
      }
    }
    if (chunk_gemms) {  // this chunk's dx rows and dW partial (single-threaded sgemm calls)
      GemmPrecisionScope worker_bf16(Precision::BFloat16);
      const float* dzc = dz + n0 * T * G;
      if (dx) sgemm(false, true, rows * T, D, G, 1.0f, dzc, G, W, G, 0.0f, dx + n0 * T * D, D);
      sgemm(true, false, D, G, rows * T, 1.0f, x + n0 * T * D, D, dzc, G, 0.0f,
            dWpart.data() + ch * D * G, G);
    }
  }
  // Input gradients: two large GEMMs (threaded inside sgemm); W == nullptr: dx = dz.
  if (chunk_gemms) {
    reduce_chunks(nchunks, D * G, dWpart.data(), dW);
  } else if (W) {
    if (dx) sgemm(false, true, N * T, D, G, 1.0f, dz, G, W, G, 0.0f, dx, D);  // dx = dz W^T
    sgemm(true, false, D, G, N * T, 1.0f, x, D, dz, G, 0.0f, dW, G);        // dW = x^T dz
  } else if (dx && dx != dz) {
    std::memcpy(dx, dz, sizeof(float) * static_cast<size_t>(N * T * G));
  }
  // dR and db: per-chunk partials reduced in chunk order (deterministic for any thread count).
  reduce_chunks(nchunks, U * G, dRpart.data(), dR);
  reduce_chunks(nchunks, G, dbpart.data(), db);
}

}  // namespace pyfapi
