"""Python face of the C++ convolution kernels (csrc/conv): dense and depthwise, 1-D and 2-D.

Semantics are Keras / TensorFlow ``channels_last``:

* dense: inputs ``(N, W, C)`` with kernel ``(kw, C, F)`` -> ``(N, Wo, F)``; inputs
  ``(N, H, W, C)`` with kernel ``(kh, kw, C, F)`` -> ``(N, Ho, Wo, F)``;
  ``y[n, o, f] = sum_{k, c} x[n, o * stride - pad_before + k * dilation, c] * kernel[k, c, f]``
  (zeros outside the input), i.e. cross-correlation as ``tf.nn.convolution``.
* depthwise: kernel ``(kh, kw, C, M)`` (or ``(kw, C, M)``) -> ``C * M`` output channels, output
  channel ``c * M + m`` from input channel ``c`` and ``kernel[..., c, m]`` (``tf.nn.depthwise_conv2d``).
* padding 'valid' / 'same' / 'causal' (1-D only), output sizes and padding amounts from
  :mod:`pyfapi.kernels._shapes` (TensorFlow rule: the odd 'same' pixel goes at the bottom / right).

Algorithms (csrc/conv): im2col blocks on the SGEMM with the bias / relu epilogue fused, one GEMM
for 1x1 stride-1 convolutions, Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions with >= 16
input and output channels and Winograd F(2, r) for 1-D (and 1 x r) kernels of width 3..5 with
stride 1, dilation 1, >= 16 input and >= 32 output channels (forward, input and kernel gradients),
direct channel-vectorised loops for depthwise convolutions.

Every argument is validated here, before C++ touches memory (ValueError naming the op, the
expected and the received sizes). Inputs that are not C-contiguous float32 are converted ONCE
here with ``np.ascontiguousarray(x, dtype=np.float32)``; float32 C-contiguous inputs go to C++
without a copy. The kernels release the GIL and use the OpenMP threads of
``pyfapi._C.set_num_threads``; results do not depend on the thread count.
"""
from __future__ import annotations

import numpy as np

from pyfapi import _C
from pyfapi.kernels._shapes import (as_float32, conv_output_size, normalize_padding,
                                    normalize_tuple, padding_before, same_padding)
from pyfapi.kernels.gemm import ACTIVATIONS as _ACTIVATIONS  # the same epilogue codes

__all__ = ["conv_forward", "conv_backward_input", "conv_backward_kernel",
           "depthwise_conv_forward", "depthwise_conv_backward_input",
           "depthwise_conv_backward_kernel", "conv_output_size", "same_padding",
           "conv_output_shape"]


class _Geometry:
    """Validated geometry of one convolution, in the 2-D form the C++ kernels take."""

    def __init__(self, op, input_shape, kernel_shape, strides, padding, dilation_rate, depthwise):
        input_shape = tuple(None if s is None else int(s) for s in input_shape)
        kernel_shape = tuple(int(s) for s in kernel_shape)
        if len(input_shape) not in (3, 4):
            raise ValueError(f"{op}: inputs must have rank 3 (batch, width, channels) or 4 "
                             f"(batch, height, width, channels), got shape {input_shape}")
        rank = len(input_shape) - 2
        kdesc = "(kernel_w, in_channels, {})" if rank == 1 else "(kernel_h, kernel_w, in_channels, {})"
        kdesc = kdesc.format("depth_multiplier" if depthwise else "filters")
        if len(kernel_shape) != rank + 2:
            raise ValueError(f"{op}: for inputs of shape {input_shape} (rank {rank + 2}) the kernel "
                             f"must have rank {rank + 2} {kdesc}, got shape {kernel_shape}")
        if kernel_shape[-2] != input_shape[-1]:
            raise ValueError(f"{op}: kernel in_channels ({kernel_shape[-2]}, kernel shape "
                             f"{kernel_shape}) must equal the inputs' channels ({input_shape[-1]}, "
                             f"inputs shape {input_shape})")
        if any(k < 1 for k in kernel_shape[:rank]):
            raise ValueError(f"{op}: kernel spatial sizes must be >= 1, got kernel shape {kernel_shape}")
        self.rank = rank
        self.strides = normalize_tuple(strides, rank, "strides", op)
        self.dilation = normalize_tuple(dilation_rate, rank, "dilation_rate", op)
        self.padding = normalize_padding(padding, op, allow_causal=(rank == 1))
        spatial = input_shape[1:-1]
        ksize = kernel_shape[:rank]
        out, pads = [], []
        for i in range(rank):
            o = conv_output_size(spatial[i], ksize[i], self.strides[i], self.padding, self.dilation[i])
            if o is not None and o < 1 and not (spatial[i] == 0 and self.padding != "valid"):
                raise ValueError(
                    f"{op}: with padding='valid' the output size along spatial axis {i} would be {o} "
                    f"(< 1): input size {spatial[i]} is smaller than the dilated kernel size "
                    f"{(ksize[i] - 1) * self.dilation[i] + 1} (kernel {ksize[i]}, dilation "
                    f"{self.dilation[i]}); inputs shape {input_shape}, kernel shape {kernel_shape}")
            out.append(o)
            pads.append(None if spatial[i] is None else
                        padding_before(spatial[i], ksize[i], self.strides[i], self.padding,
                                       self.dilation[i]))
        cout = kernel_shape[-2] * kernel_shape[-1] if depthwise else kernel_shape[-1]
        self.input_shape = input_shape
        self.kernel_shape = kernel_shape
        self.output_shape = (input_shape[0], *out, cout)
        # 2-D views for C++: (N, H, W, C), (KH, KW, Cin, Cout), geometry ints.
        if rank == 1:
            self.x4 = (input_shape[0], 1, input_shape[1], input_shape[2])
            self.k4 = (1, *kernel_shape)
            self.y4 = (input_shape[0], 1, out[0], cout)
            self.args = (1, self.strides[0], 1, self.dilation[0], 0, pads[0])
        else:
            self.x4, self.k4, self.y4 = input_shape, kernel_shape, self.output_shape
            self.args = (self.strides[0], self.strides[1], self.dilation[0], self.dilation[1],
                         pads[0], pads[1])


