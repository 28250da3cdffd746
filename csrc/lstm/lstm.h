// Whole-sequence LSTM (Keras 3 semantics, gate order i, f, c, o; tanh / sigmoid), float32.
// Under a bfloat16 GEMM precision on the AVX512-BF16 path (csrc/rnn/rnn_bf16.h) the input
// projection, the step products h_{t-1} R, and in the backward dx, dW, dz_t R^T and the steps'
// dR += h_{t-1}^T dz_t take bfloat16 operands (float32 accumulation); gates, c, h and db stay
// float32. There the projection and the dx / dW GEMMs run per batch chunk (single-threaded,
// next to the chunk's recurrence, while its (rows * T, 4U) block is in cache; dW as per-chunk
// partials reduced in chunk order), so results still do not depend on the thread count.
//   z_t = x_t W + h_{t-1} U + b;  i = sig(z_i), f = sig(z_f), g = tanh(z_c), o = sig(z_o)
//   c_t = f * c_{t-1} + i * g;    h_t = o * tanh(c_t)
// (Hochreiter & Schmidhuber 1997 with the forget gate of Gers et al. 2000, as keras.layers.LSTM.)
#pragma once
#include <cstdint>

namespace pyfapi {

// Forward over all T steps. Shapes (row-major, contiguous):
//   x (N, T, D), W (D, 4U), R (U, 4U), b (4U) or nullptr, h0 / c0 (N, U) or nullptr (zeros).
// Outputs: gates (N, T, 4U): the ACTIVATED gates (i, f, g, o) per step (the backward workspace);
//   hs (N, T, U): h_t for every step; cs (N, T, U): c_t for every step.
// Requires N >= 0, T >= 1, U >= 1, D >= 0. Touches no Python object.
// Threads: the input projection is one sgemm (threaded inside). The recurrence runs on batch
// chunks of a fixed size (16 rows, independent of the thread count, so results do not depend on
// it), one chunk per OpenMP iteration (dynamic schedule): batch rows are independent, so there is one fork/join per
// sequence instead of one per step. Per step and chunk, h_{t-1} @ R is a register-tiled small
// product (lstm_cell, units <= 128) or a single-threaded sgemm (more units), followed by the
// vectorised gate nonlinearity (lstm_cell_<isa>.cpp, picked from pyfapi::active_isa()).
// mask (N, T) bytes or nullptr: a masked step keeps h and c; ys (N, T, U) then receives the
// outputs (a masked step repeats the previous output, zeros before the first kept step, or zeros
// with zero_output), keras.src.backend rnn() semantics. Without a mask ys is not touched.
void lstm_forward(int64_t N, int64_t T, int64_t D, int64_t U, const float* x, const float* W,
                  const float* R, const float* b, const float* h0, const float* c0, float* gates,
                  float* hs, float* cs, const uint8_t* mask = nullptr, bool zero_output = false,
                  float* ys = nullptr, const float* rmask = nullptr, int act = 0, int ract = 1);
// W == nullptr: x is already the input projection (N, T, 4U) (D == 4U; b, if any, is added),
// e.g. with Keras's per-gate input-dropout masks applied by the caller.
// rmask (4, N, U) or nullptr: recurrent-dropout multipliers, one per gate (Keras's
// implementation 1): z_q += (h_{t-1} * rmask_q) R_q.
// act / ract: activation codes (lstm_math.h act_f: 0 tanh, 1 sigmoid, 2 relu, 3 linear,
// 4 hard_sigmoid) of the candidate / cell output and of the gates i, f, o; the same pair in
// lstm_backward.

// Backward through time from the workspace of lstm_forward.
//   dy_seq (N, T, U) (gradient of every step's output) or nullptr;
//   dh_T, dc_T (N, U): gradients of the final h (including the last-step output's) and c, or
//   nullptr for zero.
// Outputs (all overwritten): dx (N, T, D) or nullptr (not needed: its GEMM is skipped),
//   dW (D, 4U) (not touched when W == nullptr: then dx = dz), dR (U, 4U), db (4U), dh0 (N, U),
//   dc0 (N, U).
// Scratch supplied by the caller (no initialisation needed): dz (N, T, 4U); it may be dx itself
// when W == nullptr.
// Same chunked recurrence as the forward (dh_{t-1} = dz_t R^T per step; dR and db as per-chunk
// partial sums accumulated at every step and reduced in chunk order), then dx = dz W^T and
// dW = x^T dz as two large sgemm calls.
void lstm_backward(int64_t N, int64_t T, int64_t D, int64_t U, const float* x, const float* W,
                   const float* R, const float* h0, const float* c0, const float* gates,
                   const float* hs, const float* cs, const float* dy_seq, const float* dh_T,
                   const float* dc_T, float* dx, float* dW, float* dR, float* db, float* dh0,
                   float* dc0, float* dz, const uint8_t* mask = nullptr,
                   bool zero_output = false, const float* dy_last = nullptr,
                   const float* rmask = nullptr, int act = 0, int ract = 1);
// With a mask: dy_seq / dy_last are the gradients of the masked outputs ys (dy_last: of
// ys[:, T-1], (N, U)); dh_T must then NOT include the last output's gradient.

}  // namespace pyfapi
