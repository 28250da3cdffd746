// Portable SGEMM microkernel (x86-64 baseline SSE2, aarch64 NEON, anything with a C++17
// compiler): MR x NR = 6 x 8 written as plain loops over a local accumulator tile that the
// compiler keeps in vector registers (BLIS reference microkernel, Van Zee & van de Geijn 2015).
// Edges: zero-padded packing; the epilogue writes only the m_rem x n_rem valid part.
#include "gemm/pack.h"
#include "gemm/ukernel.h"

namespace pyfapi {
namespace gemm_detail {
namespace {

constexpr int MR = 6;
constexpr int NR = 8;

template <bool PACKED>
void ukernel(int64_t kc, const float* a, int64_t rs_a, int64_t cs_a, const float* b, float* c,
             int64_t ldc, int m_rem, int n_rem, const Epilogue& ep) {
  float acc[MR][NR] = {};
  int64_t off[MR];
  for (int i = 0; i < MR; ++i) off[i] = PACKED ? i : (i < m_rem ? i : m_rem - 1) * rs_a;
  const int64_t astep = PACKED ? MR : cs_a;
  for (int64_t k = 0; k < kc; ++k) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const float ai = a[off[i]];
#pragma GCC unroll 8
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
    }
    a += astep;
    b += NR;
  }
  const bool use_beta = ep.beta != 0.f, relu = ep.act == Act::Relu;
  for (int i = 0; i < m_rem; ++i) {
    float* cr = c + i * ldc;
    for (int j = 0; j < n_rem; ++j) {
      float r = acc[i][j] * ep.alpha;
      if (use_beta) r += ep.beta * cr[j];
      if (ep.bias) r += ep.bias[j];
      if (relu) r = relu_epilogue(r);
      cr[j] = r;
    }
  }
}

}  // namespace

const KernelSet& kernels_generic() {
  static const KernelSet ks{"generic", MR, NR, 96, 256, 4096, &ukernel<true>, &ukernel<false>,
                            &pack_a_impl<MR>, &pack_b_impl<NR>, false};
  return ks;
}

}  // namespace gemm_detail
}  // namespace pyfapi
