// Bodies of the fused optimizer chunk kernels, compiled once per ISA (optim_<isa>.cpp defines
// PYFAPI_ISA = its namespace, built by pyfapi_isa_kernels in csrc/optim/sources.cmake). Plain loops that the compiler vectorises (the files are
// built with -ffp-contract=off -fno-math-errno -fno-trapping-math, see sources.cmake): no FMA
// contraction, so every element goes through exactly the float32 operations of the numpy
// reference in pyfapi/optimizers.py, in the same order.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "optim/optim.h"

namespace pyfapi {
namespace optim {
namespace PYFAPI_ISA {  // csrc/common/isa_dispatch.h
namespace {

// Gradient preprocessing: scale (clipnorm / global_clipnorm), then clipvalue (np.clip keeps NaN).
template <bool Scale, bool Clip>
inline float grad(const float* g, int64_t i, float gscale, float c) {
  float x = g[i];
  if (Scale) x = x * gscale;
  if (Clip) x = x < -c ? -c : (x > c ? c : x);
  return x;
}

// w -= w * wd_lr (decoupled weight decay, applied before the update like the numpy path).
template <bool Decay>
inline float decayed(float w, float wd_lr) {
  if (Decay) w = w - w * wd_lr;
  return w;
}

// ---- SGD: inc = lr g; m = momentum m - inc; w -= inc (no momentum),
//      w -= inc - momentum m (nesterov), w -= -m (momentum) ----
template <bool Scale, bool Clip, bool Decay, int Mode>  // Mode 0 plain, 1 momentum, 2 nesterov
void sgd_t(const Hyper& h, int64_t n, float* __restrict w, const float* __restrict g,
           float* __restrict m, float gscale) {
  const float lr = h.lr, mom = h.c0, c = h.clipvalue, wd = h.wd_lr;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = grad<Scale, Clip>(g, i, gscale, c);
    float inc = gi * lr;
    if (Mode != 0) {
      float mi = m[i] * mom;
      mi = mi - inc;
      m[i] = mi;
      inc = Mode == 2 ? inc - mi * mom : -mi;
    }
    w[i] = decayed<Decay>(w[i], wd) - inc;
  }
}

// ---- RMSprop: v = rho v + (1 - rho) g^2; centered a = rho a + (1 - rho) g,
//      den = v - a^2 + eps else v + eps; inc = lr g / sqrt(den); momentum m = mom m + inc ----
template <bool Scale, bool Clip, bool Decay, bool Centered, bool Momentum>
void rmsprop_t(const Hyper& h, int64_t n, float* __restrict w, const float* __restrict g,
               float* __restrict v, float* __restrict m, float* __restrict a, float gscale) {
  const float rho = h.c0, omr = h.c1, mom = h.c2, eps = h.c3, lr = h.lr, c = h.clipvalue,
              wd = h.wd_lr;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = grad<Scale, Clip>(g, i, gscale, c);
    float vi = v[i] * rho;
    vi = vi + (gi * gi) * omr;
    v[i] = vi;
    float den;
    if (Centered) {
      float ai = a[i] * rho;
      ai = ai + gi * omr;
      a[i] = ai;
      den = (vi - ai * ai) + eps;
    } else {
      den = vi + eps;
    }
    float inc = (gi / std::sqrt(den)) * lr;
    if (Momentum) {
      float mi = m[i] * mom;
      mi = mi + inc;
      m[i] = mi;
      inc = mi;
    }
    w[i] = decayed<Decay>(w[i], wd) - inc;
  }
}

// ---- Adam: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); amsgrad vh = max(vh, v);
//      w -= alpha m / (sqrt(v or vh) + eps) ----
template <bool Scale, bool Clip, bool Decay, bool Ams>
void adam_t(const Hyper& h, int64_t n, float* __restrict w, const float* __restrict g,
            float* __restrict m, float* __restrict v, float* __restrict vh, float gscale) {
  const float omb1 = h.c0, omb2 = h.c1, eps = h.c2, alpha = h.c3, c = h.clipvalue, wd = h.wd_lr;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = grad<Scale, Clip>(g, i, gscale, c);
    float mi = m[i];
    mi = mi + (gi - mi) * omb1;
    m[i] = mi;
    float vi = v[i];
    vi = vi + (gi * gi - vi) * omb2;
    v[i] = vi;
    if (Ams) {
      const float hi = vh[i];
      vi = (vi > hi || vi != vi) ? vi : hi;  // np.maximum (NaN propagates)
      vh[i] = vi;
    }
    const float inc = (mi / (std::sqrt(vi) + eps)) * alpha;
    w[i] = decayed<Decay>(w[i], wd) - inc;
  }
}

// ---- Adagrad: acc += g^2; w -= lr g / sqrt(acc + eps) ----
template <bool Scale, bool Clip, bool Decay>
void adagrad_t(const Hyper& h, int64_t n, float* __restrict w, const float* __restrict g,
               float* __restrict acc, float gscale) {
  const float eps = h.c3, lr = h.lr, c = h.clipvalue, wd = h.wd_lr;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = grad<Scale, Clip>(g, i, gscale, c);
    const float ai = acc[i] + gi * gi;
    acc[i] = ai;
    const float inc = (gi / std::sqrt(ai + eps)) * lr;
    w[i] = decayed<Decay>(w[i], wd) - inc;
  }
}

