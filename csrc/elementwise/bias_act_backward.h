// Backward of the "+ bias, then relu" epilogue of the fused conv / dense ops, in one pass:
//   g'[m, n] = (y[m, n] > 0) ? g[m, n] : 0   (relu: y = the op's output; no mask without y)
//   dbias[n] = sum_m g'[m, n]
// Sums: float32 over fixed blocks of kBiasActRows rows (vectorised across n), the block sums
// then added in block order in double; the blocks depend on the shape only, so results do not
// depend on the thread count. Vector rows compiled per ISA (bias_act_rows.inc), chosen by
// pyfapi::active_isa().
#pragma once
#include <cstdint>

namespace pyfapi {

constexpr int64_t kBiasActRows = 128;

// g, y: (M, N) row-major float32 (y may be nullptr: no mask). gout: (M, N), may equal g, or
// nullptr (then only dbias; requires y == nullptr). dbias: N floats or nullptr.
void bias_act_backward(const float* g, const float* y, int64_t M, int64_t N, float* gout,
                       float* dbias);

}  // namespace pyfapi
