// Sequence-mask helpers shared by the whole-sequence recurrences (csrc/rnn/rnn.cpp and
// csrc/lstm/lstm.cpp), keras.src.backend rnn() semantics: a masked step keeps the state and
// outputs the previous output (zeros before the first kept step), or zeros with
// zero_output_for_mask. Portable code only (included by baseline-ISA files).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace pyfapi {
namespace rnn_mask {

// Outputs of one step for the rows of a chunk when a mask is given (keras backend rnn()).
inline void masked_outputs(int64_t n0, int64_t rows, int64_t t, int64_t T, int64_t U,
                    const uint8_t* mask, bool zero_output, const float* hs, float* ys) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = n0 + r;
    float* y = ys + (n * T + t) * U;
    if (mask[n * T + t]) std::memcpy(y, hs + (n * T + t) * U, sizeof(float) * U);
    else if (zero_output || t == 0) std::fill(y, y + U, 0.0f);
    else std::memcpy(y, y - U, sizeof(float) * U);
  }
}

// Masked steps keep the state: h_t = h_{t-1} for the masked rows of a chunk.
inline void carry_state(int64_t n0, int64_t rows, int64_t t, int64_t T, int64_t U, const uint8_t* mask,
                 const float* hp, int64_t ldhp, float* hs) {
  for (int64_t r = 0; r < rows; ++r)
    if (!mask[(n0 + r) * T + t])
      std::memcpy(hs + ((n0 + r) * T + t) * U, hp + r * ldhp, sizeof(float) * U);
}

// Backward, start of step t: adds the outputs' gradient to dh (rows x U). With a mask, a masked
// step passes its output gradient on to y_{t-1} (carry), unless zero_output.
inline void add_output_grad(int64_t n0, int64_t rows, int64_t t, int64_t T, int64_t U,
                     const uint8_t* mask, bool zero_output, const float* dy_seq,
                     const float* dy_last, float* dh, float* carry) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t n = n0 + r;
    float* d = dh + r * U;
    float* c = carry ? carry + r * U : nullptr;
    const float* gs = dy_seq ? dy_seq + (n * T + t) * U : nullptr;
    const float* gl = (dy_last && t == T - 1) ? dy_last + n * U : nullptr;
    const bool keep = !mask || mask[n * T + t];
    if (keep) {
      for (int64_t j = 0; j < U; ++j) {
        float v = d[j];
        if (gs) v += gs[j];
        if (gl) v += gl[j];
        if (c) {
          v += c[j];
          c[j] = 0.0f;
        }
        d[j] = v;
      }
    } else if (c) {
      for (int64_t j = 0; j < U; ++j) {
        float v = c[j];
        if (gs) v += gs[j];
        if (gl) v += gl[j];
        c[j] = v;
      }
    }
  }
}

}  // namespace rnn_mask
}  // namespace pyfapi
