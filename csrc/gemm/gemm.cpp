// Packed SGEMM driver: the five loops of BLIS around a register-blocked microkernel
// (F. G. Van Zee and R. A. van de Geijn, "BLIS: A Framework for Rapidly Instantiating BLAS
// Functionality", ACM TOMS 41(3), 2015, Fig. 2; multithreading after T. M. Smith et al.,
// "Anatomy of High-Performance Many-Threaded Matrix Multiplication", IPDPS 2014):
//
//   for jc in N step NC:                       loop 5   pack op(B)[0:K, jc:+NC] -> B~ (L3)
//     for each work item (rows x micro-panels, shared counter):
//       for ic in item rows step MC:             loop 3
//         for pc in K step KC:                   loop 4   pack op(A)[ic:+MC, pc:+KC] -> A~ (L2)
//           for jr in item panels step NR:       loop 2   B~ micro-panel KC x NR stays in L1
//             for ir in MC step MR:              loop 1
//               microkernel: C[ir:+MR, jr:+NR] (+)= A~ sliver * B~ micro-panel, epilogue
//
// (loop 4 sits inside loop 3 so that a work item owns its C tile for the whole K; B~ holds all
// of K for the jc block, so the traffic per loop is the same as in the BLIS order.)
// The four transpose cases only change how the packing routines read (no transposed copies).
// The epilogue (alpha, beta, bias, relu) is applied when a tile is written: the first KC block
// uses the caller's beta (beta == 0 never reads C), later blocks accumulate (beta = 1), and the
// bias and activation are applied with the last KC block.
//
// Threads: one OpenMP region per call (none for one thread). All threads pack B~ for the whole
// K of a jc block together (op(B)[0:K, jc:jc+NC], so ONE barrier per jc block), then take work
// items -- a row range x a range of micro-panels, each running all KC blocks in order -- from a
// shared atomic counter, so a thread slowed down by another process does less of the work
// instead of stalling the others. Blocking (MC/KC/NC, the small-matrix switch) never depends on
// the thread count and every C element is the same FMA chain in the same k order, so 1- and
// N-thread results are bitwise equal.
//
// Unpacked-A path (covers small matrices): unless A's row stride aliases in L1 (a multiple of
// 2 KB), op(A) is not packed and the microkernel reads it in place through its row/column
// strides (BLIS's general-stride microkernel interface); only op(B) is packed.
#include "gemm/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/isa_dispatch.h"
#include "common/threads.h"
#include "gemm/ukernel.h"

