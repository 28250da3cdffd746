"""``conv_transpose`` (``keras.ops.conv_transpose``, channels_last, 1-D and 2-D) on the C++
convolution kernels (:mod:`pyfapi.kernels.conv_transpose`): forward = the conv input-gradient
pass (col2im on the SGEMM), VJP = a forward convolution (inputs) and the kernel-gradient pass
(kernel). float64 inputs are computed in float32 and cast back."""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels import conv_transpose as _k

__all__ = ["conv_transpose"]


def _dtype(*arrays):
    return np.float64 if any(a.dtype == np.float64 for a in arrays) else np.float32


@register
class ConvTranspose(Op):
    """Transposed convolution; kernel ``(*kernel_size, filters, in_channels)`` (Keras)."""
    name = "conv_transpose"

    @staticmethod
    def forward(ctx, inputs, kernel, *, strides=1, padding="valid", output_padding=None,
                dilation_rate=1):
        """``(N, *S, Cin)`` -> ``(N, *out, filters)`` (Keras output-size rule)."""
        g = _k.conv_transpose_geometry(inputs.shape, kernel.shape, strides, padding,
                                       output_padding, dilation_rate)
        ctx.g = g
        ctx.save(inputs, kernel)
        y = _k.conv_transpose_forward(inputs, kernel, strides, padding, output_padding,
                                      dilation_rate)
        return y.astype(_dtype(inputs, kernel), copy=False)

    @staticmethod
    def backward(ctx, grad):
        """``(d inputs, d kernel)`` from the C++ conv forward / kernel-gradient passes."""
        x, k = ctx.saved
        need = getattr(ctx, "needs_input_grad", (True, True))
        gx = _k.conv_transpose_backward_input(grad, k, ctx.g) if need[0] else None
        gk = _k.conv_transpose_backward_kernel(x, grad, ctx.g) if need[1] else None
        return (None if gx is None else gx.astype(x.dtype, copy=False),
                None if gk is None else gk.astype(k.dtype, copy=False))


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution as ``keras.ops.conv_transpose`` (channels_last).

    Args:
        inputs: ``(batch, width, channels)`` or ``(batch, height, width, channels)``.
        kernel: ``(kw, filters, channels)`` or ``(kh, kw, filters, channels)``.
        strides, dilation_rate: int or one int per spatial axis. padding: 'valid' / 'same'.
        output_padding: None or ints < strides (extra rows / columns at the end).

    Returns:
        Tensor ``(batch, *out, filters)``; out from Keras's ``deconv_output_length``.

    Raises:
        ValueError: ranks, channel mismatch, output_padding >= strides, an output size <= 0,
            channels_first (names the shapes).
    """
    if data_format not in (None, "channels_last"):
        raise ValueError(f"conv_transpose: only data_format='channels_last' is supported, got "
                         f"{data_format!r}")
    return apply(ConvTranspose, inputs, kernel, strides=strides, padding=padding,
                 output_padding=output_padding, dilation_rate=dilation_rate)
