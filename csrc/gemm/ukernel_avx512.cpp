// AVX-512 SGEMM microkernel: MR x NR = 12 x 32 (24 zmm accumulators, 2 zmm of B, 1 broadcast
// of A per row), the BLIS register-blocked microkernel (Van Zee & van de Geijn 2015, section 4)
// for row-major C: op(B) micro-panel rows are loaded as vectors, op(A) elements are broadcast.
// Edges: A/B are zero-padded by packing; the tile is written through AVX-512 masks, so there is
// no scalar tail. Compiled with -mavx512f/dq/bw/vl (see csrc/gemm/sources.cmake); only called
// when pyfapi::active_isa() == Isa::Avx512.
#include <immintrin.h>

#include "gemm/pack.h"
#include "gemm/tile_avx512.h"
#include "gemm/ukernel.h"

namespace pyfapi {
namespace gemm_detail {
namespace {

constexpr int MR = 12;
constexpr int NV = 2;  // zmm vectors per tile row
constexpr int NR = 16 * NV;

// One k step of ROWS accumulator rows: acc[i] += a_of(i) * (the NR floats at b).
template <int ROWS, typename AOf>
inline void fma_step(__m512 (&acc)[ROWS][NV], const float* b, AOf a_of) {
  __m512 bv[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) bv[v] = _mm512_load_ps(b + 16 * v);
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i) {
    const __m512 ai = _mm512_set1_ps(a_of(i));
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
  }
}

// ROWS (<= MR) accumulator rows: edge tiles of m_rem <= 4 or <= 8 rows run a 4- or 8-row
// kernel instead of the 12-row one (a Dense backward of 64 rows is 5 full tiles plus 4 rows).
// Each C element is the same FMA chain whatever ROWS is, so results do not depend on it.
template <bool PACKED, int ROWS>
void tile(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c,
          int64_t ldc, int m_rem, int n_rem, const Epilogue& ep) {
  __m512 acc[ROWS][NV];
  start_tile(acc, c, ldc);
  if (PACKED) {
#pragma GCC unroll 4
    for (int64_t k = 0; k < kc; ++k) {
      fma_step(acc, b, [a](int i) { return a[i]; });
      a += MR;
      b += NR;
    }
  } else {
    const float* row[ROWS];
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; ++i) row[i] = a + (i < m_rem ? i : m_rem - 1) * rs_a;
    for (int64_t k = 0; k < kc; ++k) {
      const int64_t off = k * cs_a;
      fma_step(acc, b, [&row, off](int i) { return row[i][off]; });
      b += NR;
    }
  }
  store_tile(acc, c, ldc, m_rem, n_rem, ep);
}

template <bool PACKED>
void ukernel(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c,
             int64_t ldc, int m_rem, int n_rem, const Epilogue& ep) {
  if (m_rem > 8)
    tile<PACKED, MR>(kc, a, rs_a, cs_a, b, c, ldc, m_rem, n_rem, ep);
  else if (m_rem > 4)
    tile<PACKED, 8>(kc, a, rs_a, cs_a, b, c, ldc, m_rem, n_rem, ep);
  else
    tile<PACKED, 4>(kc, a, rs_a, cs_a, b, c, ldc, m_rem, n_rem, ep);
}

}  // namespace

const KernelSet& kernels_avx512() {
  // Blocking for AMD Zen 4 (32 KB L1d, 1 MB L2 per core, 32 MB L3): a KC x NR micro-panel of B
  // (32 KB at KC = 256, the size of L1) is reused from L1 while MC x KC of A (384 KB) streams
  // from L2.
  static const KernelSet ks{"avx512", MR, NR, 384, 256, 4096, &ukernel<true>, &ukernel<false>,
                            &pack_a_impl<MR>, &pack_b_impl<NR>, true};
  return ks;
}

}  // namespace gemm_detail
}  // namespace pyfapi
