#include "rnn/rnn.h"

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
using rnn_chunk::Mm;
using rnn_chunk::mul_rows;
using rnn_chunk::num_chunks;
using rnn_chunk::reduce_chunks;

struct Kernels {
  lstm_cell::MatmulFn matmul;
  rnn_cell::MatmulTnFn matmul_tn;
  rnn_cell::GruFwdAfterFn gru_fwd_after;
  rnn_cell::GruFwdZrFn gru_fwd_zr;
  rnn_cell::GruFwdHFn gru_fwd_h;
  rnn_cell::GruBwdAfterFn gru_bwd_after;
  rnn_cell::GruBwdHFn gru_bwd_h;
  rnn_cell::GruBwdRFn gru_bwd_r;
  rnn_cell::SrnnFwdFn srnn_fwd;
  rnn_cell::SrnnBwdFn srnn_bwd;
};

#define PYFAPI_RNN_KERNELS(ns)                                                                  \
  Kernels {                                                                                     \
    lstm_cell::ns::small_matmul, rnn_cell::ns::small_matmul_tn, rnn_cell::ns::gru_fwd_after,    \
        rnn_cell::ns::gru_fwd_zr, rnn_cell::ns::gru_fwd_h, rnn_cell::ns::gru_bwd_after,         \
        rnn_cell::ns::gru_bwd_h, rnn_cell::ns::gru_bwd_r, rnn_cell::ns::srnn_fwd,               \
        rnn_cell::ns::srnn_bwd                                                                  \
  }

Kernels pick_kernels() {
  return PYFAPI_ISA_PICK(PYFAPI_RNN_KERNELS(generic), PYFAPI_RNN_KERNELS(avx2),
                         PYFAPI_RNN_KERNELS(avx512));
}
#undef PYFAPI_RNN_KERNELS

// B^T of the (U x G) recurrent kernel: (G x U), the B operand of dA = d(rec) @ R^T.
std::vector<float> transpose(const float* R, int64_t U, int64_t G) {
  std::vector<float> RT(static_cast<size_t>(G * U));
  for (int64_t k = 0; k < U; ++k)
    for (int64_t j = 0; j < G; ++j) RT[j * U + k] = R[k * G + j];
  return RT;
}

// dst (rows x U) += src (rows x U) * m (rows x U, or 1 when m == nullptr).
void add_rows(int64_t rows, int64_t U, const float* src, const float* m, float* dst) {
  const int64_t n = rows * U;
  if (m)
    for (int64_t i = 0; i < n; ++i) dst[i] += src[i] * m[i];
  else
    for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

// dbp (G) += column sums of d (rows x G, stride ldd), in double.
void add_col_sums(int64_t rows, int64_t G, const float* d, int64_t ldd, double* dbp) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < G; ++j) dbp[j] += d[r * ldd + j];
}

// The recurrent products of one call: float32 (Mm: A @ B with B the float32 matrix) or, when
// rnn_bf16::active() at the call's start, bfloat16 operands with float32 accumulation (B packed
// once per call, in blocks of U rows: the gates of R^T). op(rows, K, N, A, lda, b, col, C, ldc,
// acc): C (+)= A (rows x K) @ B[rows b*U .., columns col .. col + N) (K a multiple of U).
struct Products {
  Mm mm;
  rnn_cell::MatmulTnFn matmul_tn;
  const float* B;  // float32 matrix (ld ldb)
  int64_t ldb, U;
  bool bf16;
  rnn_bf16::Packed packed;
  // `words`: the caller's (per-thread) scratch for the rounded A (bf16 only).
  void operator()(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda, int64_t b,
                  int64_t col, float* C, int64_t ldc, bool acc,
                  std::vector<uint32_t>& words) const {
    if (bf16) {
      const int64_t nb = K / U;
      words.resize(static_cast<size_t>(rows * nb * packed.kbp));
      rnn_bf16::product(packed, b, nb, col, N, rows, A, lda, nullptr, 0, C, ldc, acc,
                        words.data());
    } else {
      mm(rows, K, N, A, lda, B + b * U * ldb + col, ldb, C, ldc, acc);
    }
  }
  // C (K x N, stride ldc) += A^T B (A rows x K, B rows x N): a step's share of dR.
  void tn(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda, const float* Bm,
          int64_t ldbm, float* C, int64_t ldc, std::vector<uint32_t>& words) const {
    if (bf16) {
      words.resize(static_cast<size_t>(rnn_bf16::tn_scratch(rows, K, N)));
      rnn_bf16::tn(rows, K, N, A, lda, nullptr, 0, Bm, ldbm, C, ldc, words.data());
    } else {
      matmul_tn(rows, K, N, A, lda, Bm, ldbm, C, ldc);
    }
  }
};

