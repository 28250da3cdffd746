// Packed SGEMM driver: the five loops of BLIS around a register-blocked microkernel
// (F. G. Van Zee and R. A. van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS
// Functionality", ACM TOMS 41(3), 2015, Fig. 2; multithreading after T. M. Smith et al.,
// "Anatomy of High-Performance Many-Threaded Matrix Multiplication", IPDPS 2014):
//
//   for jc in N step NC:                      loop 5
//     for pc in K step KC:                    loop 4   pack op(B)[pc:+KC, jc:+NC] -> B~ (L3)
//       for ic in M step MC:                  loop 3   pack op(A)[ic:+MC, pc:+KC] -> A~ (L2)
//         for jr in NC step NR:               loop 2   B~ micro-panel KC x NR stays in L1
//           for ir in MC step MR:             loop 1
//             microkernel: C[ir:+MR, jr:+NR] (+)= A~ micro-panel * B~ micro-panel, epilogue
//
// The four transpose cases only change how the packing routines read (no transposed copies).
// The epilogue (alpha, beta, bias, relu) is applied when a tile is written: the first KC block
// uses the caller's beta (beta == 0 never reads C), later blocks accumulate (beta = 1), and the
// bias and activation are applied with the last KC block.
//
// Threads: one OpenMP region per call. All threads pack B~ together (split by micro-panels),
// then split loop 3 (row ranges, each thread packing its own A~ into its own L2) or, when M is
// small, loop 2 (column micro-panels). Blocking never depends on the thread count and every C
// element is the same FMA chain in the same k order, so 1- and N-thread results are bitwise equal.
//
// Small-matrix path: when M*N*K is small or N spans few micro-panels, A is not packed and the
// microkernel reads op(A) in place (packing A would cost about as much as the multiply).
#include "gemm/gemm.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/cpu_features.h"
#include "common/threads.h"
#include "gemm/ukernel.h"

namespace pyfapi {
namespace gemm_detail {
namespace {

const KernelSet& select_kernels() {
#ifdef PYFAPI_X86
  switch (active_isa()) {
    case Isa::Avx512: return kernels_avx512();
    case Isa::Avx2: return kernels_avx2();
    default: break;
  }
#endif
  return kernels_generic();
}

// Grow-only, 64-byte aligned scratch owned by the calling thread (freed when it exits). Reused
// across calls so the packing buffers are not page-faulted in on every call.
class Scratch {
 public:
  ~Scratch() { std::free(p_); }
  float* get(size_t n) {
    if (n > n_) {
      std::free(p_);
      p_ = nullptr;
      n_ = 0;
      size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      p_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!p_) throw std::bad_alloc();
      n_ = n;
    }
    return p_;
  }

