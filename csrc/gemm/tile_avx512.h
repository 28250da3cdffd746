// The parts of an AVX-512 microkernel that do not depend on how the products are formed: the
// column masks of an edge tile, the prefetch of the C tile and the epilogue that writes it.
// Shared by the float32 (ukernel_avx512.cpp) and the bfloat16 (ukernel_avx512_bf16.cpp)
// microkernels, whose accumulators are the same ROWS x NV zmm of float32 (C tile of ROWS x
// 16 * NV floats).
//
// Included only by files compiled with the AVX-512 flags; everything is in an unnamed namespace
// so each translation unit gets its own copy (no AVX-512 instantiation can be picked by the
// linker for a caller compiled with other flags, as in pack.h).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "gemm/ukernel.h"

namespace pyfapi {
namespace gemm_detail {
namespace {

// Lanes of zmm v (columns 16 v .. 16 v + 15) that lie inside the n_rem columns of the tile.
inline __mmask16 lane_mask(int n_rem, int v) {
  int r = n_rem - 16 * v;
  return r >= 16 ? static_cast<__mmask16>(0xFFFF)
                 : r <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << r) - 1u);
}

// Zeroes the accumulators and prefetches the ROWS rows of the C tile (16 NV floats each: the
// first and last cache line of each row) into L2 while the k loop runs.
template <int ROWS, int NV>
inline void start_tile(__m512 (&acc)[ROWS][NV], const float* c, int64_t ldc) {
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T1);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * NV - 1), _MM_HINT_T1);
  }
}

// Epilogue while the tile is in registers: C = act(alpha * acc + beta * C + bias) on rows
// [0, m_rem) and columns [0, n_rem) (masked loads and stores: no scalar tail, nothing outside
// the tile touched). beta == 0 never reads C; relu is _mm512_max_ps(0, r), so NaN stays NaN and
// -0 stays -0 (relu_epilogue in gemm.h).
template <int ROWS, int NV>
inline void store_tile(const __m512 (&acc)[ROWS][NV], float* c, int64_t ldc, int m_rem,
                       int n_rem, const Epilogue& ep) {
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) mask[v] = lane_mask(n_rem, v);
  const __m512 valpha = _mm512_set1_ps(ep.alpha), vbeta = _mm512_set1_ps(ep.beta);
  __m512 vbias[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v)
    vbias[v] = ep.bias ? _mm512_maskz_loadu_ps(mask[v], ep.bias + 16 * v) : _mm512_setzero_ps();
  const bool use_beta = ep.beta != 0.f, relu = ep.act == Act::Relu;
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i) {
    if (i >= m_rem) break;
    float* cr = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 r = _mm512_mul_ps(acc[i][v], valpha);
      if (use_beta) r = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mask[v], cr + 16 * v), r);
      if (ep.bias) r = _mm512_add_ps(r, vbias[v]);
      if (relu) r = _mm512_max_ps(zero, r);
      _mm512_mask_storeu_ps(cr + 16 * v, mask[v], r);
    }
  }
}

}  // namespace
}  // namespace gemm_detail
}  // namespace pyfapi