// Products with B = R (K = U rows, N columns) or R^T (K = N_gates * U rows, U columns).
Products products(bool bf16, const Kernels& k, const float* B, int64_t K, int64_t N,
                  int64_t U) {
  return {Mm{k.matmul, U <= kSmallUnits}, k.matmul_tn, B, N, U, bf16,
          bf16 ? rnn_bf16::pack(K / U, U, N, B, N) : rnn_bf16::Packed{}};
}

int team(int64_t nchunks, int64_t work) {
  // ~50-150 k units/us per core for the fused recurrences (as the LSTM's).
  return static_cast<int>(std::min<int64_t>(nchunks, threads_for(work, int64_t(1) << 22)));
}

}  // namespace

void gru_forward(int64_t N, int64_t T, int64_t U, bool reset_after, const float* xp, float* g,
                 const float* R, const float* brec, const float* h0, const uint8_t* mask,
                 const float* rmask, bool zero_output_for_mask, float* aux, float* hs, float* ys,
                 int act, int ract) {
  const bool bf16 = rnn_bf16::active();  // the caller's precision (before the scope below)
  GemmPrecisionScope f32(Precision::Float32);  // float32 recurrences (as lstm.cpp)
  if (N <= 0 || T <= 0 || U <= 0) return;
  const int64_t G = 3 * U;
  const Kernels k = pick_kernels();
  const Products P = products(bf16, k, R, U, G, U);
  const int64_t nchunks = num_chunks(N);
  const int nt = team(nchunks, N * T * U * (2 * U * 3 + 60));
  // dynamic: a thread that starts late (busy machine) takes fewer chunks; every chunk runs the
  // same operations whichever thread takes it.
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    GemmPrecisionScope worker_f32(Precision::Float32);  // this worker's sgemm calls (U > 128)
    const int64_t n0 = ch * kChunk;
    const int64_t rows = std::min<int64_t>(kChunk, N - n0);
    std::vector<float> zeros(static_cast<size_t>(rows * U), 0.0f);
    std::vector<float> rec(static_cast<size_t>(rows * G));
    std::vector<float> abuf(rmask ? static_cast<size_t>(3 * rows * U) : 0);
    std::vector<uint32_t> words;
    // The chunk's x-projection rows into g (contiguous, streamed once; the steps then read and
    // write g in place, warm in cache).
    std::memcpy(g + n0 * T * G, xp + n0 * T * G, sizeof(float) * static_cast<size_t>(rows * T * G));
    for (int64_t t = 0; t < T; ++t) {
      const float* hp;
      int64_t ldhp;
      if (t == 0) {
        hp = h0 ? h0 + n0 * U : zeros.data();
        ldhp = U;
      } else {
        hp = hs + (n0 * T + t - 1) * U;
        ldhp = T * U;
      }
      const float* A[3] = {hp, hp, hp};
      int64_t lda = ldhp;
      if (rmask) {
        for (int q = 0; q < 3; ++q) {
          mul_rows(rows, U, hp, ldhp, rmask + (q * N + n0) * U, abuf.data() + q * rows * U);
          A[q] = abuf.data() + q * rows * U;
        }
        lda = U;
      }
      float* gt = g + (n0 * T + t) * G;
      const float* xt = gt;
      const int64_t ldg = T * G;
      float* at = aux + (n0 * T + t) * U;
      float* ht = hs + (n0 * T + t) * U;
      if (reset_after) {
        if (!rmask) P(rows, U, G, hp, ldhp, 0, 0, rec.data(), G, false, words);
        else
          for (int q = 0; q < 3; ++q)
            P(rows, U, U, A[q], lda, 0, q * U, rec.data() + q * U, G, false, words);
        k.gru_fwd_after(rows, U, xt, ldg, gt, ldg, rec.data(), G, brec, hp, ldhp, at, T * U, ht,
                        T * U, act, ract);
      } else {
        if (!rmask) P(rows, U, 2 * U, hp, ldhp, 0, 0, rec.data(), G, false, words);
        else
          for (int q = 0; q < 2; ++q)
            P(rows, U, U, A[q], lda, 0, q * U, rec.data() + q * U, G, false, words);
        k.gru_fwd_zr(rows, U, xt, ldg, gt, ldg, rec.data(), G, A[2], lda, at, T * U, act, ract);
        P(rows, U, U, at, T * U, 0, 2 * U, rec.data() + 2 * U, G, false, words);
        k.gru_fwd_h(rows, U, xt, ldg, gt, ldg, rec.data() + 2 * U, G, hp, ldhp, ht, T * U, act, ract);
      }
      if (mask) {
        rnn_mask::carry_state(n0, rows, t, T, U, mask, hp, ldhp, hs);
        rnn_mask::masked_outputs(n0, rows, t, T, U, mask, zero_output_for_mask, hs, ys);
      }
    }
  }
}

