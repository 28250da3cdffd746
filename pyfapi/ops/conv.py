"""Convolution ops (``keras.ops.conv`` / ``keras.ops.depthwise_conv``), channels_last, on the
C++ kernels of :mod:`pyfapi.kernels.conv`.

* ``conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1)``:
  inputs ``(N, W, C)`` / ``(N, H, W, C)``, kernel ``(kw, C, F)`` / ``(kh, kw, C, F)``.
  ``padding`` is 'valid' or 'same' (TensorFlow rule, odd pixel at the bottom / right) and, for
  1-D inputs only, 'causal' (an extension of keras.ops.conv used by Conv1D(padding='causal')).
* ``depthwise_conv(inputs, kernel, ...)``: kernel ``(kh, kw, C, M)`` (or ``(kw, C, M)``), output
  channel ``c * M + m`` as TensorFlow.

Gradients: input gradient = the adjoint convolution (``conv_backward_input``), kernel gradient =
``sum_n im2col(x_n)^T @ dy_n`` (``conv_backward_kernel``); see csrc/conv/*.cpp.

Dtypes: the kernels compute in float32. Any other numeric input is converted once to float32
(:mod:`pyfapi.kernels`); float64 inputs are computed in float32 and the result is cast back to
float64 (so float64 graphs, e.g. gradcheck, keep their dtype, with float32 precision).
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels import conv as _k
from pyfapi.kernels import elementwise as _ew

__all__ = ["conv", "depthwise_conv", "conv_bias_activation"]

_F64 = np.dtype(np.float64)


def check_data_format(data_format, op: str) -> None:
    """Only channels_last is implemented (Keras' default)."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{op}: only data_format='channels_last' (or None) is supported, got "
                         f"{data_format!r}")


def result_dtype(*arrays):
    """float64 when any input is float64, else float32 (the kernels' dtype)."""
    return _F64 if any(a.dtype == _F64 for a in arrays) else np.dtype(np.float32)


def cast_to(a, dtype):
    """Returns ``a`` cast to ``dtype`` (``a`` itself when None or already that dtype)."""
    return a if a is None or a.dtype == dtype else a.astype(dtype)


def _needs(ctx, n):
    return getattr(ctx, "needs_input_grad", (True,) * n)


@register
class Conv(Op):
    """Dense N-D convolution (cross-correlation as ``tf.nn.convolution``)."""
    name = "conv"

    @staticmethod
    def forward(ctx, inputs, kernel, *, strides=1, padding="valid", dilation_rate=1):
        """``(batch, *spatial, Cin)`` x kernel ``(*k, Cin, Cout)`` -> ``(batch, *out, Cout)`` on the
        C++ kernel; float64 if any input is float64, else float32.
        """
        dt = result_dtype(inputs, kernel)
        ctx.geometry = (strides, padding, dilation_rate)
        ctx.save(inputs, kernel)
        return cast_to(_k.conv_forward(inputs, kernel, strides, padding, dilation_rate, op="conv"), dt)

    @staticmethod
    def backward(ctx, grad):
        """Returns ``(d inputs, d kernel)`` from the C++ kernels, in the input dtypes (None if not
        needed).
        """
        x, k = ctx.saved
        nx, nk = _needs(ctx, 2)
        gx = _k.conv_backward_input(grad, k, x.shape, *ctx.geometry, op="conv") if nx else None
        gk = _k.conv_backward_kernel(x, grad, k.shape, *ctx.geometry, op="conv") if nk else None
        return cast_to(gx, x.dtype), cast_to(gk, k.dtype)


@register
class DepthwiseConv(Op):
    """Depthwise convolution (``tf.nn.depthwise_conv2d`` channel order)."""
    name = "depthwise_conv"

    @staticmethod
    def forward(ctx, inputs, kernel, *, strides=1, padding="valid", dilation_rate=1):
        """``(batch, *spatial, Cin)`` x kernel ``(*k, Cin, M)`` -> ``(batch, *out, Cin * M)``;
        float64 if any input is float64, else float32.
        """
        dt = result_dtype(inputs, kernel)
        ctx.geometry = (strides, padding, dilation_rate)
        ctx.save(inputs, kernel)
        return cast_to(_k.depthwise_conv_forward(inputs, kernel, strides, padding, dilation_rate,
                                                 op="depthwise_conv"), dt)

    @staticmethod
    def backward(ctx, grad):
        """Returns ``(d inputs, d kernel)`` from the C++ kernels, in the input dtypes (None if not
        needed).
        """
        x, k = ctx.saved
        nx, nk = _needs(ctx, 2)
        gx = (_k.depthwise_conv_backward_input(grad, k, x.shape, *ctx.geometry, op="depthwise_conv")
              if nx else None)
        gk = (_k.depthwise_conv_backward_kernel(x, grad, k.shape, *ctx.geometry, op="depthwise_conv")
              if nk else None)
        return cast_to(gx, x.dtype), cast_to(gk, k.dtype)


