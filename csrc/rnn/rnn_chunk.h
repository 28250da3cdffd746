// Batch chunking and per-chunk helpers shared by the whole-sequence recurrences (csrc/rnn/rnn.cpp,
// csrc/lstm/lstm.cpp). Portable code only (included by baseline-ISA files; the per-ISA products
// arrive as function pointers).
#pragma once
#include <cstdint>

#include "gemm/gemm.h"
#include "lstm/lstm_cell.h"

namespace pyfapi {
namespace rnn_chunk {

// Batch rows per recurrence chunk: fixed (not derived from the thread count) so that every row
// goes through the same operations whatever the number of threads.
constexpr int64_t kChunk = 16;
// Recurrent products up to this many units use the register-tiled small product of lstm_cell.
constexpr int64_t kSmallUnits = 128;

inline int64_t num_chunks(int64_t N) { return (N + kChunk - 1) / kChunk; }

// C (+)= A @ B for one chunk (rows x K times K x N): the small register-tiled product for small
// units, else a single-threaded sgemm (called inside the chunk loop's parallel region).
struct Mm {
  lstm_cell::MatmulFn small;
  bool use_small;
  void operator()(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda, const float* B,
                  int64_t ldb, float* C, int64_t ldc, bool accumulate) const {
    if (use_small) small(rows, K, N, A, lda, B, ldb, C, ldc, accumulate);
    else sgemm(false, false, rows, N, K, 1.0f, A, lda, B, ldb, accumulate ? 1.0f : 0.0f, C, ldc);
  }
};

// dst (rows x U, ld U) = src (stride lds) * m (rows x U): h_{t-1} under a recurrent-dropout mask.
inline void mul_rows(int64_t rows, int64_t U, const float* src, int64_t lds, const float* m,
                     float* dst) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < U; ++j) dst[r * U + j] = src[r * lds + j] * m[r * U + j];
}

// out[i] = sum over chunks of part[ch * size + i], in chunk order, in double: the per-chunk
// partial weight gradients reduced the same way for any thread count.
template <typename P>
void reduce_chunks(int64_t nchunks, int64_t size, const P* part, float* out) {
  for (int64_t i = 0; i < size; ++i) {
    double acc = 0.0;
    for (int64_t ch = 0; ch < nchunks; ++ch) acc += part[ch * size + i];
    out[i] = static_cast<float>(acc);
  }
}

}  // namespace rnn_chunk
}  // namespace pyfapi