void gru_backward(int64_t N, int64_t T, int64_t U, bool reset_after, const float* g,
                  const float* aux, const float* hs, const float* R, const float* h0,
                  const uint8_t* mask, const float* rmask, bool zero_output_for_mask,
                  const float* dy_seq, const float* dy_last, const float* dh_T, float* dxp,
                  float* dR, float* dbrec, float* dh0, int act, int ract) {
  const bool bf16 = rnn_bf16::active();  // bfloat16 dL/dh_{t-1} products (dR stays float32)
  GemmPrecisionScope f32(Precision::Float32);  // float32 recurrences (as lstm.cpp)
  const int64_t G = 3 * U;
  if (N <= 0 || T <= 0 || U <= 0) {
    std::fill(dR, dR + U * G, 0.0f);
    if (dbrec) std::fill(dbrec, dbrec + G, 0.0f);
    return;
  }
  const Kernels k = pick_kernels();
  const std::vector<float> RT = transpose(R, U, G);  // (3U x U): rows q*U.. are R_q^T
  const Products P = products(bf16, k, RT.data(), G, U, U);
  const int64_t nchunks = num_chunks(N);
  std::vector<float> dRpart(static_cast<size_t>(nchunks * U * G), 0.0f);
  std::vector<double> dbpart(reset_after && dbrec ? static_cast<size_t>(nchunks * G) : 0, 0.0);
  const int nt = team(nchunks, N * T * U * (2 * U * 6 + 400));
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    GemmPrecisionScope worker_f32(Precision::Float32);  // this worker's sgemm calls (U > 128)
    const int64_t n0 = ch * kChunk;
    const int64_t rows = std::min<int64_t>(kChunk, N - n0);
    const size_t ru = static_cast<size_t>(rows * U);
    std::vector<float> zeros(ru, 0.0f), tmp(ru), tmp2(ru), saved(mask ? ru : 0);
    std::vector<float> carry(mask && !zero_output_for_mask ? ru : 0, 0.0f);
    std::vector<float> ab(rmask ? 3 * ru : 0);
    std::vector<float> drl(reset_after ? static_cast<size_t>(rows * G) : 0);  // d(rec) of step t
    std::vector<uint32_t> words;
    float* dRp = dRpart.data() + ch * U * G;
    double* dbp = dbpart.empty() ? nullptr : dbpart.data() + ch * G;
    float* dh = dh0 + n0 * U;
    if (dh_T) std::memcpy(dh, dh_T + n0 * U, sizeof(float) * ru);
    else std::fill(dh, dh + ru, 0.0f);
    for (int64_t t = T - 1; t >= 0; --t) {
      rnn_mask::add_output_grad(n0, rows, t, T, U, mask, zero_output_for_mask, dy_seq, dy_last, dh,
                      carry.empty() ? nullptr : carry.data());
      if (mask) std::memcpy(saved.data(), dh, sizeof(float) * ru);
      const float* hp;
      int64_t ldhp;
      if (t == 0) {
        hp = h0 ? h0 + n0 * U : zeros.data();
        ldhp = U;
      } else {
        hp = hs + (n0 * T + t - 1) * U;
        ldhp = T * U;
      }
      const bool zero_hp = t == 0 && !h0;  // h_{-1} = 0: no recurrent-kernel gradient
      const float* A[3] = {hp, hp, hp};
      const float* M[3] = {nullptr, nullptr, nullptr};
      int64_t lda = ldhp;
      if (rmask) {
        for (int q = 0; q < 3; ++q) {
          M[q] = rmask + (q * N + n0) * U;
          mul_rows(rows, U, hp, ldhp, M[q], ab.data() + q * ru);
          A[q] = ab.data() + q * ru;
        }
        lda = U;
      }
      const float* gt = g + (n0 * T + t) * G;
      const int64_t ldg = T * G;
      const float* at = aux + (n0 * T + t) * U;
      float* dxt = dxp + (n0 * T + t) * G;
      if (reset_after) {
        float* drt = drl.data();
        k.gru_bwd_after(rows, U, gt, ldg, at, T * U, hp, ldhp, dh, dxt, ldg, drt, G, act, ract);
        if (!rmask) {
          P(rows, G, U, drt, G, 0, 0, dh, U, true, words);
        } else {
          for (int q = 0; q < 3; ++q) {
            P(rows, U, U, drt + q * U, G, q, 0, tmp.data(), U, false, words);
            add_rows(rows, U, tmp.data(), M[q], dh);
          }
        }
        if (mask)
          for (int64_t r = 0; r < rows; ++r)
            if (!mask[(n0 + r) * T + t]) std::fill(drt + r * G, drt + r * G + G, 0.0f);
      } else {
        k.gru_bwd_h(rows, U, gt, ldg, hp, ldhp, dh, dxt, ldg, act, ract);
        // dL/d(r * A_h) = dx_h @ R_h^T
        P(rows, U, U, dxt + 2 * U, ldg, 2, 0, tmp.data(), U, false, words);
        k.gru_bwd_r(rows, U, gt, ldg, A[2], lda, tmp.data(), dxt, ldg, act, ract);
        add_rows(rows, U, tmp.data(), M[2], dh);
        if (!rmask) {
          P(rows, 2 * U, U, dxt, ldg, 0, 0, dh, U, true, words);
        } else {
          for (int q = 0; q < 2; ++q) {
            P(rows, U, U, dxt + q * U, ldg, q, 0, tmp2.data(), U, false, words);
            add_rows(rows, U, tmp2.data(), M[q], dh);
          }
        }
      }
      if (mask) {
        for (int64_t r = 0; r < rows; ++r) {
          if (mask[(n0 + r) * T + t]) continue;
          std::memcpy(dh + r * U, saved.data() + r * U, sizeof(float) * U);
          std::fill(dxt + r * ldg, dxt + r * ldg + G, 0.0f);
        }
      }
      // This step's share of dR (and dbrec): dR_q += A_q^T d(rec)_q.
      if (reset_after) {
        if (!zero_hp) {
          if (!rmask) P.tn(rows, U, G, hp, ldhp, drl.data(), G, dRp, G, words);
          else
            for (int q = 0; q < 3; ++q)
              P.tn(rows, U, U, A[q], lda, drl.data() + q * U, G, dRp + q * U, G, words);
        }
        if (dbp) add_col_sums(rows, G, drl.data(), G, dbp);
      } else if (!zero_hp) {
        if (!rmask) P.tn(rows, U, 2 * U, hp, ldhp, dxt, ldg, dRp, G, words);
        else
          for (int q = 0; q < 2; ++q)
            P.tn(rows, U, U, A[q], lda, dxt + q * U, ldg, dRp + q * U, G, words);
        // dR_h += (r * A_h)^T dx_h
        P.tn(rows, U, U, at, T * U, dxt + 2 * U, ldg, dRp + 2 * U, G, words);
      }
    }
  }
  reduce_chunks(nchunks, U * G, dRpart.data(), dR);
  if (dbrec) {
    if (reset_after) reduce_chunks(nchunks, G, dbpart.data(), dbrec);
    else std::fill(dbrec, dbrec + G, 0.0f);
  }
}