@register
class ConvBiasActivation(Op):
    """conv + bias + (relu) fused in the GEMM epilogue (pyfapi extension for Conv1D/Conv2D)."""
    name = "conv_bias_activation"

    @staticmethod
    def forward(ctx, inputs, kernel, bias, *, strides=1, padding="valid", dilation_rate=1,
                activation=None):
        """Returns ``act(conv(inputs, kernel) + bias)`` with act None or "relu", ``(batch, *out,
        Cout)``.
        """
        dt = result_dtype(inputs, kernel, bias)
        ctx.geometry = (strides, padding, dilation_rate)
        y = _k.conv_forward(inputs, kernel, strides, padding, dilation_rate, bias=bias,
                            activation=activation, op="conv_bias_activation")
        ctx.relu = activation == "relu"
        ctx.save(inputs, kernel, bias, y if ctx.relu else None)
        return cast_to(y, dt)

    @staticmethod
    def backward(ctx, grad):
        """Masks ``grad`` by ``y > 0`` for relu, then returns ``(d inputs, d kernel, d bias = sum of
        grad)``.
        """
        x, k, b, y = ctx.saved
        nx, nk, nb = _needs(ctx, 3)
        op = "conv_bias_activation"
        gb = None
        if grad.dtype == np.float32:  # relu mask + bias gradient in one C++ pass
            if ctx.relu or nb:
                grad, gb = _ew.bias_act_backward(grad, y if ctx.relu else None, bias_grad=nb, op=op)
        else:  # float64 graphs (e.g. gradcheck): numpy, float64 bias sum
            if ctx.relu:
                grad = np.where(y > 0, grad, 0).astype(grad.dtype, copy=False)
            gb = grad.reshape(-1, grad.shape[-1]).sum(axis=0, dtype=np.float64) if nb else None
        gx = _k.conv_backward_input(grad, k, x.shape, *ctx.geometry, op=op) if nx else None
        gk = _k.conv_backward_kernel(x, grad, k.shape, *ctx.geometry, op=op) if nk else None
        return cast_to(gx, x.dtype), cast_to(gk, k.dtype), None if gb is None else gb.astype(b.dtype)


def conv_bias_activation(inputs, kernel, bias, strides=1, padding="valid", dilation_rate=1,
                         activation=None):
    """``activation(conv(inputs, kernel, ...) + bias)`` in one kernel call (the bias add and the
    relu run in the GEMM epilogue). A pyfapi extension (not a keras.ops name) for the Conv1D /
    Conv2D layers.

    Args:
        inputs, kernel, strides, padding, dilation_rate: as :func:`conv`.
        bias: ``(filters,)``.
        activation: None / 'linear' or 'relu' (other activations: apply them afterwards).

    Returns:
        Tensor of :func:`conv`'s shape. Gradients: inputs, kernel and bias (relu mask from the
        output).

    Raises:
        As :func:`conv`; ValueError for a bias of the wrong shape or another activation.
    """
    return apply(ConvBiasActivation, inputs, kernel, bias, strides=strides, padding=padding,
                 dilation_rate=dilation_rate, activation=activation)


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, *,
         bias=None, activation=None):
    """General N-D convolution, as ``keras.ops.conv`` (channels_last; 1-D and 2-D).

    Args:
        inputs: ``(batch, width, channels)`` or ``(batch, height, width, channels)``.
        kernel: ``(kw, in_channels, filters)`` or ``(kh, kw, in_channels, filters)``.
        strides, dilation_rate: int or tuple of one int per spatial axis (>= 1).
        padding: 'valid', 'same' (TensorFlow rule) or, for 1-D, 'causal'.
        data_format: None or 'channels_last'.
        bias: keyword-only pyfapi extension: optional ``(filters,)`` added in the GEMM epilogue.
        activation: keyword-only pyfapi extension: None / 'linear' or 'relu', applied in the
            epilogue after the bias (the Conv layers' fused path; same as
            :func:`conv_bias_activation`).

    Returns:
        Tensor ``(batch, out_w, filters)`` / ``(batch, out_h, out_w, filters)``, float32 (float64
        for float64 inputs).

    Raises:
        ValueError: wrong ranks, in_channels mismatch, non-positive strides / dilation, unknown
            padding, 'valid' output size below 1, unsupported data_format, a bias of the wrong
            shape, an activation other than None / 'linear' / 'relu' (messages name sizes).
        TypeError: non-numeric inputs.
    """
    check_data_format(data_format, "conv")
    if bias is None and activation in (None, "linear"):
        return apply(Conv, inputs, kernel, strides=strides, padding=padding,
                     dilation_rate=dilation_rate)
    if bias is None:  # relu without a bias: a constant zero bias (never watched, no gradient)
        bias = np.zeros(np.shape(getattr(kernel, "value", kernel))[-1:], np.float32)
    return apply(ConvBiasActivation, inputs, kernel, bias, strides=strides, padding=padding,
                 dilation_rate=dilation_rate, activation=activation)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution, as ``keras.ops.depthwise_conv`` (channels_last; 1-D and 2-D).

    Args:
        inputs: ``(batch, width, C)`` or ``(batch, height, width, C)``.
        kernel: ``(kw, C, depth_multiplier)`` or ``(kh, kw, C, depth_multiplier)``.
        strides, padding, data_format, dilation_rate: as :func:`conv`.

    Returns:
        Tensor with ``C * depth_multiplier`` channels; channel ``c * M + m`` uses ``kernel[..., c, m]``.

    Raises:
        As :func:`conv`.
    """
    check_data_format(data_format, "depthwise_conv")
    return apply(DepthwiseConv, inputs, kernel, strides=strides, padding=padding,
                 dilation_rate=dilation_rate)
