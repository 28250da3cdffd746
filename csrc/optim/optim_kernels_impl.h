// Bodies of the fused optimizer chunk kernels, compiled once per ISA (optim_<isa>.cpp defines
// PYFAPI_OPTIM_NS and includes this file). Plain loops that the compiler vectorises (the files are
// built with -ffp-contract=off -fno-math-errno -fno-trapping-math, see sources.cmake): no FMA
// contraction, so every element goes through exactly the float32 operations of the numpy
// reference in pyfapi/optimizers.py, in the same order.
#include "optim/optim.h"

#include <cmath>

namespace pyfapi {
namespace optim {
namespace PYFAPI_OPTIM_NS {
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

}  // namespace PYFAPI_OPTIM_NS
}  // namespace optim
}  // namespace pyfapi
