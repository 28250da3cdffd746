// Microkernel interface of the packed SGEMM (csrc/gemm/gemm.cpp).
//
// Design: BLIS (F. G. Van Zee and R. A. van de Geijn, "BLIS: A Framework for Rapidly
// Instantiating BLAS Functionality", ACM TOMS 41(3), 2015; and T. M. Smith et al., "Anatomy of
// High-Performance Many-Threaded Matrix Multiplication", IPDPS 2014). Five loops around a
// register-blocked MR x NR microkernel; op(B) is packed into KC x NR micro-panels, op(A) into
// MR x KC micro-panels. Each ISA file (ukernel_generic.cpp, ukernel_avx2.cpp,
// ukernel_avx512.cpp) provides one KernelSet: its MR/NR, its blocking (MC/KC/NC), its packing
// routines and its microkernels. ISA files are compiled with their own flags and only CALLED
// after a run-time check of pyfapi::active_isa().
#pragma once
#include <cstdint>

#include "gemm/gemm.h"

namespace pyfapi {
namespace gemm_detail {

// What the microkernel does with its MR x NR accumulator when it writes the tile:
//   C = act(alpha * acc + beta * C + bias)   (beta == 0: C is not read; bias may be nullptr)
struct Epilogue {
  float alpha;
  float beta;
  const float* bias;  // nullptr, or the bias entry of the tile's first column
  Act act;
};

// One micro-tile: C[0:m_rem, 0:n_rem] (m_rem <= MR, n_rem <= NR) from
//   a: op(A) rows, element (i, k) at a[i * rs_a + k * cs_a]. Packed A: rs_a = 1, cs_a = MR.
//      The strided kernel reads rows i >= m_rem as row m_rem - 1 (never out of bounds).
//   b: a packed, zero-padded micro-panel of op(B), element (k, j) at b[k * NR + j].
// Every element is the FMA chain over k in increasing order, whatever m_rem / n_rem are, so
// results do not depend on where a tile falls (this makes 1- and N-thread results bitwise equal).
using UKernelFn = void (*)(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a, const float* b,
                           float* c, int64_t ldc, int m_rem, int n_rem, const Epilogue& ep);

// Packs an mc x kc block of op(A) (a points at its (0, 0) element; op(A)(i, k) is
// a[i * lda + k], or a[k * lda + i] when trans) into ceil(mc / MR) micro-panels of MR x kc,
// element (i, k) of panel p at dst[p * MR * kc + k * MR + i], rows past mc zero.
using PackAFn = void (*)(bool trans, int64_t mc, int64_t kc, const float* a, int64_t lda,
                         float* dst);
// Packs a kc x nc block of op(B) (op(B)(k, j) is b[k * ldb + j], or b[j * ldb + k] when trans)
// into ceil(nc / NR) micro-panels of kc x NR, element (k, j) of panel p at
// dst[p * NR * kc + k * NR + j], columns past nc zero.
using PackBFn = void (*)(bool trans, int64_t kc, int64_t nc, const float* b, int64_t ldb,
                         float* dst);

struct KernelSet {
  const char* name;
  int mr, nr;          // register tile
  int mc, kc, nc;      // cache blocking: MC x KC block of A in L2, KC x NC panel of B in L3
  UKernelFn packed;    // A packed (rs_a = 1, cs_a = MR)
  UKernelFn strided;   // A read in place (small-matrix path)
  PackAFn pack_a;
  PackBFn pack_b;
  bool strided_fast;   // the strided kernel runs near the packed one's speed (SIMD intrinsics);
                       // false: A is always packed (the portable kernel's strided loads are slow)
};

const KernelSet& kernels_generic();
#ifdef PYFAPI_X86
const KernelSet& kernels_avx2();
const KernelSet& kernels_avx512();
// bfloat16 products (ukernel_avx512_bf16.cpp, -mavx512bf16): packs op(A) / op(B) into bfloat16
// pairs (see that file); the float* buffers and offsets of the driver are reused as they are
// (a bf16 micro-panel takes at most the bytes of the float32 one). strided == nullptr: A is
// always packed.
const KernelSet& kernels_avx512_bf16();
#endif

}  // namespace gemm_detail
}  // namespace pyfapi