// ---- Adamax: m += (g - m)(1 - b1); u = max(b2 u, |g|); w -= (m lr) / ((u + eps)(1 - b1^t)) ----
template <bool Scale, bool Clip, bool Decay>
void adamax_t(const Hyper& h, int64_t n, float* __restrict w, const float* __restrict g,
              float* __restrict m, float* __restrict u, float gscale) {
  const float omb1 = h.c0, b2 = h.c1, eps = h.c2, cb = h.c3, lr = h.lr, c = h.clipvalue,
              wd = h.wd_lr;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = grad<Scale, Clip>(g, i, gscale, c);
    float mi = m[i];
    mi = mi + (gi - mi) * omb1;
    m[i] = mi;
    const float ui0 = u[i] * b2;
    const float ag = std::fabs(gi);
    const float ui = (ui0 > ag || ui0 != ui0) ? ui0 : ag;  // np.maximum (NaN propagates)
    u[i] = ui;
    const float inc = (mi * lr) / ((ui + eps) * cb);
    w[i] = decayed<Decay>(w[i], wd) - inc;
  }
}

// ---- Nadam: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); m_hat = m c_m + g c_g;
//      w -= (m_hat lr) / (sqrt(v / c_v) + eps) ----
template <bool Scale, bool Clip, bool Decay>
void nadam_t(const Hyper& h, int64_t n, float* __restrict w, const float* __restrict g,
             float* __restrict m, float* __restrict v, float gscale) {
  const float omb1 = h.c0, omb2 = h.c1, cm = h.c2, cg = h.c3, cv = h.c4, eps = h.c5, lr = h.lr,
              c = h.clipvalue, wd = h.wd_lr;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = grad<Scale, Clip>(g, i, gscale, c);
    float mi = m[i];
    mi = mi + (gi - mi) * omb1;
    m[i] = mi;
    float vi = v[i];
    vi = vi + (gi * gi - vi) * omb2;
    v[i] = vi;
    const float mh = mi * cm + gi * cg;
    const float inc = (mh * lr) / (std::sqrt(vi / cv) + eps);
    w[i] = decayed<Decay>(w[i], wd) - inc;
  }
}

// ---- Adadelta: ag = ag rho + ((1 - rho) g) g; d = -(sqrt(ad + eps) g) / sqrt(ag + eps);
//      ad = ad rho + ((1 - rho) d) d; w -= d (-lr) ----
template <bool Scale, bool Clip, bool Decay>
void adadelta_t(const Hyper& h, int64_t n, float* __restrict w, const float* __restrict g,
                float* __restrict ag, float* __restrict ad, float gscale) {
  const float rho = h.c0, omr = h.c1, eps = h.c2, nlr = h.c3, c = h.clipvalue, wd = h.wd_lr;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = grad<Scale, Clip>(g, i, gscale, c);
    const float a = ag[i] * rho + (omr * gi) * gi;
    ag[i] = a;
    const float d = -(std::sqrt(ad[i] + eps) * gi) / std::sqrt(a + eps);
    ad[i] = ad[i] * rho + (omr * d) * d;
    w[i] = decayed<Decay>(w[i], wd) - d * nlr;
  }
}

