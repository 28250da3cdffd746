// Layer normalization over the last axis of an (M, C) row-major float32 matrix (Ba et al. 2016;
// keras.ops.layer_normalization):
//   mean_m = sum_c x[m,c] / C,  var_m = sum_c (x[m,c] - mean_m)^2 / C  (biased),
//   inv_m = 1 / sqrt(var_m + eps),  y[m,c] = (x[m,c] - mean_m) inv_m gamma[c] + beta[c].
// Forward: ONE pass over each row for the statistics (moments about a shift near the mean --
// the mean of the row's first vector -- in float lanes, chunk totals in double; a second pass
// about the mean only when the shift lies > 2 standard deviations away), a second pass, over the
// row now in L1, writes y. Backward (xhat = (x - mean) inv, g = dy gamma), one pass over (dy, x)
// for the row sums and the dgamma / dbeta partials, a second (L1) pass writes dx:
//   dx = inv (g - mean_c(g) - xhat mean_c(g xhat)),  dgamma = sum_m dy xhat,  dbeta = sum_m dy.
// Rows are independent (parallel over rows); the column sums dgamma / dbeta are float32 partials
// over fixed blocks of kLayerNormRows rows, added in block order in double: results depend on the
// shape only, never on the thread count. Row kernels compiled per ISA (layernorm_rows.inc),
// chosen by pyfapi::active_isa().
#pragma once
#include <cstdint>

namespace pyfapi {

constexpr int64_t kLayerNormRows = 64;

// x, y: (M, C); gamma, beta: C floats or nullptr (1 / 0); mean, inv_std: M floats (outputs).
void layernorm_forward(const float* x, int64_t M, int64_t C, const float* gamma,
                       const float* beta, float eps, float* y, float* mean, float* inv_std);

// dy, x: (M, C); mean, inv_std from the forward; gamma or nullptr. dx: (M, C) or nullptr;
// dgamma, dbeta: C floats or nullptr.
void layernorm_backward(const float* dy, const float* x, int64_t M, int64_t C,
                        const float* mean, const float* inv_std, const float* gamma, float* dx,
                        float* dgamma, float* dbeta);

}  // namespace pyfapi
