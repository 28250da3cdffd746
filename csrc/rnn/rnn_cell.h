// Per-step elementwise parts of the GRU and SimpleRNN recurrences (csrc/rnn/rnn.cpp), one build
// per ISA (rnn_cell_<isa>.cpp), picked at run time from pyfapi::active_isa(). Every function
// works on `rows` batch rows; ld* are row strides in floats. Formulas: Keras 3 GRUCell /
// SimpleRNNCell (keras/src/layers/rnn/gru.py, simple_rnn.py), gate order z, r, h. The GRU
// functions' act / ract are activation codes (lstm/lstm_math.h act_f): the formulas below are
// written for Keras's defaults tanh (act 0) / sigmoid (ract 1); other codes replace them (and
// their derivatives, taken from the outputs).
#pragma once
#include <cstdint>

namespace pyfapi {
namespace rnn_cell {

// GRU, reset_after=True. In: x = x-projection (z, r, h blocks, 3U, stride ldx); rec = recurrent
// products A_g @ R_g (3U, stride ldr); brec (3U) or nullptr; hp = h_{t-1} (stride ldhp).
// Out: g (stride ldg; may be x) the activated z, r, hh; rh = rec_h + brec_h (stride ldrh); h
// (stride ldh).
//   z = sig(xz + rz + bz), r = sig(xr + rr + br), hh = tanh(xh + r * (rh + bh)),
//   h = z * hp + (1 - z) * hh
using GruFwdAfterFn = void (*)(int64_t rows, int64_t U, const float* x, int64_t ldx, float* g,
                               int64_t ldg, const float* rec,
                               int64_t ldr, const float* brec, const float* hp, int64_t ldhp,
                               float* rh, int64_t ldrh, float* h, int64_t ldh, int act,
                               int ract);
// GRU, reset_after=False, first half: z, r from x (x-projection) + rec (A_z R_z | A_r R_r, 2U,
// stride ldr) into g's z, r blocks; rhp = r * ah (ah = A_h, the (dropped-out) h_{t-1} of the
// candidate, stride ldah).
using GruFwdZrFn = void (*)(int64_t rows, int64_t U, const float* x, int64_t ldx, float* g,
                            int64_t ldg, const float* rec,
                            int64_t ldr, const float* ah, int64_t ldah, float* rhp, int64_t ldrhp,
                            int act, int ract);
// GRU, reset_after=False, second half: hh = tanh(xh + rech) (xh from x, hh stored in g's h
// block), h = z * hp + (1 - z) * hh.
using GruFwdHFn = void (*)(int64_t rows, int64_t U, const float* x, int64_t ldx, float* g,
                           int64_t ldg, const float* rech,
                           int64_t ldr, const float* hp, int64_t ldhp, float* h, int64_t ldh,
                           int act, int ract);
// GRU backward, reset_after=True. gates (z, r, hh), rh, hp as stored by the forward; dh (stride
// U): in dL/dh_t, out dL/dh_t * z (the direct path to h_{t-1}). dx (3U): dL/d(x-projection);
// drec (3U): dL/d(recurrent products + brec).
using GruBwdAfterFn = void (*)(int64_t rows, int64_t U, const float* gates, int64_t ldg,
                               const float* rh, int64_t ldrh, const float* hp, int64_t ldhp,
                               float* dh, float* dx, int64_t ldx, float* drec, int64_t ldd,
                               int act, int ract);
// GRU backward, reset_after=False, first half: dx_h = dh (1 - z)(1 - hh^2), dx_z = dh (hp - hh)
// z (1 - z); dh (in/out, stride U) becomes dh * z.
using GruBwdHFn = void (*)(int64_t rows, int64_t U, const float* gates, int64_t ldg,
                           const float* hp, int64_t ldhp, float* dh, float* dx, int64_t ldx,
                           int act, int ract);
// GRU backward, reset_after=False, second half: from drhp = dL/d(r * ah) (stride U):
// dx_r = drhp * ah * r (1 - r); drhp (in/out) becomes dL/d(ah) = drhp * r.
using GruBwdRFn = void (*)(int64_t rows, int64_t U, const float* gates, int64_t ldg,
                           const float* ah, int64_t ldah, float* drhp, float* dx, int64_t ldx,
                           int act, int ract);
// SimpleRNN: h = act(z) in place (act: 0 tanh, 1 relu, 2 linear), stride ldz.
using SrnnFwdFn = void (*)(int64_t rows, int64_t U, int act, float* z, int64_t ldz);
// SimpleRNN backward: dz = dh * act'(h) from the output h (stride ldh), dh stride U.
using SrnnBwdFn = void (*)(int64_t rows, int64_t U, int act, const float* h, int64_t ldh,
                           const float* dh, float* dz, int64_t ldz);
// C (K x N, stride ldc) += A^T B with A (rows x K, stride lda), B (rows x N, stride ldb): the
// per-step rank-`rows` update of a recurrent-kernel gradient (dR += h_{t-1}^T d(rec)), done
// while the step's operands are in L1. Register tiles of 4 C rows x 64 / 32 / 16 columns.
using MatmulTnFn = void (*)(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda,
                            const float* B, int64_t ldb, float* C, int64_t ldc);

#define PYFAPI_RNN_CELL_DECLARE(ns)                                                            \
  namespace ns {                                                                               \
  void gru_fwd_after(int64_t rows, int64_t U, const float* x, int64_t ldx, float* g,           \
                     int64_t ldg, const float* rec,                                             \
                     int64_t ldr, const float* brec, const float* hp, int64_t ldhp, float* rh,   \
                     int64_t ldrh, float* h, int64_t ldh, int act, int ract);                   \
  void gru_fwd_zr(int64_t rows, int64_t U, const float* x, int64_t ldx, float* g, int64_t ldg,  \
                  const float* rec, int64_t ldr,                                                \
                  const float* ah, int64_t ldah, float* rhp, int64_t ldrhp, int act, int ract); \
  void gru_fwd_h(int64_t rows, int64_t U, const float* x, int64_t ldx, float* g, int64_t ldg,   \
                 const float* rech, int64_t ldr,                                                \
                 const float* hp, int64_t ldhp, float* h, int64_t ldh, int act, int ract);      \
  void gru_bwd_after(int64_t rows, int64_t U, const float* gates, int64_t ldg, const float* rh, \
                     int64_t ldrh, const float* hp, int64_t ldhp, float* dh, float* dx,         \
                     int64_t ldx, float* drec, int64_t ldd, int act, int ract);                 \
  void gru_bwd_h(int64_t rows, int64_t U, const float* gates, int64_t ldg, const float* hp,     \
                 int64_t ldhp, float* dh, float* dx, int64_t ldx, int act, int ract);           \
  void gru_bwd_r(int64_t rows, int64_t U, const float* gates, int64_t ldg, const float* ah,     \
                 int64_t ldah, float* drhp, float* dx, int64_t ldx, int act, int ract);         \
  void srnn_fwd(int64_t rows, int64_t U, int act, float* z, int64_t ldz);                       \
  void srnn_bwd(int64_t rows, int64_t U, int act, const float* h, int64_t ldh, const float* dh, \
                float* dz, int64_t ldz);                                                        \
  void small_matmul_tn(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda,         \
                       const float* B, int64_t ldb, float* C, int64_t ldc);                     \
  }
PYFAPI_RNN_CELL_DECLARE(generic)
PYFAPI_RNN_CELL_DECLARE(avx2)
PYFAPI_RNN_CELL_DECLARE(avx512)
#undef PYFAPI_RNN_CELL_DECLARE

}  // namespace rnn_cell
}  // namespace pyfapi
