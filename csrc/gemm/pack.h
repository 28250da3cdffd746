// Packing of op(A) and op(B) into the micro-panel layouts of ukernel.h (BLIS, Van Zee & van de
// Geijn 2015, section 3: packing makes the microkernel's reads unit-stride and cache resident,
// and zero padding to MR / NR lets edge tiles run the full-size microkernel).
//
// Included by each ukernel_<isa>.cpp and instantiated there with that file's MR / NR, so the
// loops are vectorised with that file's flags. Everything is in an unnamed namespace: each
// translation unit gets its own copy, so no AVX-512 instantiation can be picked by the linker
// for a generic caller (one-definition-rule hazard of per-file -m flags).
#pragma once
#include <cstdint>
#include <cstring>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace pyfapi {
namespace gemm_detail {
namespace {

// The four transpose cases reduce to two kinds of copy per operand: a "contiguous" one (each k
// step of a micro-panel is a contiguous run of the source) and a "transposing" one.

// dst[k * W + j] = src[k * ld + j] for j < w, zero for w <= j < W.
template <int W>
inline void pack_rows(int64_t kc, int w, const float* src, int64_t ld, float* dst) {
  if (w == W) {
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * ld;
      float* d = dst + k * W;
#pragma GCC ivdep
      for (int j = 0; j < W; ++j) d[j] = s[j];
    }
  } else {
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * ld;
      float* d = dst + k * W;
      for (int j = 0; j < w; ++j) d[j] = s[j];
      for (int j = w; j < W; ++j) d[j] = 0.f;
    }
  }
}

// dst[k * W + j] = src[j * ld + k] for j < w, zero for w <= j < W (a transposing copy, done in
// k-chunks of 8 so each source row is read in cache-line sized runs).
template <int W>
inline void pack_cols(int64_t kc, int w, const float* src, int64_t ld, float* dst) {
  constexpr int KB = 8;
  int64_t k0 = 0;
#if defined(__SSE__)
  if (W % 4 == 0 && w == W) {  // 4 x 4 register transposes (SSE, any x86-64 path)
    for (; k0 + 4 <= kc; k0 += 4) {
      float* d = dst + k0 * W;
      for (int j = 0; j < W; j += 4) {
        const float* s = src + j * ld + k0;
        __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + ld);
        __m128 r2 = _mm_loadu_ps(s + 2 * ld), r3 = _mm_loadu_ps(s + 3 * ld);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        _mm_storeu_ps(d + j, r0);
        _mm_storeu_ps(d + W + j, r1);
        _mm_storeu_ps(d + 2 * W + j, r2);
        _mm_storeu_ps(d + 3 * W + j, r3);
      }
    }
  }
#endif
  if (w == W) {
    for (; k0 + KB <= kc; k0 += KB) {
      float* d = dst + k0 * W;
      for (int j = 0; j < W; ++j) {
        const float* s = src + j * ld + k0;
#pragma GCC unroll 8
        for (int kk = 0; kk < KB; ++kk) d[kk * W + j] = s[kk];
      }
    }
  }
  for (; k0 < kc; ++k0) {
    float* d = dst + k0 * W;
    for (int j = 0; j < w; ++j) d[j] = src[j * ld + k0];
    for (int j = w; j < W; ++j) d[j] = 0.f;
  }
}

template <int MR>
void pack_a_impl(bool trans, int64_t mc, int64_t kc, const float* a, int64_t lda, float* dst) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR) {
    int w = static_cast<int>(mc - i0 < MR ? mc - i0 : MR);
    float* d = dst + (i0 / MR) * MR * kc;
    if (trans) pack_rows<MR>(kc, w, a + i0, lda, d);         // op(A)(i, k) = a[k * lda + i]
    else pack_cols<MR>(kc, w, a + i0 * lda, lda, d);         // op(A)(i, k) = a[i * lda + k]
  }
}

template <int NR>
void pack_b_impl(bool trans, int64_t kc, int64_t nc, const float* b, int64_t ldb, float* dst) {
  const int64_t full = nc / NR;
  if (!trans && full > 1) {  // row by row: each source row is read once, sequentially
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = b + k * ldb;
      float* d = dst + k * NR;
      for (int64_t p = 0; p < full; ++p) {
#pragma GCC ivdep
        for (int j = 0; j < NR; ++j) d[p * NR * kc + j] = s[p * NR + j];
      }
    }
    if (full * NR < nc)
      pack_rows<NR>(kc, static_cast<int>(nc - full * NR), b + full * NR, ldb,
                    dst + full * NR * kc);
    return;
  }
  for (int64_t j0 = 0; j0 < nc; j0 += NR) {
    int w = static_cast<int>(nc - j0 < NR ? nc - j0 : NR);
    float* d = dst + (j0 / NR) * NR * kc;
    if (trans) pack_cols<NR>(kc, w, b + j0 * ldb, ldb, d);   // op(B)(k, j) = b[j * ldb + k]
    else pack_rows<NR>(kc, w, b + j0, ldb, d);               // op(B)(k, j) = b[k * ldb + j]
  }
}

}  // namespace
}  // namespace gemm_detail
}  // namespace pyfapi