void simple_rnn_forward(int64_t N, int64_t T, int64_t U, int act, const float* R, const float* h0,
                        const uint8_t* mask, const float* rmask, bool zero_output_for_mask,
                        float* hs, float* ys) {
  const bool bf16 = rnn_bf16::active();  // the caller's precision (before the scope below)
  GemmPrecisionScope f32(Precision::Float32);  // float32 recurrences (as lstm.cpp)
  if (N <= 0 || T <= 0 || U <= 0) return;
  const Kernels k = pick_kernels();
  const Products P = products(bf16, k, R, U, U, U);
  const int64_t nchunks = num_chunks(N);
  const int nt = team(nchunks, N * T * U * (2 * U + 20));
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    GemmPrecisionScope worker_f32(Precision::Float32);  // this worker's sgemm calls (U > 128)
    const int64_t n0 = ch * kChunk;
    const int64_t rows = std::min<int64_t>(kChunk, N - n0);
    std::vector<float> ab(rmask ? static_cast<size_t>(rows * U) : 0);
    std::vector<uint32_t> words;
    for (int64_t t = 0; t < T; ++t) {
      const float* hp = nullptr;
      int64_t ldhp = U;
      if (t == 0) {
        hp = h0 ? h0 + n0 * U : nullptr;
      } else {
        hp = hs + (n0 * T + t - 1) * U;
        ldhp = T * U;
      }
      float* ht = hs + (n0 * T + t) * U;
      if (hp) {
        const float* A = hp;
        int64_t lda = ldhp;
        if (rmask) {
          mul_rows(rows, U, hp, ldhp, rmask + n0 * U, ab.data());
          A = ab.data();
          lda = U;
        }
        P(rows, U, U, A, lda, 0, 0, ht, T * U, true, words);
      }
      k.srnn_fwd(rows, U, act, ht, T * U);
      if (mask) {
        for (int64_t r = 0; r < rows; ++r) {
          if (mask[(n0 + r) * T + t]) continue;
          float* dst = ht + r * T * U;
          if (hp) std::memcpy(dst, hp + r * ldhp, sizeof(float) * U);
          else std::fill(dst, dst + U, 0.0f);
        }
        rnn_mask::masked_outputs(n0, rows, t, T, U, mask, zero_output_for_mask, hs, ys);
      }
    }
  }
}

