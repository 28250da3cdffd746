// AVX512-BF16 kernels of the bfloat16 recurrent products (rnn_bf16.h). Compiled with
// -mavx512bf16 plus the AVX-512 flags (csrc/rnn/sources.cmake, PYFAPI_AVX512BF16_SOURCES); only
// called when rnn_bf16::active() (bf16_active(): CPUID leaf 7.1 EAX bit 5, see
// csrc/common/cpu_features.cpp).
//
// vdpbf16ps acc, a, b: for each float32 lane j, acc[j] += a.bf16[2j] * b.bf16[2j] +
// a.bf16[2j + 1] * b.bf16[2j + 1] (Intel SDM vol. 2, VDPBF16PS). A's word (r, p) is broadcast to
// all lanes, B's pair row p supplies 16 columns per zmm.
#include "rnn/rnn_bf16.h"

#ifdef PYFAPI_X86
#include <immintrin.h>

namespace pyfapi {
namespace rnn_bf16 {
namespace {

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Lanes of zmm v (columns 16 v .. 16 v + 15) inside n columns.
inline __mmask16 lanes(int64_t n, int64_t v) {
  const int64_t r = n - 16 * v;
  return r >= 16 ? static_cast<__mmask16>(0xFFFF)
                 : r <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << r) - 1u);
}

// 16 words, word j = bf16(lo[j]) | bf16(hi[j]) << 16 (round to nearest even).
inline __m512i pair_words(__m512 lo, __m512 hi) {
  const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                       23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  // cvtne2ps_pbh(a, b): bf16 of b in elements 0..15, of a in elements 16..31
  const __m512bh v = _mm512_cvtne2ps_pbh(hi, lo);
  return _mm512_permutexvar_epi16(idx, reinterpret_cast<const __m512i&>(v));
}

// C tile of RB rows x NV zmm (the last one limited to `last` lanes) (+)= A @ B over kp pairs.
template <int RB, int NV>
inline void tile(int64_t kp, const uint32_t* A, int64_t lda, int64_t ldp, const uint32_t* B,
                 int64_t ldb, float* C, int64_t ldc, bool accumulate, __mmask16 last) {
  __m512 acc[RB][NV];
#pragma GCC unroll 4
  for (int r = 0; r < RB; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      acc[r][v] = accumulate ? _mm512_maskz_loadu_ps(v == NV - 1 ? last : __mmask16(0xFFFF),
                                                     C + r * ldc + 16 * v)
                             : _mm512_setzero_ps();
  for (int64_t p = 0; p < kp; ++p) {
    __m512bh b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __m512i w = _mm512_maskz_loadu_epi32(v == NV - 1 ? last : __mmask16(0xFFFF),
                                                 B + p * ldb + 16 * v);
      b[v] = reinterpret_cast<const __m512bh&>(w);
    }
#pragma GCC unroll 4
    for (int r = 0; r < RB; ++r) {
      const __m512i aw = _mm512_set1_epi32(static_cast<int>(A[r * lda + p * ldp]));
      const __m512bh a = reinterpret_cast<const __m512bh&>(aw);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], a, b[v]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < RB; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      _mm512_mask_storeu_ps(C + r * ldc + 16 * v, v == NV - 1 ? last : __mmask16(0xFFFF),
                            acc[r][v]);
}

template <int RB>
void tile_rows(int64_t kp, int64_t N, const uint32_t* A, int64_t lda, int64_t ldp,
               const uint32_t* B, int64_t ldb, float* C, int64_t ldc, bool accumulate) {
  for (int64_t j = 0; j < N; j += 64) {
    const int64_t n = min64(64, N - j);
    const int64_t nv = (n + 15) / 16;
    const __mmask16 last = lanes(n, nv - 1);
    switch (nv) {
      case 4: tile<RB, 4>(kp, A, lda, ldp, B + j, ldb, C + j, ldc, accumulate, last); break;
      case 3: tile<RB, 3>(kp, A, lda, ldp, B + j, ldb, C + j, ldc, accumulate, last); break;
      case 2: tile<RB, 2>(kp, A, lda, ldp, B + j, ldb, C + j, ldc, accumulate, last); break;
      default: tile<RB, 1>(kp, A, lda, ldp, B + j, ldb, C + j, ldc, accumulate, last); break;
    }
  }
}

}  // namespace

void pack_into(int64_t nblocks, int64_t kb, int64_t N, const float* B, int64_t ldb, int64_t ld,
               uint32_t* out) {
  const int64_t kbp = pairs(kb);
  const int64_t nvec = (ld + 15) / 16;
  for (int64_t b = 0; b < nblocks; ++b)
    for (int64_t p = 0; p < kbp; ++p) {
      const float* r0 = B + (b * kb + 2 * p) * ldb;
      const bool has_hi = 2 * p + 1 < kb;
      uint32_t* dst = out + (b * kbp + p) * ld;
      for (int64_t v = 0; v < nvec; ++v) {
        const __mmask16 m = lanes(N, v);
        const __m512 lo = _mm512_maskz_loadu_ps(m, r0 + 16 * v);
        const __m512 hi = has_hi ? _mm512_maskz_loadu_ps(m, r0 + ldb + 16 * v) : _mm512_setzero_ps();
        _mm512_mask_storeu_epi32(dst + 16 * v, lanes(ld, v), pair_words(lo, hi));
      }
    }
}

void round_rows(int64_t rows, int64_t nb, int64_t kb, const float* A, int64_t lda, const float* m,
                int64_t ldm, uint32_t* dst, int64_t ldd) {
  // An even kb needs no padding: the nb blocks are one block of nb * kb.
  const int64_t len = kb % 2 == 0 ? nb * kb : kb;
  const int64_t nblk = kb % 2 == 0 ? 1 : nb;
  const int64_t lenp = pairs(len);
  for (int64_t b = 0; b < nblk; ++b)
    // 32 elements (16 words) at a time; elements past len load as zero (the pad of an odd kb).
    for (int64_t i = 0; i < len; i += 32) {
      const __mmask16 mlo = lanes(len - i, 0), mhi = lanes(len - i, 1);
      const __mmask16 mst = lanes(min64(16, pairs(len - i)), 0);
      const float* a = A + b * len + i;
      const float* mr = m ? m + b * len + i : nullptr;
      uint32_t* d = dst + b * lenp + i / 2;
      for (int64_t r = 0; r < rows; ++r) {
        __m512 lo = _mm512_maskz_loadu_ps(mlo, a + r * lda);
        __m512 hi = _mm512_maskz_loadu_ps(mhi, a + r * lda + 16);
        if (mr) {
          lo = _mm512_mul_ps(lo, _mm512_maskz_loadu_ps(mlo, mr + r * ldm));
          hi = _mm512_mul_ps(hi, _mm512_maskz_loadu_ps(mhi, mr + r * ldm + 16));
        }
        // cvtne2ps_pbh(hi, lo): elements 0..15 from lo, 16..31 from hi: word w holds elements
        // (2w, 2w + 1), the natural order of the pairs.
        const __m512bh v = _mm512_cvtne2ps_pbh(hi, lo);
        _mm512_mask_storeu_epi32(d + r * ldd, mst, reinterpret_cast<const __m512i&>(v));
      }
    }
}

void matmul(int64_t rows, int64_t kp, int64_t N, const uint32_t* A, int64_t lda,
            const uint32_t* B, int64_t ldb, float* C, int64_t ldc, bool accumulate,
            int64_t ldp) {
  if (rows <= 0 || N <= 0) return;
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4)
    tile_rows<4>(kp, N, A + r * lda, lda, ldp, B, ldb, C + r * ldc, ldc, accumulate);
  switch (rows - r) {
    case 3: tile_rows<3>(kp, N, A + r * lda, lda, ldp, B, ldb, C + r * ldc, ldc, accumulate); break;
    case 2: tile_rows<2>(kp, N, A + r * lda, lda, ldp, B, ldb, C + r * ldc, ldc, accumulate); break;
    case 1: tile_rows<1>(kp, N, A + r * lda, lda, ldp, B, ldb, C + r * ldc, ldc, accumulate); break;
    default: break;
  }
}

