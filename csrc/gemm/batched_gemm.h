// Batched SGEMM over strided views: C[i] = op(A[i]) @ op(B[i]) for every index i of a batch
// index space (up to kBatchedGemmMaxDims axes, each operand with its own element strides, 0 for
// a broadcast operand of A / B). The attention products (Q K^T, P V and their gradients) of
// pyfapi.ops.einsum run here without copies of the transposed head views.
// Threads: when the batch has >= 2 entries and enough work, OpenMP over the batch entries
// (static schedule), each entry one single-threaded sgemm; else one sgemm per entry, each using
// the threads. sgemm's results do not depend on its thread count, so neither do these.
// Precision: the calling thread's gemm_precision(), carried into the workers.
#pragma once
#include <cstdint>

namespace pyfapi {

constexpr int kBatchedGemmMaxDims = 8;

struct BatchLayout {
  int ndim = 0;
  int64_t dims[kBatchedGemmMaxDims] = {};
  int64_t sa[kBatchedGemmMaxDims] = {};  // element strides of A, B, C per batch axis
  int64_t sb[kBatchedGemmMaxDims] = {};
  int64_t sc[kBatchedGemmMaxDims] = {};
};

// op(A) M x K, op(B) K x N, C M x N (row stride ldc, unit column stride), beta = 0.
// One product C = op(A) op(B) (beta = 0): the small register-blocked kernel for short-sided
// products (see batched_gemm.cpp), else sgemm (single-threaded inside a parallel region).
void gemm_one(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A,
              int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc);

void sgemm_batched(const BatchLayout& batch, bool trans_a, bool trans_b, int64_t M, int64_t N,
                   int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb, float* C,
                   int64_t ldc);

}  // namespace pyfapi
