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
//
// Precision: gemm_precision() of the CALLING thread. Precision::BFloat16 rounds op(A) and op(B)
// to bfloat16 (round to nearest even) while packing them and multiplies them with float32
// accumulation (vdpbf16ps) when bf16_active() (csrc/common/cpu_features.h); on every other path
// bfloat16 requests run the float32 kernels (more precise, same results as Precision::Float32).
// alpha, beta, bias, the epilogue and C stay float32.
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc, const float* bias = nullptr, Act act = Act::None);

// The precision of the products of sgemm (mixed_bfloat16 layers set BFloat16 around their calls).
enum class Precision : int { Float32 = 0, BFloat16 = 1 };
// Per thread. Kernels that call sgemm from inside their own OpenMP regions capture the caller's
// precision before the region and set it in every worker (GemmPrecisionScope).
Precision gemm_precision();
void set_gemm_precision(Precision p);
// True when a BFloat16 request runs the bfloat16 kernels now (else the float32 fallback).
bool bf16_gemm_active();

// Sets the calling thread's GEMM precision for a scope (restores the old one on exit).
class GemmPrecisionScope {
 public:
  explicit GemmPrecisionScope(Precision p) : old_(gemm_precision()) { set_gemm_precision(p); }
  ~GemmPrecisionScope() { set_gemm_precision(old_); }
  GemmPrecisionScope(const GemmPrecisionScope&) = delete;
  GemmPrecisionScope& operator=(const GemmPrecisionScope&) = delete;

 private:
  Precision old_;
};

}  // namespace pyfapi