void tn(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda, const float* m,
        int64_t ldm, const float* B, int64_t ldb, float* C, int64_t ldc, uint32_t* scratch) {
  if (rows <= 0 || K <= 0 || N <= 0) return;
  const int64_t rp = pairs(rows);
  const int64_t ldn = (N + 15) / 16 * 16;
  // A^T as the left operand of matmul with its pairs p-major: word (k, p) = (A[2p][k],
  // A[2p + 1][k]) at At[p * ldk + k] (pair stride ldk), so rows 2p, 2p + 1 pack with plain
  // vector stores; B^T's pairs as pack_into's: word (p, j) = (B[2p][j], B[2p + 1][j]).
  const int64_t ldk = (K + 15) / 16 * 16;
  uint32_t* At = scratch;             // rp x ldk
  uint32_t* Bw = scratch + rp * ldk;  // rp x ldn
  for (int64_t p = 0; p < rp; ++p) {
    const float* a0 = A + 2 * p * lda;
    const float* m0 = m ? m + 2 * p * ldm : nullptr;
    const bool has_hi = 2 * p + 1 < rows;
    for (int64_t v = 0; v * 16 < K; ++v) {
      const __mmask16 mk = lanes(K, v);
      __m512 lo = _mm512_maskz_loadu_ps(mk, a0 + 16 * v);
      __m512 hi = has_hi ? _mm512_maskz_loadu_ps(mk, a0 + lda + 16 * v) : _mm512_setzero_ps();
      if (m0) {
        lo = _mm512_mul_ps(lo, _mm512_maskz_loadu_ps(mk, m0 + 16 * v));
        if (has_hi) hi = _mm512_mul_ps(hi, _mm512_maskz_loadu_ps(mk, m0 + ldm + 16 * v));
      }
      _mm512_storeu_si512(At + p * ldk + 16 * v, pair_words(lo, hi));
    }
  }
  pack_into(1, rows, N, B, ldb, ldn, Bw);
  matmul(K, rp, N, At, 1, Bw, ldn, C, ldc, true, ldk);
}

}  // namespace rnn_bf16
}  // namespace pyfapi

#else  // not x86: never called (active() is false)
#include <stdexcept>

namespace pyfapi {
namespace rnn_bf16 {
[[noreturn]] static void unavailable() {
  throw std::logic_error("rnn_bf16: bfloat16 recurrences need an x86-64 build");
}
void pack_into(int64_t, int64_t, int64_t, const float*, int64_t, int64_t, uint32_t*) {
  unavailable();
}
void round_rows(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t,
                uint32_t*, int64_t) {
  unavailable();
}
void matmul(int64_t, int64_t, int64_t, const uint32_t*, int64_t, const uint32_t*, int64_t, float*,
            int64_t, bool, int64_t) {
  unavailable();
}
void tn(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, const float*,
        int64_t, float*, int64_t, uint32_t*) {
  unavailable();
}
}  // namespace rnn_bf16
}  // namespace pyfapi
#endif
