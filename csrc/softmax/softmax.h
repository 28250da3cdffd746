// Softmax over the last axis of an (M, N) row-major float32 matrix, with an optional mask:
//   forward  y[r,c] = exp(v[r,c] - max_r) / sum_r exp(v - max_r),  v = x (+ add_mask)
//   backward dx[r,c] = y[r,c] (g[r,c] - sum_c g[r,c] y[r,c])
// Masks (row r reads mask row `mask_row(r)`: the leading axes of x unravelled with the mask's
// element strides, 0 on broadcast axes; the last axis is unit-stride):
//   * additive (float32): v = x + mask (as torch's float attn_mask);
//   * boolean (uint8, nonzero = keep): masked entries are left out of the max and the sum and
//     get y = 0 and dx = 0 (Keras's masked softmax: -1e9 then zeroed). A row with every entry
//     masked gives y = 0, or y = 1 / N when `uniform_if_all_masked` (Keras's fused attention
//     path), and dx = 0 either way (its output does not depend on x).
// NaN / inf follow numpy: a NaN in a row (or +inf, or an all -inf unmasked row) gives NaN.
// exp: Cephes' expf (range reduction by ln 2 in two parts, degree-6 polynomial; <= 2 ulp),
// flushed to 0 below -87.3 (results below FLT_MIN are 0, not subnormal).
// Rows are independent and each is reduced in a fixed order: results never depend on the thread
// count. Row kernels compiled per ISA (softmax_rows.inc), picked by pyfapi::active_isa().
#pragma once
#include <cstdint>

namespace pyfapi {

// Where a row's mask lives: `ndim` leading axes of x (sizes `dims`), the mask's element strides
// along them (`strides`, 0 = broadcast). ndim == 0: one mask row for every row.
struct SoftmaxMask {
  const void* data = nullptr;  // nullptr: no mask
  bool boolean = false;        // uint8 keep-mask (else float32 additive)
  int ndim = 0;
  int64_t dims[8] = {};
  int64_t strides[8] = {};
  bool uniform_if_all_masked = false;
};

constexpr int kSoftmaxMaxMaskDims = 8;

// Element offset of row r's mask row (r unravelled over mask.dims, row-major).
inline int64_t softmax_mask_offset(const SoftmaxMask& m, int64_t r, int64_t /*N*/) {
  int64_t off = 0;
  for (int d = m.ndim - 1; d >= 0; --d) {
    const int64_t n = m.dims[d];
    off += (r % n) * m.strides[d];
    r /= n;
  }
  return off;
}

void softmax_forward(const float* x, int64_t M, int64_t N, const SoftmaxMask& mask, float* y);
// y: the forward's output; mask: the forward's (only the boolean one matters here).
void softmax_backward(const float* g, const float* y, int64_t M, int64_t N,
                      const SoftmaxMask& mask, float* dx);

// Softmax cross-entropy (xent.cpp). Sparse: y = softmax(x) row by row and
// loss[r] = -log y[r, t[r]] (from the logits in double where that probability underflowed);
// labels int32 or int64 (labels_64). Returns the first row whose label is outside [0, N) and
// then writes nothing, else -1. The backward: dx = g[r] * (y - onehot(t[r])).
int64_t sparse_xent_forward(const float* x, const void* labels, bool labels_64, int64_t M,
                            int64_t N, float* y, float* loss);
// The first row whose label is outside [0, N), or -1.
int64_t sparse_xent_first_bad_label(const void* labels, bool labels_64, int64_t M, int64_t N);
void sparse_xent_backward(const float* g, const float* y, const void* labels, bool labels_64,
                          int64_t M, int64_t N, float* dx);
// With (M, N) targets t: y = softmax(x), lse[r] = log(sum_j exp(x_rj)) (from y at the row's
// maximum), loss[r] = sum_j t_rj (lse[r] - x_rj) in double; dx = g[r] (y sum_j t_rj - t).
void xent_forward(const float* x, const float* t, int64_t M, int64_t N, float* y, float* loss,
                  float* lse);
void xent_backward(const float* g, const float* y, const float* t, int64_t M, int64_t N,
                   float* dx);

// The per-ISA row kernels (softmax_rows.inc), for fused callers (csrc/attention): rows
// [r0, r1) with x / y (g / y / dx) pointing at row r0; r is the row's index for the mask.
using SoftmaxRowsFwd = void (*)(const float* x, int64_t r0, int64_t r1, int64_t N,
                                const SoftmaxMask& mask, float* y);
using SoftmaxRowsBwd = void (*)(const float* g, const float* y, int64_t r0, int64_t r1,
                                int64_t N, const SoftmaxMask& mask, float* dx);
SoftmaxRowsFwd softmax_rows_forward_kernel();
SoftmaxRowsBwd softmax_rows_backward_kernel();

}  // namespace pyfapi