def _check_shape(a, expected, name, op):
    if a.shape != tuple(expected):
        raise ValueError(f"{op}: {name} has shape {a.shape}, expected {tuple(expected)}")


def _shape_arg(shape, name, op):
    try:
        return tuple(int(s) for s in shape)
    except TypeError:
        raise ValueError(f"{op}: {name} must be a shape tuple, got {shape!r}") from None


def conv_output_shape(input_shape, kernel_shape, strides=1, padding="valid", dilation_rate=1):
    """Output shape of :func:`conv_forward` (validating everything, raising as it does).

    ``None`` (unknown) batch / spatial sizes stay ``None``: usable by ``compute_output_shape``.
    """
    return _Geometry("conv", input_shape, kernel_shape, strides, padding, dilation_rate, False).output_shape


def conv_forward(x, kernel, strides=1, padding="valid", dilation_rate=1, bias=None, activation=None,
                 *, op="conv"):
    """Keras ``ops.conv`` forward, optionally fused with a bias and a relu (Conv1D/Conv2D layers).

    Args:
        x: inputs, ``(N, W, C)`` or ``(N, H, W, C)``; float32 (other dtypes converted once).
        kernel: ``(kw, C, F)`` or ``(kh, kw, C, F)``.
        strides, dilation_rate: int or tuple of ``rank`` ints, each >= 1.
        padding: 'valid', 'same' or 'causal' (1-D only), case-insensitive.
        bias: optional ``(F,)`` vector added to every output pixel.
        activation: None / 'linear' or 'relu', applied after the bias.
        op: name used in error messages (e.g. the calling layer).

    Returns:
        float32 ``(N, Wo, F)`` / ``(N, Ho, Wo, F)`` (:mod:`pyfapi.kernels._shapes` gives Ho, Wo).

    Raises:
        TypeError: non-numeric dtype. ValueError: rank, channel mismatch, bad strides / dilation /
        padding, 'valid' output size below 1, bias shape, unknown activation.
    """
    x = as_float32(x, "inputs", op)
    kernel = as_float32(kernel, "kernel", op)
    g = _Geometry(op, x.shape, kernel.shape, strides, padding, dilation_rate, False)
    if activation not in _ACTIVATIONS:
        raise ValueError(f"{op}: activation must be None, 'linear' or 'relu', got {activation!r}")
    if bias is not None:
        bias = as_float32(bias, "bias", op)
        _check_shape(bias, (g.output_shape[-1],), "bias", op)
    y = np.empty(g.output_shape, dtype=np.float32)
    if y.size:
        _C.conv2d_forward(x.reshape(g.x4), kernel.reshape(g.k4), y.reshape(g.y4), *g.args, bias,
                          _ACTIVATIONS[activation])
    return y


def conv_backward_input(dy, kernel, input_shape, strides=1, padding="valid", dilation_rate=1, *,
                        op="conv"):
    """Gradient of ``sum(dy * conv_forward(x, kernel, ...))`` with respect to ``x``.

    Args:
        dy: ``conv_forward``'s output shape; kernel: as in :func:`conv_forward`;
        input_shape: the shape of ``x``.

    Returns:
        float32 array of ``input_shape``. Raises as :func:`conv_forward`, and ValueError when
        ``dy`` does not have the forward output shape.
    """
    dy = as_float32(dy, "dy", op)
    kernel = as_float32(kernel, "kernel", op)
    g = _Geometry(op, _shape_arg(input_shape, "input_shape", op), kernel.shape, strides, padding,
                  dilation_rate, False)
    _check_shape(dy, g.output_shape, "dy (output gradient)", op)
    dx = np.empty(g.input_shape, dtype=np.float32)
    if dx.size:
        _C.conv2d_backward_input(dy.reshape(g.y4), kernel.reshape(g.k4), dx.reshape(g.x4), *g.args)
    return dx