namespace pyfapi {
namespace gemm_detail {
namespace {

thread_local Precision t_precision = Precision::Float32;

const KernelSet& select_kernels() {
#ifdef PYFAPI_X86
  if (t_precision == Precision::BFloat16 && bf16_active()) return kernels_avx512_bf16();
#endif
  return PYFAPI_ISA_PICK(kernels_generic, kernels_avx2, kernels_avx512)();
}

// Grow-only, 64-byte aligned scratch owned by the calling thread (freed when it exits). Reused
// across calls so the packing buffers are not page-faulted in on every call. Size: B~ (at most
// 8 MB, see kBPanelFloats) plus one A~ block (MC x KC) per thread. Allocated before the
// parallel region, so an allocation failure throws std::bad_alloc (MemoryError in Python).
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
  int nt = threads_for(M * N);
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    for (int64_t j = 0; j < N; ++j) {
      float v = beta != 0.f ? beta * c[j] : 0.f;
      if (bias) v += bias[j];
      if (act == Act::Relu) v = relu_epilogue(v);
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

// Tuning knobs read once from PYFAPI_GEMM_TUNE="mc,kc,nc,pack_a,min_kmacs" (development only,
// used by the blocking and threading experiments; 0 keeps the default, pack_a -1 = automatic,
// 0 = never, 1 = always; min_kmacs: minimum work per thread in thousands of multiply-adds).
// The blocking is fixed per process, never per thread count.
struct Tune {
  int mc = 0, kc = 0, nc = 0, pack_a = -1, min_kmacs = 0;
};
const Tune& tune() {
  static const Tune t = [] {
    Tune r;
    if (const char* s = std::getenv("PYFAPI_GEMM_TUNE"))
      std::sscanf(s, "%d,%d,%d,%d,%d", &r.mc, &r.kc, &r.nc, &r.pack_a, &r.min_kmacs);
    return r;
  }();
  return t;
}

struct Plan {
  const KernelSet* ks;
  const Problem* P;
  int64_t MR, NR, MC, KC, NC;
  bool pack_a;
  float* bbuf;             // B~: op(B)[0:K, jc:jc+NC] packed, KC blocks one after the other
  float* abuf0;            // A~ of thread t at abuf0 + t * a_size
  int64_t a_size;
  int64_t mi, pi;          // work item: mi rows (multiple of MR) x pi micro-panels
  std::atomic<int64_t>* next;  // next work item (dynamic schedule, reset per jc block)
};

// One work item: rows [i0, i0 + mi) x micro-panels [p0, p1) of the current B~ block, all KC
// blocks in order (loop 4 inside loop 3, so the item owns its C tile for the whole K).
void run_item(const Plan& L, int64_t jc, int64_t nc, int64_t i0, int64_t p0, int64_t p1,
              float* abuf) {
  const KernelSet& ks = *L.ks;
  const Problem& P = *L.P;
  const int64_t MR = L.MR, NR = L.NR, KC = L.KC, K = P.K, N = P.N;
  const int64_t np = ceil_div(nc, NR);
  const int64_t rs_a = P.ta ? 1 : P.lda, cs_a = P.ta ? P.lda : 1;
  const int64_t i1 = std::min(P.M, i0 + L.mi);
  for (int64_t ic = i0; ic < i1; ic += L.MC) {                       // loop 3
    const int64_t mc = std::min(L.MC, i1 - ic);
    for (int64_t pc = 0; pc < K; pc += KC) {                         // loop 4
      const int64_t kc = std::min(KC, K - pc);
      const bool first = pc == 0, last = pc + kc == K;
      const float* bblk = L.bbuf + pc * np * NR;
      if (L.pack_a) ks.pack_a(P.ta, mc, kc, P.a_at(ic, pc), P.lda, abuf);
      for (int64_t p = p0; p < p1; ++p) {                            // loop 2
        const int64_t j = jc + p * NR;
        const int n_rem = static_cast<int>(std::min(NR, N - j));
        const float* bp = bblk + p * NR * kc;
        const Epilogue ep{P.alpha, first ? P.beta : 1.f, last && P.bias ? P.bias + j : nullptr,
                          last ? P.act : Act::None};
        for (int64_t ir = 0; ir < mc; ir += MR) {                    // loop 1
          const int m_rem = static_cast<int>(std::min(MR, mc - ir));
          float* c = P.C + (ic + ir) * P.ldc + j;
          if (L.pack_a)
            ks.packed(kc, abuf + ir * kc, 1, MR, bp, c, P.ldc, m_rem, n_rem, ep);
          else
            ks.strided(kc, P.a_at(ic + ir, pc), rs_a, cs_a, bp, c, P.ldc, m_rem, n_rem, ep);
        }
      }
    }
  }
}

// The loops of thread `tid` of `nt` (inside the parallel region, or called directly for 1).
// Per jc block: all threads pack B~ for the whole K (static split), one barrier, then take
// work items from a shared counter (dynamic: a thread slowed down by another process on the
// machine does less work instead of stalling the other one at a barrier).
void worker(const Plan& L, int tid, int nt) {
  const Problem& P = *L.P;
  const KernelSet& ks = *L.ks;
  const int64_t NR = L.NR, KC = L.KC, K = P.K, N = P.N;
  float* const abuf = L.abuf0 + L.a_size * tid;
  for (int64_t jc = 0; jc < N; jc += L.NC) {                         // loop 5
    const int64_t nc = std::min(L.NC, N - jc);
    const int64_t np = ceil_div(nc, NR);
    const int64_t nk = ceil_div(K, KC);
    for (int64_t u = nk * np * tid / nt; u < nk * np * (tid + 1) / nt; ++u) {
      const int64_t pc = (u / np) * KC, p = u % np;
      const int64_t kc = std::min(KC, K - pc);
      ks.pack_b(P.tb, kc, std::min(NR, nc - p * NR), P.b_at(pc, jc + p * NR), P.ldb,
                L.bbuf + pc * np * NR + p * NR * kc);
    }
    const int64_t col_items = ceil_div(np, L.pi);
    const int64_t items = ceil_div(P.M, L.mi) * col_items;
    if (nt > 1) {
      if (tid == 0) L.next->store(0, std::memory_order_relaxed);
#pragma omp barrier
      for (int64_t it = L.next->fetch_add(1, std::memory_order_relaxed); it < items;
           it = L.next->fetch_add(1, std::memory_order_relaxed)) {
        const int64_t p0 = (it % col_items) * L.pi;
        run_item(L, jc, nc, (it / col_items) * L.mi, p0, std::min(np, p0 + L.pi), abuf);
      }
      if (jc + L.NC < N) {
#pragma omp barrier
      }
    } else {
      for (int64_t it = 0; it < items; ++it) {
        const int64_t p0 = (it % col_items) * L.pi;
        run_item(L, jc, nc, (it / col_items) * L.mi, p0, std::min(np, p0 + L.pi), abuf);
      }
    }
  }
}

void run(const KernelSet& ks, const Problem& P) {
  const Tune& tn = tune();
  const int64_t MR = ks.mr, NR = ks.nr;
  const int64_t MC = tn.mc > 0 ? round_up(tn.mc, MR) : ks.mc;
  const int64_t KC = tn.kc > 0 ? tn.kc : ks.kc;
  const int64_t M = P.M, N = P.N, K = P.K;
  // NC: B~ holds op(B)[0:K, jc:jc+NC] (all KC blocks, so threads share it after ONE barrier),
  // capped at kBPanelFloats.
  constexpr int64_t kBPanelFloats = int64_t(2) << 20;  // 8 MB
  int64_t NC = tn.nc > 0 ? round_up(tn.nc, NR) : ks.nc;
  NC = std::max(NR, std::min(NC, kBPanelFloats / std::max<int64_t>(K, 1) / NR * NR));
  const int64_t nc_max = std::min(NC, round_up(N, NR));
  const int64_t np_max = nc_max / NR;

  // A is packed when reading it in place would thrash L1 -- the microkernel walks MR rows of
  // op(A) (or KC rows of a transposed A) at once, and a row stride that is a multiple of 2 KB
  // maps them to one or two of the 64 sets of a 48 KB 12-way L1 -- or when the product is big
  // in N and K (packing is amortised over many micro-panels). Otherwise op(A) is read in place:
  // measured faster on the Zen 4 VM for small matrices and for every DL shape of bench/gemm_cases.py
  // (the MR x KC sliver is re-read from L1/L2; packing would cost a pass over A).
  bool pack_a = M > MR && N > 2 * NR && (P.lda % 512 == 0 || (N >= 768 && K >= 512));
  if (!ks.strided_fast) pack_a = M * N * K > (int64_t(1) << 12);
  if (tn.pack_a >= 0) pack_a = tn.pack_a != 0;
  if (!ks.strided) pack_a = true;  // a kernel set that only reads packed A (bfloat16)

  // Multiply-adds plus the operand/result traffic (16 per element: small-K or skinny products
  // run far below peak), so that each thread gets >= ~10 us (see kMinGemmMacsPerThread).
  const int64_t min_work = tn.min_kmacs > 0 ? int64_t(tn.min_kmacs) * 1000 : kMinGemmMacsPerThread;
  const int nt = threads_for(M * N * K + 16 * (M * N + M * K + K * N), min_work);

  // Work items (their shape never changes results: each item runs whole FMA chains).
  const int64_t tiles_m = ceil_div(M, MR);
  const int64_t want = nt == 1 ? 1 : 4 * nt;
  const int64_t row_chunks = std::min(tiles_m, std::max(ceil_div(tiles_m * MR, MC), want));
  const int64_t mi = ceil_div(tiles_m, row_chunks) * MR;
  const int64_t row_items = ceil_div(M, mi);
  const int64_t col_chunks = row_items < want ? std::min(np_max, ceil_div(want, row_items)) : 1;
  const int64_t pi = ceil_div(np_max, col_chunks);

  const int64_t mc = std::min(MC, mi);
  const int64_t b_size = round_up(nc_max * K, 16);
  const int64_t a_size = pack_a ? round_up(mc * std::min(KC, K), 16) : 0;
  float* const bbuf = scratch(static_cast<size_t>(b_size + a_size * nt));

  std::atomic<int64_t> next{0};
  const Plan L{&ks, &P, MR, NR, mc, KC, NC, pack_a, bbuf, bbuf + b_size, a_size, mi, pi, &next};
  if (nt == 1) {
    worker(L, 0, 1);
    return;
  }
#pragma omp parallel num_threads(nt)
  {
#ifdef PYFAPI_OPENMP
    // The team may be smaller than asked for (OMP_THREAD_LIMIT, OMP_DYNAMIC): split the packing
    // of B by the threads that really run, or part of B~ would never be packed.
    worker(L, omp_get_thread_num(), omp_get_num_threads());
#endif
  }
}

}  // namespace
}  // namespace gemm_detail

Precision gemm_precision() { return gemm_detail::t_precision; }
void set_gemm_precision(Precision p) { gemm_detail::t_precision = p; }
bool bf16_gemm_active() { return bf16_active(); }

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