// ---- Lion: w -= sign(m b1 + g (1 - b1)) lr; m = m b2 + g (1 - b2) ----
template <bool Scale, bool Clip, bool Decay>
void lion_t(const Hyper& h, int64_t n, float* __restrict w, const float* __restrict g,
            float* __restrict m, float gscale) {
  const float b1 = h.c0, omb1 = h.c1, b2 = h.c2, omb2 = h.c3, lr = h.lr, c = h.clipvalue,
              wd = h.wd_lr;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = grad<Scale, Clip>(g, i, gscale, c);
    const float mi = m[i];
    const float x = mi * b1 + gi * omb1;
    const float sg = x > 0.f ? 1.f : (x < 0.f ? -1.f : x);  // np.sign: 0 -> 0, NaN -> NaN
    w[i] = decayed<Decay>(w[i], wd) - sg * lr;
    m[i] = mi * b2 + gi * omb2;
  }
}

// ---- Ftrl (Keras 3): g' = g + 2 l2s w; n' = n + g^2; z += g' - ((n'^p - n^p) / lr) w;
//      w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 l2'); n = n'. x^p: sqrt when p = 0.5 (the
//      default; exact), else pow_f32 below ----

inline double bits_to_double(uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}
inline uint64_t double_to_bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b;
}

// x^p for float32 x >= 0 and p >= 0 (Ftrl's accumulators and power), as exp(p log x) in double
// with plain arithmetic the compiler vectorises (no libm call): log by 2 atanh((m-1)/(m+1)) on
// the mantissa m in [sqrt(1/2), sqrt(2)), exp by 2^k e^r with |r| <= ln2/2; both series to
// ~2e-14, so the result is the correctly rounded float32 of x^p but for near-ties. IEEE double
// operations only (the file is built without FMA contraction): the same bits on every ISA.
// pow(x, 0) = 1, pow(0, p > 0) = 0, pow(inf, p > 0) = inf, NaN -> NaN, x < 0 -> NaN.
#if defined(__GNUC__)
__attribute__((always_inline))  // inlined under LTO too, else the Ftrl loop is not vectorised
#endif
inline float pow_f32(float x, float p) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kInvLn2 = 1.44269504088896338700e+00, kSqrt2 = 1.41421356237309514547;
  constexpr double kShift = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  const double xd = static_cast<double>(x);
  const uint64_t b = double_to_bits(xd);
  // every positive float32 is a normal double: exponent and mantissa straight from the bits
  double e = static_cast<double>(static_cast<int32_t>(b >> 52) - 1023);
  double m = bits_to_double((b & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL);
  // both sides computed first: the selects then speculate nothing, so the loop vectorises even
  // under -ftrapping-math (which the LTO link turns back on for every function)
  const double m_half = m * 0.5, e_next = e + 1.0;
  const bool big = m > kSqrt2;
  m = big ? m_half : m;
  e = big ? e_next : e;
  const double s = (m - 1.0) / (m + 1.0), s2 = s * s;  // |s| <= 0.1716, s2 <= 0.0295
  // 2 atanh(s) = 2 s sum s^2j / (2j + 1), j <= 7 (truncation < 2e-14 relative), Estrin
  const double s4 = s2 * s2, s8 = s4 * s4;
  const double q = ((1.0 + s2 * (1.0 / 3)) + s4 * (1.0 / 5 + s2 * (1.0 / 7))) +
                   s8 * (((1.0 / 9) + s2 * (1.0 / 11)) + s4 * (1.0 / 13 + s2 * (1.0 / 15)));
  const double pd = static_cast<double>(p);
  const double lg = e * kLn2Hi + (e * kLn2Lo + 2.0 * s * q);  // log x
  double y = pd * lg;
  // float32 overflows past e^89 and flushes to 0 below e^-104: clamping keeps 2^k normal
  y = y > 200.0 ? 200.0 : (y < -200.0 ? -200.0 : y);
  const double kd = y * kInvLn2 + kShift;
  const uint64_t kb = double_to_bits(kd);  // low bits: k (two's complement)
  const double k = kd - kShift;
  const double r = (y - k * kLn2Hi) - k * kLn2Lo;  // |r| <= 0.347
  // e^r = sum r^j / j!, j <= 11 (truncation < 1e-14 relative), evaluated by Estrin's scheme
  // (short dependency chains)
  const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  const double a01 = 1.0 + r, a23 = 0.5 + r * (1.0 / 6), a45 = 1.0 / 24 + r * (1.0 / 120),
               a67 = 1.0 / 720 + r * (1.0 / 5040), a89 = 1.0 / 40320 + r * (1.0 / 362880),
               a1011 = 1.0 / 3628800 + r * (1.0 / 39916800);
  const double t = (a01 + r2 * a23) + r4 * (a45 + r2 * a67) + r8 * (a89 + r2 * a1011);
  const double scale = bits_to_double((kb + 1023ULL) << 52);  // 2^k, |k| <= 289
  // special values as selects on the double, converted to float32 last and unconditionally (a
  // conversion under a condition could trap and would keep the loop from being vectorised)
  double out = t * scale;
  out = x == 0.f ? 0.0 : out;
  out = x == INFINITY ? static_cast<double>(INFINITY) : out;
  out = !(x >= 0.f) ? static_cast<double>(NAN) : out;  // x < 0 or NaN (one compare)
  out = p == 0.f ? 1.0 : out;
  return static_cast<float>(out);
}

