// AVX512-BF16 GEMM microkernel: bfloat16 products, float32 accumulation (vdpbf16ps).
//
// vdpbf16ps acc, a, b computes, for each of the 16 float32 lanes j of a zmm,
//   acc[j] += a.bf16[2j] * b.bf16[2j] + a.bf16[2j + 1] * b.bf16[2j + 1]
// (Intel SDM vol. 2, VDPBF16PS: products exact in float32, round to nearest even, denormals
// flushed), so K is consumed in PAIRS: the packed panels hold 32-bit words of two bfloat16,
// (k = 2q, k = 2q + 1) in the low / high half:
//   B~ micro-panel: word (q, j) at b[q * NR + j]    (NR = 32 columns: 2 zmm per k-pair)
//   A~ micro-panel: word (i, q) at a[q * MR + i]    (broadcast to all lanes: one vpbroadcastd)
// An odd K is padded with a zero bfloat16. Rounding float32 -> bfloat16 happens while packing
// (vcvtne2ps2bf16, round to nearest even, NaN kept NaN), once per element per block.
//
// MR x NR = 12 x 32 (24 zmm accumulators), the register blocking of the float32 AVX-512 kernel
// (ukernel_avx512.cpp) with twice the multiply-adds per instruction. The panels use the float32
// driver's buffers and offsets unchanged (gemm.cpp): a bfloat16 panel of kc rows takes
// ceil(kc / 2) * 4 bytes per column, at most the 4 * kc bytes of the float32 one; KC is even, so
// k-pairs never straddle two KC blocks.
//
// Compiled with -mavx512bf16 (plus the AVX-512 flags; csrc/gemm/sources.cmake); only called when
// pyfapi::bf16_active() (CPUID leaf 7.1 EAX bit 5, see csrc/common/cpu_features.cpp).
#include <immintrin.h>

#include <cstdint>

#include "gemm/tile_avx512.h"
#include "gemm/ukernel.h"

namespace pyfapi {
namespace gemm_detail {
namespace {

constexpr int MR = 12;
constexpr int NV = 2;  // zmm vectors per tile row
constexpr int NR = 16 * NV;

// 16 words, lane j = bf16(lo[j]) | bf16(hi[j]) << 16.
inline __m512i pair_words(__m512 lo, __m512 hi) {
  const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                       23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  // cvtne2ps_pbh(a, b): bf16 of b in words 0..15, of a in words 16..31
  const __m512bh v = _mm512_cvtne2ps_pbh(hi, lo);
  return _mm512_permutexvar_epi16(idx, reinterpret_cast<const __m512i&>(v));
}

// Source element (k, j) at src[k * ld + j] (k-major rows): dst word (q, j) at dst[q * W + j],
// j < w taken from the source, w <= j < W zero.
template <int W>
void pack_kmajor(int64_t kc, int w, const float* src, int64_t ld, uint32_t* dst) {
  constexpr int V = (W + 15) / 16;
  __mmask16 mask[V];
  for (int v = 0; v < V; ++v) mask[v] = lane_mask(w, v);
  const __mmask16 store_last = lane_mask(W, V - 1);
  const int64_t kp = (kc + 1) / 2;
  for (int64_t q = 0; q < kp; ++q) {
    const float* r0 = src + 2 * q * ld;
    const float* r1 = r0 + ld;
    const bool odd_tail = 2 * q + 1 >= kc;
    for (int v = 0; v < V; ++v) {
      const __m512 lo = _mm512_maskz_loadu_ps(mask[v], r0 + 16 * v);
      const __m512 hi = odd_tail ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mask[v], r1 + 16 * v);
      const __m512i words = pair_words(lo, hi);
      if (v < V - 1 || W % 16 == 0)
        _mm512_storeu_si512(dst + q * W + 16 * v, words);
      else
        _mm512_mask_storeu_epi32(dst + q * W + 16 * v, store_last, words);
    }
  }
}

// In-register transpose of a 16 x 16 matrix of 32-bit words: r[i] word j -> r[j] word i
// (unpack 32 / 64-bit pairs inside each 128-bit lane, then two rounds of 128-bit lane shuffles).
inline void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // u[4i + c], 128-bit lane L: column 4L + c of rows 4i .. 4i + 3
  __m512i u[16];
  for (int i = 0; i < 4; ++i) {
    u[4 * i + 0] = _mm512_unpacklo_epi64(t[4 * i + 0], t[4 * i + 2]);
    u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i + 0], t[4 * i + 2]);
    u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  for (int c = 0; c < 4; ++c) {
    const __m512i s0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44);
    const __m512i s1 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xEE);
    const __m512i s2 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44);
    const __m512i s3 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xEE);
    r[0 + c] = _mm512_shuffle_i32x4(s0, s2, 0x88);
    r[4 + c] = _mm512_shuffle_i32x4(s0, s2, 0xDD);
    r[8 + c] = _mm512_shuffle_i32x4(s1, s3, 0x88);
    r[12 + c] = _mm512_shuffle_i32x4(s1, s3, 0xDD);
  }
}

