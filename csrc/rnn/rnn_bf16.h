// bfloat16 recurrent products of the LSTM / GRU / SimpleRNN recurrences under a bfloat16 GEMM
// precision (mixed_bfloat16 layers): bfloat16 operands, float32 accumulation (vdpbf16ps).
//
// The float32 recurrences (csrc/lstm/lstm.cpp, csrc/rnn/rnn.cpp) switch to these products when
// active(): the calling thread's GEMM precision is Precision::BFloat16 (set by a layer whose
// compute dtype is bfloat16, and by the autodiff engine for its backward; csrc/gemm/gemm.h) and
// the AVX512-BF16 path runs (bf16_active(): CPUID, not lowered by PYFAPI_ISA / set_isa).
// Otherwise the float32 kernels run, unchanged (same results as under Precision::Float32).
//
// What is rounded to bfloat16 (round to nearest even, vcvtne2ps2bf16: NaN stays NaN, denormals
// flushed): the recurrent kernel (packed once per call, Packed below) and, at every step, the
// left operand of the step's product (h_{t-1}, possibly times a recurrent-dropout mask, in the
// forward; dL/dz_t in the backward). The gate math, the cell state, h itself and the products'
// accumulators stay float32.
//
// Layout. vdpbf16ps consumes K in pairs: a packed matrix holds 32-bit words of two bfloat16,
// (k = 2p, k = 2p + 1) in the low / high half. K is split in `nblocks` blocks of `kb` rows
// (the gates of R^T), each padded to an even count with a zero, so that any block (a gate) can
// be multiplied on its own and all of them together with the same packing. A left operand row of
// nb blocks is nb * ceil(kb / 2) words (round_rows).
//
// Implemented in rnn_bf16.cpp (compiled with -mavx512bf16 on x86; elsewhere stubs that throw):
// callers reach it only through active() (always false on other builds). That file uses no
// library template (std::vector, std::min), so no instantiation built with the AVX-512 flags can
// be picked by the linker for portable code.
#pragma once
#include <cstdint>
#include <vector>

#include "common/cpu_features.h"
#include "gemm/gemm.h"

namespace pyfapi {
namespace rnn_bf16 {

inline bool active() {
#ifdef PYFAPI_X86
  return gemm_precision() == Precision::BFloat16 && bf16_active();
#else
  return false;
#endif
}

inline int64_t pairs(int64_t k) { return (k + 1) / 2; }

// A K x N float32 matrix (K = nblocks * kb) rounded to bfloat16 and packed in pair rows:
// word (p, j) of block b at w[(b * kbp + p) * ld + j], ld = N rounded up to 16.
struct Packed {
  int64_t nblocks = 0, kb = 0, kbp = 0, n = 0, ld = 0;
  std::vector<uint32_t> w;
  // Pair row 0 of block b, column col.
  const uint32_t* at(int64_t b, int64_t col) const { return w.data() + b * kbp * ld + col; }
};

// B (nblocks * kb rows x N, row stride ldb) rounded and packed into dst (nblocks * ceil(kb / 2)
// pair rows of ld >= N words; the words of columns N .. ld are zero).
void pack_into(int64_t nblocks, int64_t kb, int64_t N, const float* B, int64_t ldb, int64_t ld,
               uint32_t* dst);

inline Packed pack(int64_t nblocks, int64_t kb, int64_t N, const float* B, int64_t ldb) {
  Packed P;
  P.nblocks = nblocks;
  P.kb = kb;
  P.kbp = pairs(kb);
  P.n = N;
  P.ld = (N + 15) / 16 * 16;
  P.w.resize(static_cast<size_t>(nblocks * P.kbp * P.ld));
  pack_into(nblocks, kb, N, B, ldb, P.ld, P.w.data());
  return P;
}

// Left operand: rows x (nb * kb) floats A (row stride lda), times m (same shape, row stride ldm)
// when m != nullptr, rounded into rows of nb * ceil(kb / 2) words (row stride ldd).
void round_rows(int64_t rows, int64_t nb, int64_t kb, const float* A, int64_t lda, const float* m,
                int64_t ldm, uint32_t* dst, int64_t ldd);

// C (rows x N, stride ldc) (+)= A (rows x kp words: word (r, p) at A[r * lda + p * ldp]) @ B
// (kp pair rows, stride ldb words, N columns): float32 accumulation; accumulate == false
// overwrites C. Register tiles of 4 rows x 64 columns (masked edges; no read or write outside
// the N columns).
void matmul(int64_t rows, int64_t kp, int64_t N, const uint32_t* A, int64_t lda,
            const uint32_t* B, int64_t ldb, float* C, int64_t ldc, bool accumulate,
            int64_t ldp = 1);

// C (K x N, stride ldc) += bf16(A (* m))^T bf16(B): the per-step rank-`rows` update of a
// recurrent-kernel gradient (dR += h_{t-1}^T dz_t), A rows x K (stride lda; m, if not null, the
// same shape, stride ldm), B rows x N (stride ldb). The rows are the pairs of vdpbf16ps (an odd
// count padded with zero). scratch: tn_scratch(rows, K, N) words.
void tn(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda, const float* m,
        int64_t ldm, const float* B, int64_t ldb, float* C, int64_t ldc, uint32_t* scratch);
inline int64_t tn_scratch(int64_t rows, int64_t K, int64_t N) {
  return pairs(rows) * ((K + 15) / 16 * 16 + (N + 15) / 16 * 16);
}

// C (+)= bf16(A (* m)) @ blocks b0 .. b0 + nb of B, columns col .. col + N: round_rows into
// `scratch` (>= rows * nb * B.kbp words) then matmul.
inline void product(const Packed& B, int64_t b0, int64_t nb, int64_t col, int64_t N, int64_t rows,
                    const float* A, int64_t lda, const float* m, int64_t ldm, float* C,
                    int64_t ldc, bool accumulate, uint32_t* scratch) {
  const int64_t kp = nb * B.kbp;
  round_rows(rows, nb, B.kb, A, lda, m, ldm, scratch, kp);
  matmul(rows, kp, N, scratch, kp, B.at(b0, col), B.ld, C, ldc, accumulate);
}

}  // namespace rnn_bf16
}  // namespace pyfapi
