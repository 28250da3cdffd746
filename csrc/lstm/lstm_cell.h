// Per-step LSTM gate nonlinearities (forward and backward), one build per ISA, picked at run time.
#pragma once
#include <cstdint>

namespace pyfapi {
namespace lstm_cell {

// Forward: z (rows x 4U pre-activations, row stride ldz) is overwritten with the activated gates
// i, f, g, o; c = f * cprev + i * g and h = o * tanh(c) are written (strides ldc / ldh).
using ForwardFn = void (*)(int64_t rows, int64_t U, float* z, int64_t ldz, const float* cprev,
                           int64_t ldcp, float* c, int64_t ldc, float* h, int64_t ldh);
// Backward: from the gates and c_t / c_{t-1}, dh (dL/dh_t, stride U) and dc (in: dL/dc_t from
// step t + 1; out: dL/dc_{t-1}, stride U) gives dz = dL/dz_t (stride ldz).
using BackwardFn = void (*)(int64_t rows, int64_t U, const float* gates, int64_t ldg,
                            const float* c, int64_t ldc, const float* cprev, int64_t ldcp,
                            const float* dh, float* dc, float* dz, int64_t ldz);

// The same with activation codes (lstm_math.h act_f): act for the candidate g and tanh(c), ract
// for the gates i, f, o (any pair; the plain functions are Keras's tanh / sigmoid).
using ForwardActFn = void (*)(int64_t rows, int64_t U, float* z, int64_t ldz, const float* cprev,
                              int64_t ldcp, float* c, int64_t ldc, float* h, int64_t ldh,
                              int act, int ract);
using BackwardActFn = void (*)(int64_t rows, int64_t U, const float* gates, int64_t ldg,
                               const float* c, int64_t ldc, const float* cprev, int64_t ldcp,
                               const float* dh, float* dc, float* dz, int64_t ldz, int act,
                               int ract);

// C (+)= A @ B for the small per-step products (see lstm_cell_impl.h).
using MatmulFn = void (*)(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda,
                          const float* B, int64_t ldb, float* C, int64_t ldc, bool accumulate);

#define PYFAPI_LSTM_CELL_DECLARE(ns)                                                          \
  namespace ns {                                                                              \
  void forward_cell(int64_t rows, int64_t U, float* z, int64_t ldz, const float* cprev,       \
                    int64_t ldcp, float* c, int64_t ldc, float* h, int64_t ldh);              \
  void backward_cell(int64_t rows, int64_t U, const float* gates, int64_t ldg, const float* c, \
                     int64_t ldc, const float* cprev, int64_t ldcp, const float* dh, float* dc, \
                     float* dz, int64_t ldz);                                                 \
  void forward_cell_act(int64_t rows, int64_t U, float* z, int64_t ldz, const float* cprev,   \
                        int64_t ldcp, float* c, int64_t ldc, float* h, int64_t ldh, int act,    \
                        int ract);                                                            \
  void backward_cell_act(int64_t rows, int64_t U, const float* gates, int64_t ldg,             \
                         const float* c, int64_t ldc, const float* cprev, int64_t ldcp,        \
                         const float* dh, float* dc, float* dz, int64_t ldz, int act,          \
                         int ract);                                                           \
  void small_matmul(int64_t rows, int64_t K, int64_t N, const float* A, int64_t lda,         \
                    const float* B, int64_t ldb, float* C, int64_t ldc, bool accumulate);     \
  }
PYFAPI_LSTM_CELL_DECLARE(generic)
PYFAPI_LSTM_CELL_DECLARE(avx2)
PYFAPI_LSTM_CELL_DECLARE(avx512)
#undef PYFAPI_LSTM_CELL_DECLARE

}  // namespace lstm_cell
}  // namespace pyfapi