// Source element (k, j) at src[j * ld + k] (each j a contiguous run of k): dst word (q, j) at
// dst[q * W + j], j < w from the source, w <= j < W zero. Groups of 16 j: each row's 32 k
// become 16 words (one zmm), the 16 x 16 word block is transposed in registers and stored as
// 16 rows of dst (no scalar stores).
template <int W>
void pack_jmajor(int64_t kc, int w, const float* src, int64_t ld, uint32_t* dst) {
  const int64_t kp = (kc + 1) / 2;
  for (int j0 = 0; j0 < W; j0 += 16) {
    const int jn = W - j0 < 16 ? W - j0 : 16;  // lanes of dst this group writes
    const __mmask16 store = jn == 16 ? static_cast<__mmask16>(0xFFFF)
                                     : static_cast<__mmask16>((1u << jn) - 1u);
    for (int64_t k0 = 0; k0 < kc; k0 += 32) {
      const int64_t left = kc - k0;
      const __mmask16 m0 = left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1u);
      const __mmask16 m1 = left >= 32 ? 0xFFFF
                           : left <= 16 ? 0 : static_cast<__mmask16>((1u << (left - 16)) - 1u);
      __m512i r[16];
      for (int jj = 0; jj < 16; ++jj) {
        const int j = j0 + jj;
        if (j < w) {
          const float* s = src + j * ld + k0;
          const __m512 x0 = _mm512_maskz_loadu_ps(m0, s);
          const __m512 x1 = _mm512_maskz_loadu_ps(m1, s + 16);
          const __m512bh v = _mm512_cvtne2ps_pbh(x1, x0);  // bf16 in k order: words = k-pairs
          r[jj] = reinterpret_cast<const __m512i&>(v);
        } else {
          r[jj] = _mm512_setzero_si512();
        }
      }
      transpose16(r);  // r[q]: words of rows j0 .. j0 + 15 at k-pair k0 / 2 + q
      const int64_t q0 = k0 / 2;
      const int64_t nq = kp - q0 < 16 ? kp - q0 : 16;
      for (int64_t q = 0; q < nq; ++q)
        _mm512_mask_storeu_epi32(dst + (q0 + q) * W + j0, store, r[q]);
    }
  }
}

void pack_a_bf16(bool trans, int64_t mc, int64_t kc, const float* a, int64_t lda, float* dst) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR) {
    const int w = static_cast<int>(mc - i0 < MR ? mc - i0 : MR);
    auto* d = reinterpret_cast<uint32_t*>(dst + (i0 / MR) * MR * kc);
    if (trans) pack_kmajor<MR>(kc, w, a + i0, lda, d);        // op(A)(i, k) = a[k * lda + i]
    else pack_jmajor<MR>(kc, w, a + i0 * lda, lda, d);        // op(A)(i, k) = a[i * lda + k]
  }
}

void pack_b_bf16(bool trans, int64_t kc, int64_t nc, const float* b, int64_t ldb, float* dst) {
  for (int64_t j0 = 0; j0 < nc; j0 += NR) {
    const int w = static_cast<int>(nc - j0 < NR ? nc - j0 : NR);
    auto* d = reinterpret_cast<uint32_t*>(dst + (j0 / NR) * NR * kc);
    if (trans) pack_jmajor<NR>(kc, w, b + j0 * ldb, ldb, d);  // op(B)(k, j) = b[j * ldb + k]
    else pack_kmajor<NR>(kc, w, b + j0, ldb, d);              // op(B)(k, j) = b[k * ldb + j]
  }
}

template <int ROWS>
void tile(int64_t kc, const uint32_t* a, const uint32_t* b, float* c, int64_t ldc, int m_rem,
          int n_rem, const Epilogue& ep) {
  __m512 acc[ROWS][NV];
  start_tile(acc, c, ldc);
  const int64_t kp = (kc + 1) / 2;
#pragma GCC unroll 4
  for (int64_t q = 0; q < kp; ++q) {
    __m512bh bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __m512i w = _mm512_load_si512(b + 16 * v);
      bv[v] = reinterpret_cast<const __m512bh&>(w);
    }
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; ++i) {
      const __m512i aw = _mm512_set1_epi32(static_cast<int>(a[i]));
      const __m512bh ai = reinterpret_cast<const __m512bh&>(aw);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_dpbf16_ps(acc[i][v], ai, bv[v]);
    }
    a += MR;
    b += NR;
  }

  store_tile(acc, c, ldc, m_rem, n_rem, ep);
}

// Packed A only (rs_a = 1, cs_a = MR are implied by the packing).
void ukernel(int64_t kc, const float* a, int64_t, int64_t, const float* b, float* c, int64_t ldc,
             int m_rem, int n_rem, const Epilogue& ep) {
  const auto* aw = reinterpret_cast<const uint32_t*>(a);
  const auto* bw = reinterpret_cast<const uint32_t*>(b);
  if (m_rem > 8) tile<MR>(kc, aw, bw, c, ldc, m_rem, n_rem, ep);
  else if (m_rem > 4) tile<8>(kc, aw, bw, c, ldc, m_rem, n_rem, ep);
  else tile<4>(kc, aw, bw, c, ldc, m_rem, n_rem, ep);
}

}  // namespace

const KernelSet& kernels_avx512_bf16() {
  // Zen 4 (32 KB L1d, 1 MB L2): a KC x NR micro-panel of B~ in bfloat16 is 32 KB at KC = 512
  // (L1), MC x KC of A~ is 384 KB (L2). KC must be even (k-pairs).
  static const KernelSet ks{"avx512_bf16", MR, NR, 384, 512, 4096, &ukernel, nullptr,
                            &pack_a_bf16, &pack_b_bf16, false};
  return ks;
}

}  // namespace gemm_detail
}  // namespace pyfapi
