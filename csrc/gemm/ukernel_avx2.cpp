// AVX2+FMA SGEMM microkernel: MR x NR = 6 x 16 (12 ymm accumulators, 2 ymm of B, 1 broadcast),
// the BLIS register-blocked microkernel (Van Zee & van de Geijn 2015, section 4) for row-major C.
// Edges: zero-padded packing plus masked loads/stores (vmaskmovps) for the last columns; no
// scalar tail. Compiled with -mavx2 -mfma; only called when pyfapi::active_isa() >= Isa::Avx2.
#include <immintrin.h>

#include "gemm/pack.h"
#include "gemm/ukernel.h"

namespace pyfapi {
namespace gemm_detail {
namespace {

constexpr int MR = 6;
constexpr int NV = 2;  // ymm vectors per tile row
constexpr int NR = 8 * NV;

inline __m256i lane_mask(int n_rem, int v) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n_rem - 8 * v), idx);
}

template <bool PACKED>
void ukernel(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c,
             int64_t ldc, int m_rem, int n_rem, const Epilogue& ep) {
  __m256 acc[MR][NV];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_ps();

  if (PACKED) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; ++k) {
      __m256 bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = _mm256_load_ps(b + 8 * v);
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        __m256 ai = _mm256_broadcast_ss(a + i);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
      }
      a += MR;
      b += NR;
    }
  } else {
    const float* row[MR];
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) row[i] = a + (i < m_rem ? i : m_rem - 1) * rs_a;
    for (int64_t k = 0; k < kc; ++k) {
      __m256 bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = _mm256_load_ps(b + 8 * v);
#pragma GCC unroll 8
      for (int i = 0; i < MR; ++i) {
        __m256 ai = _mm256_broadcast_ss(row[i] + k * cs_a);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
      }
      b += NR;
    }
  }

  // Epilogue while the tile is in registers: C = act(alpha * acc + beta * C + bias).
  __m256i mask[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) mask[v] = lane_mask(n_rem, v);
  const __m256 valpha = _mm256_set1_ps(ep.alpha), vbeta = _mm256_set1_ps(ep.beta);
  __m256 vbias[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v)
    vbias[v] = ep.bias ? _mm256_maskload_ps(ep.bias + 8 * v, mask[v]) : _mm256_setzero_ps();
  const bool use_beta = ep.beta != 0.f, relu = ep.act == Act::Relu;
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    if (i >= m_rem) break;
    float* cr = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m256 r = _mm256_mul_ps(acc[i][v], valpha);
      if (use_beta) r = _mm256_fmadd_ps(vbeta, _mm256_maskload_ps(cr + 8 * v, mask[v]), r);
      if (ep.bias) r = _mm256_add_ps(r, vbias[v]);
      if (relu) r = _mm256_max_ps(zero, r);  // NaN stays NaN (relu_epilogue)
      _mm256_maskstore_ps(cr + 8 * v, mask[v], r);
    }
  }
}

}  // namespace

const KernelSet& kernels_avx2() {
  // KC x NR of B = 16 KB at KC = 256 in L1; MC x KC of A = 144 KB in L2.
  static const KernelSet ks{"avx2", MR, NR, 144, 256, 4096, &ukernel<true>, &ukernel<false>,
                            &pack_a_impl<MR>, &pack_b_impl<NR>, true};
  return ks;
}

}  // namespace gemm_detail
}  // namespace pyfapi
