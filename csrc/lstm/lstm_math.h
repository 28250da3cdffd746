// Branch-free float tanh / sigmoid that GCC and Clang vectorise in plain loops (SSE2 and up).
// tanh: the 13/6 rational minimax approximation on [-7.905, 7.905] that Eigen (and so
// TensorFlow's CPU kernels) use for float: 11 multiply-adds and one division, no exp; absolute
// error <= 3.3e-7 over the real line (about 3 ulp at |tanh| ~ 1), exact sign and oddness.
// sigmoid(x) = (1 + tanh(x / 2)) / 2: absolute error <= 2.3e-7 (sigmoid(-30) gives 1.1e-7, not
// 9e-14: harmless for gates). NaN in -> NaN out (the clamps keep NaN: comparisons are false).
#pragma once

namespace pyfapi {
namespace lstm_math {

inline float tanh_f(float x) {
  const float lim = 7.90531110763549805f;
  x = x > lim ? lim : x;  // written bound-first so compilers emit NaN-preserving min / max
  x = x < -lim ? -lim : x;
  const float x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * x;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return p / q;
}

inline float sigmoid_f(float x) { return 0.5f * tanh_f(0.5f * x) + 0.5f; }

// Keras activations of the recurrent kernels by code (pyfapi/kernels/rnn.py ACTIVATION_CODES):
// 0 tanh, 1 sigmoid, 2 relu, 3 linear, 4 hard_sigmoid (Keras 3: relu6(x + 3) / 6). static: each
// ISA's translation unit keeps its own copy (an out-of-line inline function could be shared
// across ISAs by the linker).
static inline float act_f(int a, float x) {
  switch (a) {
    case 0: return tanh_f(x);
    case 1: return sigmoid_f(x);
    case 2: return x < 0.0f ? 0.0f : x;
    case 4: {
      float y = (x + 3.0f) * (1.0f / 6.0f);
      y = y < 0.0f ? 0.0f : y;
      return y > 1.0f ? 1.0f : y;
    }
    default: return x;
  }
}

// The derivative of act_f(a, .) written from its output y (every code above allows it).
static inline float dact_y(int a, float y) {
  switch (a) {
    case 0: return 1.0f - y * y;
    case 1: return y * (1.0f - y);
    case 2: return y > 0.0f ? 1.0f : 0.0f;
    case 4: return (y > 0.0f && y < 1.0f) ? (1.0f / 6.0f) : 0.0f;
    default: return 1.0f;
  }
}

}  // namespace lstm_math
}  // namespace pyfapi
