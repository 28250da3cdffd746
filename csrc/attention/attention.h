// Fused multi-head dot-product attention, Keras's layout (keras.ops.dot_product_attention /
// MultiHeadAttention's rank-4 path): q (B, T, NH, H), k (B, S, NH, H), v (B, S, NH, Hv), all
// C-contiguous, q already scaled. Per (batch, head) entry, on one thread:
//   forward   P = softmax_mask(q k^T) (B, NH, T, S), O = P v (B, T, NH, Hv)
//   backward  dP = dO v^T, dS = P (dP - rowsum(dP P)) (0 where masked), dq = dS k,
//             dk = dS^T q, dv = P^T dO
// so the (T, S) scores of a head stay in cache between the products and the softmax (the
// unfused path writes and re-reads them several times). The products run on gemm_one
// (csrc/gemm/batched_gemm.h), the softmax on its row kernels (csrc/softmax/softmax.h; mask
// semantics there). Threads: OpenMP over the B * NH entries (static); every entry is computed
// the same way whatever the thread count, so results are bitwise equal on 1 and N threads.
// With dropout (Keras's MultiHeadAttention dropout on the scores, in training), O = (P * M) v,
// dP = (dO v^T) * M and dv = (P * M)^T dO, M the mask of csrc/dropout/dropout.h's stream at the
// element offsets of P (B, NH, T, S): the mask dropout_mask(P's shape, seed) would give, made on
// the fly in forward and backward (never stored); P itself is stored without dropout.
#pragma once
#include <cstdint>

#include "softmax/softmax.h"

namespace pyfapi {

struct AttentionDims {
  int64_t B, T, S, NH, H, Hv;
};

// Dropout on the attention weights (csrc/dropout/dropout.h): the stream seed, the 32-bit drop
// threshold and the kept value 1 / (1 - rate).
struct AttentionDropout {
  uint64_t seed;
  uint32_t threshold;
  float scale;
};

// drop: nullptr for no dropout.
void attention_forward(const AttentionDims& d, const float* q, const float* k, const float* v,
                       const SoftmaxMask& mask, const AttentionDropout* drop, float* p, float* o);

void attention_backward(const AttentionDims& d, const float* d_o, const float* q, const float* k,
                        const float* v, const float* p, const SoftmaxMask& mask,
                        const AttentionDropout* drop, float* dq, float* dk, float* dv);

}  // namespace pyfapi
