// Fused multi-head dot-product attention (attention.h).
#include "attention/attention.h"

#include <algorithm>
#include <vector>

#include "common/threads.h"
#include "dropout/dropout.h"
#include "gemm/batched_gemm.h"
#include "gemm/gemm.h"

namespace pyfapi {
namespace {

int attention_threads(const AttentionDims& d) {
  const int64_t entries = d.B * d.NH;
  const int64_t macs = entries * d.T * d.S * (d.H + d.Hv);
  return static_cast<int>(std::min<int64_t>(threads_for(macs, kMinGemmMacsPerThread),
                                            std::max<int64_t>(entries, 1)));
}

// Element offsets of entry i = (batch b, head h) into the [B, T|S, NH, H|Hv] tensors: q / dq (q),
// k / dk (k), v / dv (v) and o / dO (o).
struct EntryOffsets {
  int64_t q, k, v, o;
  EntryOffsets(const AttentionDims& d, int64_t i) {
    const int64_t b = i / d.NH, h = i % d.NH, ldq = d.NH * d.H, ldv = d.NH * d.Hv;
    q = b * d.T * ldq + h * d.H;
    k = b * d.S * ldq + h * d.H;
    v = b * d.S * ldv + h * d.Hv;
    o = b * d.T * ldv + h * d.Hv;
  }
};

// f(i, offsets) for every (batch, head) entry i, split statically over the attention's
// threads, each running the GEMMs in the caller's precision.
template <class F>
void for_each_entry(const AttentionDims& d, F&& f) {
  const int64_t entries = d.B * d.NH;
  const int nt = attention_threads(d);
  const Precision prec = gemm_precision();
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    GemmPrecisionScope scope(prec);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < entries; ++i) f(i, EntryOffsets(d, i));
  }
}

// out = a * b over n floats (the dropout mask applied; out may be a).
void attention_mul(const float* a, const float* b, float* out, int64_t n) {
  for (int64_t e = 0; e < n; ++e) out[e] = a[e] * b[e];
}

float* attention_scratch(int64_t n) {
  thread_local std::vector<float> buf;
  if (static_cast<int64_t>(buf.size()) < n) buf.resize(static_cast<size_t>(n));
  return buf.data();
}

}  // namespace

void attention_forward(const AttentionDims& d, const float* q, const float* k, const float* v,
                       const SoftmaxMask& mask, const AttentionDropout* drop, float* p, float* o) {
  const int64_t entries = d.B * d.NH;
  if (entries <= 0 || d.T <= 0) return;
  const SoftmaxRowsFwd rows = softmax_rows_forward_kernel();
  const int64_t ldq = d.NH * d.H, ldv = d.NH * d.Hv;
  for_each_entry(d, [&](int64_t i, const EntryOffsets& e) {
    const float* qi = q + e.q;
    const float* ki = k + e.k;
    const float* vi = v + e.v;
    float* pi = p + i * d.T * d.S;
    float* oi = o + e.o;
    if (d.S == 0) {
      for (int64_t t = 0; t < d.T; ++t) std::fill(oi + t * ldv, oi + t * ldv + d.Hv, 0.f);
      return;
    }
    gemm_one(false, true, d.T, d.S, d.H, qi, ldq, ki, ldq, pi, d.S);      // q k^T
    rows(pi, i * d.T, (i + 1) * d.T, d.S, mask, pi);                       // softmax, in place
    const float* pv = pi;
    if (drop) {  // P * M in scratch; P stays for the backward
      const int64_t ts = d.T * d.S;
      float* md = attention_scratch(2 * ts);
      dropout_mask_range(md, i * ts, ts, drop->seed, drop->threshold, drop->scale);
      attention_mul(pi, md, md + ts, ts);
      pv = md + ts;
    }
    gemm_one(false, false, d.T, d.Hv, d.S, pv, d.S, vi, ldv, oi, ldv);     // P v
  });
}

void attention_backward(const AttentionDims& d, const float* d_o, const float* q, const float* k,
                        const float* v, const float* p, const SoftmaxMask& mask,
                        const AttentionDropout* drop, float* dq, float* dk, float* dv) {
  const int64_t entries = d.B * d.NH;
  if (entries <= 0) return;
  const SoftmaxRowsBwd rows = softmax_rows_backward_kernel();
  const int64_t ldq = d.NH * d.H, ldv = d.NH * d.Hv;
  for_each_entry(d, [&](int64_t i, const EntryOffsets& e) {
    const float* qi = q + e.q;
    const float* ki = k + e.k;
    const float* vi = v + e.v;
    const float* doi = d_o + e.o;
    const float* pi = p + i * d.T * d.S;
    float* dqi = dq + e.q;
    float* dki = dk + e.k;
    float* dvi = dv + e.v;
    if (d.T == 0 || d.S == 0) {  // empty products: zero gradients (sums over nothing)
      for (int64_t t = 0; t < d.T; ++t) std::fill(dqi + t * ldq, dqi + t * ldq + d.H, 0.f);
      for (int64_t s = 0; s < d.S; ++s) {
        std::fill(dki + s * ldq, dki + s * ldq + d.H, 0.f);
        std::fill(dvi + s * ldv, dvi + s * ldv + d.Hv, 0.f);
      }
      return;
    }
    const int64_t ts = d.T * d.S;
    float* ds = attention_scratch(drop ? 2 * ts : ts);
    float* md = ds + ts;  // the dropout mask, then P * M
    gemm_one(false, true, d.T, d.S, d.Hv, doi, ldv, vi, ldv, ds, d.S);     // dP = dO v^T
    if (drop) {
      dropout_mask_range(md, i * ts, ts, drop->seed, drop->threshold, drop->scale);
      attention_mul(ds, md, ds, ts);
    }
    rows(ds, pi, i * d.T, (i + 1) * d.T, d.S, mask, ds);                   // dS, in place
    gemm_one(false, false, d.T, d.H, d.S, ds, d.S, ki, ldq, dqi, ldq);     // dq = dS k
    gemm_one(true, false, d.S, d.H, d.T, ds, d.S, qi, ldq, dki, ldq);      // dk = dS^T q
    const float* pv = pi;
    if (drop) {  // (P * M) for dv
      attention_mul(pi, md, md, ts);
      pv = md;
    }
    gemm_one(true, false, d.S, d.Hv, d.T, pv, d.S, doi, ldv, dvi, ldv);    // dv = (P M)^T dO
  });
}

}  // namespace pyfapi