template <bool Sqrt>
inline float ftrl_pow(float x, float p) {
  if (Sqrt) return std::sqrt(x);
  return pow_f32(x, p);
}

template <bool Scale, bool Clip, bool Decay, bool Sqrt>
void ftrl_t(const Hyper& h, int64_t n, float* __restrict w, const float* __restrict g,
            float* __restrict acc, float* __restrict lin, float gscale) {
  const float p = h.c0, l2s2 = h.c1, l1 = h.c2, l2x2 = h.c3, lr = h.lr, c = h.clipvalue,
              wd = h.wd_lr;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float gi = grad<Scale, Clip>(g, i, gscale, c);
    const float wi = decayed<Decay>(w[i], wd);
    const float gu = gi + l2s2 * wi;
    const float a0 = acc[i];
    const float a1 = a0 + gi * gi;
    const float pn = ftrl_pow<Sqrt>(a1, p);
    const float po = ftrl_pow<Sqrt>(a0, p);
    const float z = lin[i] + (gu - ((pn - po) / lr) * wi);
    lin[i] = z;
    const float quad = pn / lr + l2x2;
    const float zc = z < -l1 ? -l1 : (z > l1 ? l1 : z);  // np.clip (NaN stays NaN)
    w[i] = (zc - z) / quad;
    acc[i] = a1;
  }
}

// Expands the run-time flags (scale, clip, decay) into template arguments.
template <template <bool, bool, bool> class F, typename... Args>
void dispatch3(bool scale, bool clip, bool decay, Args... args) {
  if (scale) {
    if (clip) {
      decay ? F<true, true, true>::run(args...) : F<true, true, false>::run(args...);
    } else {
      decay ? F<true, false, true>::run(args...) : F<true, false, false>::run(args...);
    }
  } else {
    if (clip) {
      decay ? F<false, true, true>::run(args...) : F<false, true, false>::run(args...);
    } else {
      decay ? F<false, false, true>::run(args...) : F<false, false, false>::run(args...);
    }
  }
}

template <bool S, bool C, bool D>
struct SgdF {
  static void run(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
                  float gs) {
    if (!h.flag1) sgd_t<S, C, D, 0>(h, n, w, g, nullptr, gs);
    else if (h.flag0) sgd_t<S, C, D, 2>(h, n, w, g, s[0], gs);
    else sgd_t<S, C, D, 1>(h, n, w, g, s[0], gs);
  }
};

