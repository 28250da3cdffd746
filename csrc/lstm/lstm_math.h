// Branch-free float exp / sigmoid / tanh that GCC and Clang vectorise in plain loops (SSE2 and up).
// NaN in -> NaN out (LSTM outputs never hide a NaN input).
// exp: Cephes-style range reduction x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial, 2^n by
// exponent bits; relative error about 2 ulp on [-87, 88]; inputs are clamped to that range, so
// sigmoid / tanh saturate cleanly (sigmoid(-100) = 1.6e-38 instead of 0: harmless).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace pyfapi {
namespace lstm_math {

inline float exp_f(float x) {
  // Clamp written so that a NaN input stays NaN (comparisons with NaN are false) and compilers
  // still emit minps / maxps with the bound as first operand (vectorisable, no branches).
  x = x > 88.0f ? 88.0f : x;
  x = x < -87.0f ? -87.0f : x;
  // round(x / ln2) with the 1.5 * 2^23 trick (valid for |v| < 2^22), branch-free.
  const float magic = 12582912.0f;
  float n = (x * 1.44269504088896341f + magic) - magic;
  float r = x - n * 0.693359375f;   // ln2 hi (exact in float)
  r = r - n * -2.12194440e-4f;      // ln2 lo
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t e = (static_cast<int32_t>(n) + 127) << 23;
  float s;
  std::memcpy(&s, &e, sizeof(s));
  return p * s;
}

inline float sigmoid_f(float x) { return 1.0f / (1.0f + exp_f(-x)); }

// tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|): no cancellation for large |x|; for small
// |x| the absolute error stays ~1e-7 (relative error grows below |x| ~ 1e-4: a polynomial branch).
inline float tanh_f(float x) {
  float ax = std::fabs(x);
  float e = exp_f(-2.0f * ax);
  float t = (1.0f - e) / (1.0f + e);
  float x2 = x * x;
  // |x| < 0.0625: odd Taylor series to x^7 (error < 1e-10 relative).
  float small = x * (1.0f + x2 * (-0.333333333f + x2 * (0.133333333f + x2 * -0.0539682540f)));
  float big = std::copysign(t, x);
  return ax < 0.0625f ? small : big;
}

}  // namespace lstm_math
}  // namespace pyfapi
