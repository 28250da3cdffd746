// Batch normalization over the last axis (channels_last): x viewed as (M, C), float32.
// Ioffe & Szegedy 2015; Keras formulas: y = scale * (x - mean) / sqrt(var + eps) + offset.
// Sums over M use double accumulators in fixed row blocks reduced in a fixed order, so results
// do not depend on the thread count. gamma / beta may be nullptr (scale 1 / offset 0).
#pragma once
#include <cstdint>

namespace pyfapi {

// Training forward: batch mean and biased variance per channel (two passes), then y.
// Outputs mean, var, inv_std = 1 / sqrt(var + eps) (C each) and y (M, C). M == 0 gives mean 0,
// var 0 (the Python face refuses M == 0 for training).
void batchnorm_train_forward(const float* x, int64_t M, int64_t C, const float* gamma,
                             const float* beta, float eps, float* y, float* mean, float* var,
                             float* inv_std);

// Inference forward with given mean / var (C each).
void batchnorm_infer_forward(const float* x, int64_t M, int64_t C, const float* mean,
                             const float* var, const float* gamma, const float* beta, float eps,
                             float* y);

// Backward of the training forward (batch statistics depend on x):
//   xhat = (x - mean) inv_std; dbeta = sum dy; dgamma = sum dy xhat;
//   dx = gamma inv_std / M (M dy - dbeta - xhat dgamma).
void batchnorm_train_backward(const float* dy, const float* x, int64_t M, int64_t C,
                              const float* mean, const float* inv_std, const float* gamma,
                              float* dx, float* dgamma, float* dbeta);

// Backward of the inference form y = gamma (x - mean) / sqrt(var + eps) + beta with mean / var
// as independent inputs: dx = dy gamma inv; dgamma = sum dy (x - mean) inv; dbeta = sum dy;
// dmean = -gamma inv dbeta; dvar = -gamma inv^2 dgamma / 2.
void batchnorm_infer_backward(const float* dy, const float* x, int64_t M, int64_t C,
                              const float* mean, const float* var, const float* gamma, float eps,
                              float* dx, float* dgamma, float* dbeta, float* dmean, float* dvar);

}  // namespace pyfapi
