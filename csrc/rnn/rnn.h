// Whole-sequence GRU and SimpleRNN recurrences (Keras 3 semantics), float32, forward and backward
// through time, with the sequence mask and the recurrent-dropout masks applied inside. Under a
// bfloat16 GEMM precision on the AVX512-BF16 path (rnn_bf16.h) the recurrent products (forward;
// dL/dh_{t-1} and the recurrent-kernel gradient in the backward) take bfloat16 operands, float32
// accumulation; gates and h stay float32.
//
// The input projection is NOT part of these kernels: the caller passes xp = x @ kernel (+ input
// bias), shape (N, T, G) with G = 3U (GRU, blocks z, r, h) or U (SimpleRNN), and gets dL/dxp
// back (so Keras's per-gate input-dropout masks and any GEMM stay outside).
//
// GRU (keras.layers.GRU, tanh / sigmoid), per step with A_g = h_{t-1} * rmask_g (or h_{t-1}):
//   reset_after:  rec = [A_z R_z, A_r R_r, A_h R_h] + brec;  z = sig(xz + rec_z),
//                 r = sig(xr + rec_r),  hh = tanh(xh + r * rec_h)
//   !reset_after: z = sig(xz + A_z R_z), r = sig(xr + A_r R_r), hh = tanh(xh + (r * A_h) R_h)
//   h_t = z * h_{t-1} + (1 - z) * hh
// SimpleRNN: h_t = act(xp_t + A R) with act tanh (0), relu (1) or linear (2).
//
// Sequence mask (N, T) bytes (nonzero = keep), as keras.src.backend's rnn(): a masked step keeps
// the state (h_t = h_{t-1}); its output y_t is y_{t-1} (zeros before the first kept step), or zero
// when zero_output_for_mask. Without a mask y_t = h_t.
// rmask: (K, N, U) recurrent-dropout multipliers (K = 3 for GRU, one per gate; 1 for SimpleRNN)
// or nullptr.
// Threads: batch chunks of 16 rows (fixed, so results do not depend on the thread count), taken
// one at a time by the OpenMP team (dynamic schedule: one fork/join per call, never per step).
// The recurrent-kernel gradient is accumulated per chunk at every step while its operands are in
// L1 (no (N, T, .) scratch, no separate GEMM) and the chunks' partial sums are reduced in chunk
// order.
#pragma once
#include <cstdint>

namespace pyfapi {

// Forward. xp (N, T, 3U): the x-projection; g (N, T, 3U): out the activated gates z, r, hh.
// aux (N, T, U) workspace: rec_h + brec_h (reset_after) or r * A_h (!reset_after).
// hs (N, T, U): state per step. ys (N, T, U): outputs per step, written only when mask != nullptr.
void gru_forward(int64_t N, int64_t T, int64_t U, bool reset_after, const float* xp, float* g,
                 const float* R, const float* brec, const float* h0, const uint8_t* mask,
                 const float* rmask, bool zero_output_for_mask, float* aux, float* hs, float* ys,
                 int act = 0, int ract = 1);

// Backward. dy_seq (N, T, U) or nullptr: gradient of every output; dy_last (N, U) or nullptr:
// gradient of the last output y_{T-1}; dh_T (N, U) or nullptr: gradient of the final state.
// Out: dxp (N, T, 3U), dR (U, 3U), dbrec (3U, only if not nullptr), dh0 (N, U).
void gru_backward(int64_t N, int64_t T, int64_t U, bool reset_after, const float* g,
                  const float* aux, const float* hs, const float* R, const float* h0,
                  const uint8_t* mask, const float* rmask, bool zero_output_for_mask,
                  const float* dy_seq, const float* dy_last, const float* dh_T, float* dxp,
                  float* dR, float* dbrec, float* dh0, int act = 0, int ract = 1);
// act / ract: activation codes of the candidate and of the gates (lstm/lstm_math.h act_f: 0 tanh,
// 1 sigmoid, 2 relu, 3 linear, 4 hard_sigmoid); the same pair in the forward and the backward.

// SimpleRNN forward. hs (N, T, U): in the x-projection (incl. bias), out the state per step.
// ys as for the GRU.
void simple_rnn_forward(int64_t N, int64_t T, int64_t U, int act, const float* R, const float* h0,
                        const uint8_t* mask, const float* rmask, bool zero_output_for_mask,
                        float* hs, float* ys);

// SimpleRNN backward; outputs dxp (N, T, U), dR (U, U), dh0 (N, U).
void simple_rnn_backward(int64_t N, int64_t T, int64_t U, int act, const float* hs,
                         const float* R, const float* h0, const uint8_t* mask, const float* rmask,
                         bool zero_output_for_mask, const float* dy_seq, const float* dy_last,
                         const float* dh_T, float* dxp, float* dR, float* dh0);

}  // namespace pyfapi