 private:
  float* p_ = nullptr;
  size_t n_ = 0;
};

float* scratch(size_t n) {
  thread_local Scratch s;
  return s.get(n);
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// K == 0 or alpha == 0: C = act(beta * C + bias), A and B are not read.
void scale_only(int64_t M, int64_t N, float beta, float* C, int64_t ldc, const float* bias,
                Act act) {
  int nt = threads_for(M * N, 1 << 16);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    for (int64_t j = 0; j < N; ++j) {
      float v = beta != 0.f ? beta * c[j] : 0.f;
      if (bias) v += bias[j];
      if (act == Act::Relu) v = v > 0.f ? v : 0.f;
      c[j] = v;
    }
  }
}

struct Problem {
  bool ta, tb;
  int64_t M, N, K;
  float alpha, beta;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float* C;
  int64_t ldc;
  const float* bias;
  Act act;
  // op(A)(i, k) and op(B)(k, j) addresses
  const float* a_at(int64_t i, int64_t k) const { return ta ? A + k * lda + i : A + i * lda + k; }
  const float* b_at(int64_t k, int64_t j) const { return tb ? B + j * ldb + k : B + k * ldb + j; }
};

// Tuning knobs read once from PYFAPI_GEMM_TUNE="mc,kc,nc" (development only; 0 keeps the
// KernelSet default). The blocking is fixed per process, never per thread count.
struct Tune {
  int mc = 0, kc = 0, nc = 0, pack_a = -1;
};
const Tune& tune() {
  static const Tune t = [] {
    Tune r;
    if (const char* s = std::getenv("PYFAPI_GEMM_TUNE"))
      std::sscanf(s, "%d,%d,%d,%d", &r.mc, &r.kc, &r.nc, &r.pack_a);
    return r;
  }();
  return t;
}

struct Work {
  const KernelSet* ks;
  const Problem* P;
  int64_t MR, NR, MC, KC, NC;
  bool pack_a;
  float* bbuf;
  float* abuf0;
  int64_t a_size, rs_a, cs_a, tiles_m;
};

// The loops of one thread `tid` of `nt` (called inside the parallel region, or directly).
void worker(const Work& W, int tid, int nt) {
  const KernelSet& ks = *W.ks;
  const Problem& P = *W.P;
  const int64_t MR = W.MR, NR = W.NR, MC = W.MC, KC = W.KC, NC = W.NC;
  const int64_t M = P.M, N = P.N, K = P.K, tiles_m = W.tiles_m;
  const bool pack_a = W.pack_a;
  float* const bbuf = W.bbuf;
  float* const abuf = W.abuf0 + W.a_size * tid;
  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nc = std::min(NC, N - jc);
    const int64_t np = ceil_div(nc, NR);
    // Split loop 3 (rows) or loop 2 (column micro-panels), whichever balances better.
    const bool split_m = ceil_div(tiles_m, nt) * np <= tiles_m * ceil_div(np, nt);
    int64_t m0 = 0, m1 = M, p0 = 0, p1 = np;
    if (split_m) {
      m0 = std::min(M, tiles_m * tid / nt * MR);
      m1 = std::min(M, tiles_m * (tid + 1) / nt * MR);
    } else {
      p0 = np * tid / nt;
      p1 = np * (tid + 1) / nt;
    }
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      const bool first = pc == 0, last = pc + kc == K;
      for (int64_t p = np * tid / nt; p < np * (tid + 1) / nt; ++p)
        ks.pack_b(P.tb, kc, std::min(NR, nc - p * NR), P.b_at(pc, jc + p * NR), P.ldb,
                  bbuf + p * NR * kc);
      if (nt > 1) {
#pragma omp barrier
      }
      for (int64_t ic = m0; ic < m1; ic += MC) {
        const int64_t mc = std::min(MC, m1 - ic);
        if (pack_a) ks.pack_a(P.ta, mc, kc, P.a_at(ic, pc), P.lda, abuf);
        for (int64_t p = p0; p < p1; ++p) {
          const int64_t j = jc + p * NR;
          const int n_rem = static_cast<int>(std::min(NR, N - j));
          const float* bp = bbuf + p * NR * kc;
          const Epilogue ep{P.alpha, first ? P.beta : 1.f,
                            last && P.bias ? P.bias + j : nullptr, last ? P.act : Act::None};
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int m_rem = static_cast<int>(std::min(MR, mc - ir));
            float* c = P.C + (ic + ir) * P.ldc + j;
            if (pack_a)
              ks.packed(kc, abuf + ir * kc, 1, MR, bp, c, P.ldc, m_rem, n_rem, ep);
            else
              ks.strided(kc, P.a_at(ic + ir, pc), W.rs_a, W.cs_a, bp, c, P.ldc, m_rem, n_rem, ep);
          }
        }
      }
      if (nt > 1) {
#pragma omp barrier
      }
    }
  }
}

void run(const KernelSet& ks, const Problem& P) {
  const Tune& tn = tune();
  const int64_t MR = ks.mr, NR = ks.nr;
  const int64_t MC = tn.mc > 0 ? round_up(tn.mc, MR) : ks.mc;
  const int64_t KC = tn.kc > 0 ? tn.kc : ks.kc;
  const int64_t NC = tn.nc > 0 ? round_up(tn.nc, NR) : ks.nc;
  const int64_t M = P.M, N = P.N, K = P.K;

  // Small-matrix path: A is used by few micro-panels of B, or the whole product is tiny.
  const int64_t n_panels_total = ceil_div(N, NR);
  bool pack_a = !(M * N * K <= (int64_t(1) << 18) || n_panels_total <= 2);
  if (tn.pack_a >= 0) pack_a = tn.pack_a != 0;

  const int nt = threads_for(M * N * K, int64_t(1) << 18);

  const int64_t kc_max = std::min(KC, K);
  const int64_t nc_max = std::min(NC, round_up(N, NR));
  const int64_t b_size = round_up(nc_max * kc_max, 16);
  const int64_t a_size = pack_a ? round_up(std::min(MC, round_up(M, MR)) * kc_max, 16) : 0;
  float* const bbuf = scratch(static_cast<size_t>(b_size + a_size * nt));
  float* const abuf0 = bbuf + b_size;

  const int64_t rs_a = P.ta ? 1 : P.lda, cs_a = P.ta ? P.lda : 1;
  const int64_t tiles_m = ceil_div(M, MR);

  const Work W{&ks, &P, MR, NR, MC, KC, NC, pack_a, bbuf, abuf0, a_size, rs_a, cs_a, tiles_m};
  if (nt == 1) {
    worker(W, 0, 1);
    return;
  }
#pragma omp parallel num_threads(nt)
  {
#ifdef PYFAPI_OPENMP
    worker(W, omp_get_thread_num(), nt);
#endif
  }
}

}  // namespace
}  // namespace gemm_detail

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc, const float* bias, Act act) {
  using namespace gemm_detail;
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.f) {
    scale_only(M, N, beta, C, ldc, bias, act);
    return;
  }
  const Problem P{trans_a, trans_b, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, bias, act};
  run(select_kernels(), P);
}

}  // namespace pyfapi
