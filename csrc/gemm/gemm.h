// Single-precision GEMM on row-major matrices, the base of Dense, convolution and the LSTM.
#pragma once
#include <cstdint>

namespace pyfapi {

// Epilogue activation applied while the output tile is hot.
enum class Act : int { None = 0, Relu = 1 };

// The one ReLU of every epilogue: v < 0 ? 0 : v. NaN in gives NaN out (as keras.ops.relu,
// np.maximum and PyTorch; a silent 0 would hide a diverged model), and -0 stays -0: exactly
// _mm*_max_ps(zero, v) (maxps returns its second operand when either is NaN or both are zero).
inline float relu_epilogue(float v) { return v < 0.f ? 0.f : v; }

// C = act(alpha * op(A) @ op(B) + beta * C + bias)
//   op(A) is M x K (A is M x K, or K x M when trans_a), op(B) is K x N (B is K x N, or N x K).
//   lda / ldb / ldc: row strides in elements (>= the row length), so row-range views work.
//   bias: nullptr or N floats added to every row. beta == 0 means C is not read (may hold NaN).
//   K == 0 gives act(beta * C + bias). M or N == 0 does nothing.
// Threads: OpenMP with pyfapi::get_num_threads() threads; runs on one thread when called
// inside another parallel region. Touches no Python object (callers release the GIL).
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc, const float* bias = nullptr, Act act = Act::None);

}  // namespace pyfapi