def conv_backward_kernel(x, dy, kernel_shape, strides=1, padding="valid", dilation_rate=1, *,
                         op="conv"):
    """Gradient of ``sum(dy * conv_forward(x, kernel, ...))`` with respect to ``kernel``.

    Returns:
        float32 array of ``kernel_shape`` (zeros for an empty batch). Raises as
        :func:`conv_forward`, and ValueError when ``dy`` does not have the forward output shape.
    """
    x = as_float32(x, "inputs", op)
    dy = as_float32(dy, "dy", op)
    g = _Geometry(op, x.shape, _shape_arg(kernel_shape, "kernel_shape", op), strides, padding,
                  dilation_rate, False)
    _check_shape(dy, g.output_shape, "dy (output gradient)", op)
    dk = np.empty(g.kernel_shape, dtype=np.float32)
    if dk.size:
        _C.conv2d_backward_kernel(x.reshape(g.x4), dy.reshape(g.y4), dk.reshape(g.k4), *g.args)
    return dk


def _empty_aligned(shape):
    """An uninitialised C-contiguous float32 array whose data starts on a 64-byte boundary (a
    cache line: whole-line vector stores, and streaming stores for large depthwise outputs)."""
    n = int(np.prod(shape))
    buf = np.empty(n + 16, dtype=np.float32)
    off = (-buf.ctypes.data // 4) % 16
    return buf[off:off + n].reshape(shape)


def depthwise_conv_forward(x, kernel, strides=1, padding="valid", dilation_rate=1, *,
                           op="depthwise_conv"):
    """Keras ``ops.depthwise_conv`` forward.

    Args:
        x: ``(N, W, C)`` or ``(N, H, W, C)``.
        kernel: ``(kw, C, M)`` or ``(kh, kw, C, M)`` (M = depth_multiplier).
        strides, padding ('valid' / 'same'; 'causal' for 1-D), dilation_rate: as :func:`conv_forward`.

    Returns:
        float32 ``(N, Wo, C*M)`` / ``(N, Ho, Wo, C*M)``; channel ``c*M + m`` uses ``kernel[..., c, m]``.

    Raises:
        As :func:`conv_forward`.
    """
    x = as_float32(x, "inputs", op)
    kernel = as_float32(kernel, "kernel", op)
    g = _Geometry(op, x.shape, kernel.shape, strides, padding, dilation_rate, True)
    y = _empty_aligned(g.output_shape)
    if y.size:
        _C.depthwise_forward(x.reshape(g.x4), kernel.reshape(g.k4), y.reshape(g.y4), *g.args)
    return y


def depthwise_conv_backward_input(dy, kernel, input_shape, strides=1, padding="valid",
                                  dilation_rate=1, *, op="depthwise_conv"):
    """Gradient of ``sum(dy * depthwise_conv_forward(x, kernel, ...))`` with respect to ``x``."""
    dy = as_float32(dy, "dy", op)
    kernel = as_float32(kernel, "kernel", op)
    g = _Geometry(op, _shape_arg(input_shape, "input_shape", op), kernel.shape, strides, padding,
                  dilation_rate, True)
    _check_shape(dy, g.output_shape, "dy (output gradient)", op)
    dx = np.empty(g.input_shape, dtype=np.float32)
    if dx.size:
        _C.depthwise_backward_input(dy.reshape(g.y4), kernel.reshape(g.k4), dx.reshape(g.x4), *g.args)
    return dx


def depthwise_conv_backward_kernel(x, dy, kernel_shape, strides=1, padding="valid",
                                   dilation_rate=1, *, op="depthwise_conv"):
    """Gradient of ``sum(dy * depthwise_conv_forward(x, kernel, ...))`` with respect to ``kernel``."""
    x = as_float32(x, "inputs", op)
    dy = as_float32(dy, "dy", op)
    g = _Geometry(op, x.shape, _shape_arg(kernel_shape, "kernel_shape", op), strides, padding,
                  dilation_rate, True)
    _check_shape(dy, g.output_shape, "dy (output gradient)", op)
    dk = np.empty(g.kernel_shape, dtype=np.float32)
    if dk.size:
        _C.depthwise_backward_kernel(x.reshape(g.x4), dy.reshape(g.y4), dk.reshape(g.k4), *g.args)
    return dk