void simple_rnn_backward(int64_t N, int64_t T, int64_t U, int act, const float* hs,
                         const float* R, const float* h0, const uint8_t* mask, const float* rmask,
                         bool zero_output_for_mask, const float* dy_seq, const float* dy_last,
                         const float* dh_T, float* dxp, float* dR, float* dh0) {
  const bool bf16 = rnn_bf16::active();  // bfloat16 dL/dh_{t-1} products (dR stays float32)
  GemmPrecisionScope f32(Precision::Float32);  // float32 recurrences (as lstm.cpp)
  if (N <= 0 || T <= 0 || U <= 0) {
    std::fill(dR, dR + U * U, 0.0f);
    return;
  }
  const Kernels k = pick_kernels();
  const std::vector<float> RT = transpose(R, U, U);
  const Products P = products(bf16, k, RT.data(), U, U, U);
  const int64_t nchunks = num_chunks(N);
  std::vector<float> dRpart(static_cast<size_t>(nchunks * U * U), 0.0f);
  const int nt = team(nchunks, N * T * U * (4 * U + 100));
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1)
  for (int64_t ch = 0; ch < nchunks; ++ch) {
    GemmPrecisionScope worker_f32(Precision::Float32);  // this worker's sgemm calls (U > 128)
    const int64_t n0 = ch * kChunk;
    const int64_t rows = std::min<int64_t>(kChunk, N - n0);
    const size_t ru = static_cast<size_t>(rows * U);
    std::vector<float> tmp(ru), saved(mask ? ru : 0), ab(rmask ? ru : 0);
    std::vector<float> carry(mask && !zero_output_for_mask ? ru : 0, 0.0f);
    std::vector<uint32_t> words;
    float* dRp = dRpart.data() + ch * U * U;
    float* dh = dh0 + n0 * U;
    if (dh_T) std::memcpy(dh, dh_T + n0 * U, sizeof(float) * ru);
    else std::fill(dh, dh + ru, 0.0f);
    const float* m = rmask ? rmask + n0 * U : nullptr;
    for (int64_t t = T - 1; t >= 0; --t) {
      rnn_mask::add_output_grad(n0, rows, t, T, U, mask, zero_output_for_mask, dy_seq, dy_last, dh,
                      carry.empty() ? nullptr : carry.data());
      if (mask) std::memcpy(saved.data(), dh, sizeof(float) * ru);
      float* dxt = dxp + (n0 * T + t) * U;
      k.srnn_bwd(rows, U, act, hs + (n0 * T + t) * U, T * U, dh, dxt, T * U);
      if (m) {
        P(rows, U, U, dxt, T * U, 0, 0, tmp.data(), U, false, words);
        for (size_t i = 0; i < ru; ++i) dh[i] = tmp[i] * m[i];
      } else {
        P(rows, U, U, dxt, T * U, 0, 0, dh, U, false, words);
      }
      if (mask) {
        for (int64_t r = 0; r < rows; ++r) {
          if (mask[(n0 + r) * T + t]) continue;
          std::memcpy(dh + r * U, saved.data() + r * U, sizeof(float) * U);
          std::fill(dxt + r * T * U, dxt + r * T * U + U, 0.0f);
        }
      }
      // dR += A^T dz with A = h_{t-1} (* the recurrent-dropout mask); h_{-1} = h0 or zeros.
      const float* hp = t > 0 ? hs + (n0 * T + t - 1) * U : (h0 ? h0 + n0 * U : nullptr);
      if (hp) {
        const int64_t ldhp = t > 0 ? T * U : U;
        if (m) {
          mul_rows(rows, U, hp, ldhp, m, ab.data());
          P.tn(rows, U, U, ab.data(), U, dxt, T * U, dRp, U, words);
        } else {
          P.tn(rows, U, U, hp, ldhp, dxt, T * U, dRp, U, words);
        }
      }
    }
  }
  reduce_chunks(nchunks, U * U, dRpart.data(), dR);
}

}  // namespace pyfapi
