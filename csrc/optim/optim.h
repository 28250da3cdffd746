// Fused one-pass optimizer updates (SGD, RMSprop, Adam / AdamW, Adagrad, Adamax, Nadam, Adadelta,
// Lion, Ftrl) on float32 buffers, in place. Formulas: Keras 3's update rules, in the exact float32
// operation order of the numpy reference in pyfapi/optimizers.py (so the two agree to the last bit
// on IEEE hardware; the optimizer files are compiled with -ffp-contract=off). One exception: Ftrl
// with learning_rate_power != -0.5 raises to a power through the C library's double pow, rounded
// to float32 (numpy's float32 power differs from it by an ulp at times).
#pragma once
#include <cstdint>
#include <vector>

namespace pyfapi {
namespace optim {

enum class Kind : int {
  Sgd = 0, Rmsprop = 1, Adam = 2, Adagrad = 3, Adamax = 4, Nadam = 5, Adadelta = 6, Lion = 7,
  Ftrl = 8
};

// Scalars of one step (all float32, prepared in Python from the optimizer's hyper-parameters).
struct Hyper {
  float lr = 0.f;         // learning rate (SGD, RMSprop, Adagrad)
  float wd_lr = 0.f;      // float32(weight_decay * lr); used only when decay is true
  bool decay = false;     // w -= w * wd_lr before the update
  float clipvalue = 0.f;  // g = clip(g, -clipvalue, clipvalue) when clip is true
  bool clip = false;
  // SGD: c0 = momentum, flag0 = nesterov, flag1 = has momentum slot
  // RMSprop: c0 = rho, c1 = 1 - rho, c2 = momentum, c3 = epsilon, flag0 = centered,
  //          flag1 = has momentum slot
  // Adam: c0 = 1 - beta_1, c1 = 1 - beta_2, c2 = epsilon, c3 = alpha, flag0 = amsgrad
  // Adagrad: c3 = epsilon
  // Adamax: c0 = 1 - beta_1, c1 = beta_2, c2 = epsilon, c3 = 1 - beta_1^t
  // Nadam: c0 = 1 - beta_1, c1 = 1 - beta_2, c2 = u_{t+1} / (1 - u_prod u_{t+1}),
  //        c3 = (1 - u_t) / (1 - u_prod), c4 = 1 - beta_2^t, c5 = epsilon
  // Adadelta: c0 = rho, c1 = 1 - rho, c2 = epsilon, c3 = -lr
  // Lion: c0 = beta_1, c1 = 1 - beta_1, c2 = beta_2, c3 = 1 - beta_2
  // Ftrl: c0 = p = -learning_rate_power, c1 = 2 l2_shrinkage, c2 = l1,
  //       c3 = 2 (l2 + beta / (2 lr)), flag0 = (p == 0.5: sqrt instead of pow)
  float c0 = 0.f, c1 = 0.f, c2 = 0.f, c3 = 0.f, c4 = 0.f, c5 = 0.f;
  bool flag0 = false, flag1 = false;
};

// One variable: its storage w, gradient g, slot buffers (slot order of pyfapi/optimizers.py;
// unused entries nullptr), element count n and gradient scale (clipnorm / global_clipnorm; 1 if
// none: g is multiplied by it first, as numpy's ``g * scale``).
struct Item {
  float* w;
  const float* g;
  float* s[3];
  int64_t n;
  float gscale;
  bool scale;
};

// Updates every item in place; OpenMP over chunks of all items (elementwise, so the result does
// not depend on the thread count). Must be called without the GIL.
void step(Kind kind, const Hyper& h, const std::vector<Item>& items);

// ---- per-ISA chunk kernels (optim_kernels_impl.h, compiled once per ISA) ----
using ChunkFn = void (*)(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,
                         float gscale, bool scale);
#define PYFAPI_OPTIM_DECLARE(ns)                                                              \
  namespace ns {                                                                              \
  void sgd(const Hyper& h, int64_t n, float* w, const float* g, float* const* s, float gscale, \
           bool scale);                                                                       \
  void rmsprop(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,          \
               float gscale, bool scale);                                                     \
  void adam(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,             \
            float gscale, bool scale);                                                        \
  void adagrad(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,          \
               float gscale, bool scale);                                                     \
  void adamax(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,           \
              float gscale, bool scale);                                                      \
  void nadam(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,            \
             float gscale, bool scale);                                                       \
  void adadelta(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,         \
                float gscale, bool scale);                                                    \
  void lion(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,             \
            float gscale, bool scale);                                                        \
  void ftrl(const Hyper& h, int64_t n, float* w, const float* g, float* const* s,             \
            float gscale, bool scale);                                                        \
  }
PYFAPI_OPTIM_DECLARE(generic)
PYFAPI_OPTIM_DECLARE(avx2)
PYFAPI_OPTIM_DECLARE(avx512)
#undef PYFAPI_OPTIM_DECLARE

}  // namespace optim
}  // namespace pyfapi