template <bool S, bool C, bool D>
struct RmspropF {
  static void run(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
                  float gs) {
    // slots: velocity[, momentum][, average_gradient]
    const bool centered = h.flag0, momentum = h.flag1;
    float* m = momentum ? s[1] : nullptr;
    float* a = centered ? s[momentum ? 2 : 1] : nullptr;
    if (centered) {
      momentum ? rmsprop_t<S, C, D, true, true>(h, n, w, g, s[0], m, a, gs)
               : rmsprop_t<S, C, D, true, false>(h, n, w, g, s[0], m, a, gs);
    } else {
      momentum ? rmsprop_t<S, C, D, false, true>(h, n, w, g, s[0], m, a, gs)
               : rmsprop_t<S, C, D, false, false>(h, n, w, g, s[0], m, a, gs);
    }
  }
};

template <bool S, bool C, bool D>
struct AdamF {
  static void run(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
                  float gs) {
    h.flag0 ? adam_t<S, C, D, true>(h, n, w, g, s[0], s[1], s[2], gs)
            : adam_t<S, C, D, false>(h, n, w, g, s[0], s[1], nullptr, gs);
  }
};

template <bool S, bool C, bool D>
struct AdagradF {
  static void run(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
                  float gs) {
    adagrad_t<S, C, D>(h, n, w, g, s[0], gs);
  }
};

template <bool S, bool C, bool D>
struct AdamaxF {
  static void run(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
                  float gs) {
    adamax_t<S, C, D>(h, n, w, g, s[0], s[1], gs);
  }
};

template <bool S, bool C, bool D>
struct NadamF {
  static void run(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
                  float gs) {
    nadam_t<S, C, D>(h, n, w, g, s[0], s[1], gs);
  }
};

template <bool S, bool C, bool D>
struct AdadeltaF {
  static void run(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
                  float gs) {
    adadelta_t<S, C, D>(h, n, w, g, s[0], s[1], gs);
  }
};

template <bool S, bool C, bool D>
struct LionF {
  static void run(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
                  float gs) {
    lion_t<S, C, D>(h, n, w, g, s[0], gs);
  }
};

template <bool S, bool C, bool D>
struct FtrlF {
  static void run(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
                  float gs) {
    h.flag0 ? ftrl_t<S, C, D, true>(h, n, w, g, s[0], s[1], gs)
            : ftrl_t<S, C, D, false>(h, n, w, g, s[0], s[1], gs);
  }
};

}  // namespace

void adamax(const Hyper& h, int64_t n, float* w, const float* g, float* const* s, float gscale,
            bool scale) {
  dispatch3<AdamaxF>(scale, h.clip, h.decay, h, n, w, g, s, gscale);
}
void nadam(const Hyper& h, int64_t n, float* w, const float* g, float* const* s, float gscale,
           bool scale) {
  dispatch3<NadamF>(scale, h.clip, h.decay, h, n, w, g, s, gscale);
}
void adadelta(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
              float gscale, bool scale) {
  dispatch3<AdadeltaF>(scale, h.clip, h.decay, h, n, w, g, s, gscale);
}
void lion(const Hyper& h, int64_t n, float* w, const float* g, float* const* s, float gscale,
          bool scale) {
  dispatch3<LionF>(scale, h.clip, h.decay, h, n, w, g, s, gscale);
}

void ftrl(const Hyper& h, int64_t n, float* w, const float* g, float* const* s, float gscale,
          bool scale) {
  dispatch3<FtrlF>(scale, h.clip, h.decay, h, n, w, g, s, gscale);
}

void sgd(const Hyper& h, int64_t n, float* w, const float* g, float* const* s, float gscale,
         bool scale) {
  dispatch3<SgdF>(scale, h.clip, h.decay, h, n, w, g, s, gscale);
}
void rmsprop(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
             float gscale, bool scale) {
  dispatch3<RmspropF>(scale, h.clip, h.decay, h, n, w, g, s, gscale);
}
void adam(const Hyper& h, int64_t n, float* w, const float* g, float* const* s, float gscale,
          bool scale) {
  dispatch3<AdamF>(scale, h.clip, h.decay, h, n, w, g, s, gscale);
}
void adagrad(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
             float gscale, bool scale) {
  dispatch3<AdagradF>(scale, h.clip, h.decay, h, n, w, g, s, gscale);
}

}  // namespace PYFAPI_ISA
}  // namespace optim
}  // namespace pyfapi
