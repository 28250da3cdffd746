// Convolution kernels (Keras/TensorFlow semantics, channels_last, float32).
// 1-D convolutions are 2-D ones with H = 1 and KH = 1 (the Python face passes views).
#pragma once
#include <cstdint>

#include "gemm/gemm.h"

namespace pyfapi {

// Geometry of one 2-D convolution. Input (N, H, W, C), kernel (KH, KW, C, CO) for a dense
// convolution or (KH, KW, C, DM) for a depthwise one, output (N, HO, WO, CO) (CO = C * DM for a
// depthwise one). Output pixel (oh, ow) reads input pixels (oh*SH - PT + kh*DH, ow*SW - PL + kw*DW);
// pixels outside the input are zeros. Any HO, WO, PT, PL >= 0 is memory-safe: every input index
// is bounds-checked, so the padding at the bottom / right is implied by HO / WO.
struct ConvGeom {
  int64_t N, H, W, C;   // input
  int64_t KH, KW, CO;   // kernel taps and output channels (CO = C * DM for depthwise)
  int64_t HO, WO;       // output size
  int64_t SH, SW;       // strides (>= 1)
  int64_t DH, DW;       // dilations (>= 1)
  int64_t PT, PL;       // padding before (top, left) (>= 0)
};

// y = act(conv(x, k) + bias). bias: nullptr or CO floats.
void conv2d_forward(const ConvGeom& g, const float* x, const float* k, const float* bias, Act act,
                    float* y);
// dx = d(sum(dy * conv(x, k)))/dx; dx is fully overwritten.
void conv2d_backward_input(const ConvGeom& g, const float* dy, const float* k, float* dx);
// dk = d(sum(dy * conv(x, k)))/dk; dk is fully overwritten.
void conv2d_backward_kernel(const ConvGeom& g, const float* x, const float* dy, float* dk);

// Winograd F(2x2, 3x3) paths (3x3, stride 1, dilation 1, >= 16 channels in and out) of
// conv2d_forward and conv2d_backward_kernel; conv2d_backward_input reaches the forward one
// through its stride-1 transposed convolution.
bool winograd_applicable(const ConvGeom& g);
void winograd_forward(const ConvGeom& g, const float* x, const float* k, const float* bias, Act act,
                      float* y);
void winograd_backward_kernel(const ConvGeom& g, const float* x, const float* dy, float* dk);
// Winograd F(2, r) along W (winograd1d.cpp): 1 x r kernels, r in 3..5, stride 1, dilation 1,
// >= 16 input / >= 32 output channels.
bool winograd1d_applicable(const ConvGeom& g);
void winograd1d_forward(const ConvGeom& g, const float* x, const float* k, const float* bias,
                        Act act, float* y);
void winograd1d_backward_kernel(const ConvGeom& g, const float* x, const float* dy, float* dk);

// Depthwise: y[n, oh, ow, c*DM + m] = sum_{kh, kw} x[n, ih, iw, c] * k[kh, kw, c, m]; DM = CO / C.
void depthwise_forward(const ConvGeom& g, const float* x, const float* k, float* y);
void depthwise_backward_input(const ConvGeom& g, const float* dy, const float* k, float* dx);
void depthwise_backward_kernel(const ConvGeom& g, const float* x, const float* dy, float* dk);

}  // namespace pyfapi
