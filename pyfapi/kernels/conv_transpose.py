"""Python face of transposed convolutions on the C++ convolution kernels (csrc/conv).

``conv_transpose(x, kernel)`` with x ``(N, H, W, Cin)`` (or 1-D ``(N, W, Cin)``) and a Keras
kernel ``(kh, kw, filters, Cin)`` is the input-gradient of a forward convolution from
``(N, Ho, Wo, filters)`` with the same kernel, strides and dilation (the col2im pass on the
SGEMM, ``_C.conv2d_backward_input``); its gradients are a forward convolution (for x,
``_C.conv2d_forward``) and the kernel-gradient pass (``_C.conv2d_backward_kernel``) -- all three in
C++, with the padding ``pad_before = k' - 1 - left_pad`` below.

Output length along each axis (Keras ``deconv_output_length``; ``k' = (k - 1) d + 1``)::

    output_padding None: 'valid': in * s + max(k' - s, 0);  'same': in * s
    output_padding p:    (in - 1) * s + k' - 2 * pad + p,  pad = k' // 2 ('same') or 0

and the zeros cropped before the first output element (Keras's JAX padding rule,
``_convert_conv_transpose_padding_args_from_keras_to_jax``)::

    'valid': left_pad = k' - 1
    'same':  pad_len = s + k' - 2 (p None) or k' + k' % 2 - 2 + p;  left_pad = min(ceil(pad_len / 2), k' - 1)
    pad_before = k' - 1 - left_pad
"""
from __future__ import annotations

import numpy as np

from pyfapi import _C
from pyfapi.kernels._shapes import as_float32, normalize_padding, normalize_tuple

__all__ = ["conv_transpose_geometry", "conv_transpose_forward", "conv_transpose_backward_input",
           "conv_transpose_backward_kernel", "deconv_output_length"]


def deconv_output_length(n, k, stride, padding, output_padding=None, dilation=1):
    """Keras's transposed-convolution output length along one axis (None stays None)."""
    if n is None:
        return None
    ke = (k - 1) * dilation + 1
    if output_padding is None:
        return n * stride + max(ke - stride, 0) if padding == "valid" else n * stride
    pad = ke // 2 if padding == "same" else 0
    return (n - 1) * stride + ke - 2 * pad + output_padding


def _pad_before(k, stride, padding, output_padding, dilation):
    ke = (k - 1) * dilation + 1
    if padding == "valid":
        left = ke - 1
    else:
        pad_len = stride + ke - 2 if output_padding is None else ke + ke % 2 - 2 + output_padding
        left = min(pad_len // 2 + pad_len % 2, ke - 1)
    return ke - 1 - left


class ConvTransposeGeometry:
    """Validated geometry: ``output_shape``, the 2-D views (x4, k4, y4) and C++ geometry args."""

    def __init__(self, op, input_shape, kernel_shape, strides, padding, output_padding,
                 dilation_rate):
        input_shape = tuple(None if s is None else int(s) for s in input_shape)
        kernel_shape = tuple(int(s) for s in kernel_shape)
        if len(input_shape) not in (3, 4):
            raise ValueError(f"{op}: inputs must have rank 3 (batch, width, channels) or 4 "
                             f"(batch, height, width, channels), got shape {input_shape}")
        rank = len(input_shape) - 2
        if len(kernel_shape) != rank + 2:
            raise ValueError(f"{op}: for inputs of shape {input_shape} the kernel must have rank "
                             f"{rank + 2} (*kernel_size, filters, in_channels), got shape "
                             f"{kernel_shape}")
        if kernel_shape[-1] != input_shape[-1]:
            raise ValueError(f"{op}: kernel in_channels (last axis, {kernel_shape[-1]}, kernel "
                             f"shape {kernel_shape}) must equal the inputs' channels "
                             f"({input_shape[-1]}, inputs shape {input_shape})")
        if any(k < 1 for k in kernel_shape[:rank]):
            raise ValueError(f"{op}: kernel spatial sizes must be >= 1, got {kernel_shape}")
        strides = normalize_tuple(strides, rank, "strides", op)
        dil = normalize_tuple(dilation_rate, rank, "dilation_rate", op)
        padding = normalize_padding(padding, op)
        if output_padding is None:
            opad = (None,) * rank
        else:
            if isinstance(output_padding, (int, np.integer)):
                opad = (int(output_padding),) * rank
            else:
                opad = tuple(int(v) for v in output_padding)
            if len(opad) != rank or any(v < 0 for v in opad):
                raise ValueError(f"{op}: output_padding must be None or {rank} ints >= 0, got "
                                 f"{output_padding!r}")
            for p, s in zip(opad, strides):
                if p >= s:
                    raise ValueError(f"{op}: strides {strides} must be greater than "
                                     f"output_padding {opad}")
        out, pads = [], []
        for i in range(rank):
            o = deconv_output_length(input_shape[i + 1], kernel_shape[i], strides[i], padding,
                                     opad[i], dil[i])
            if o is not None and o < 1 and input_shape[i + 1] != 0:
                raise ValueError(f"{op}: the output size along spatial axis {i} would be {o} "
                                 f"(<= 0) for inputs of shape {input_shape}, kernel "
                                 f"{kernel_shape}, strides {strides}, padding '{padding}', "
                                 f"output_padding {output_padding}, dilation {dil}")
            out.append(max(o, 0) if o is not None else None)
            pads.append(_pad_before(kernel_shape[i], strides[i], padding, opad[i], dil[i]))
        self.rank, self.input_shape, self.kernel_shape = rank, input_shape, kernel_shape
        self.output_shape = (input_shape[0], *out, kernel_shape[-2])
        if rank == 1:
            self.x4 = (input_shape[0], 1, input_shape[1], input_shape[2])
            self.k4 = (1, *kernel_shape)
            self.y4 = (input_shape[0], 1, out[0], kernel_shape[-2])
            self.args = (1, strides[0], 1, dil[0], 0, pads[0])
        else:
            self.x4, self.k4, self.y4 = input_shape, kernel_shape, self.output_shape
            self.args = (strides[0], strides[1], dil[0], dil[1], pads[0], pads[1])


def conv_transpose_geometry(input_shape, kernel_shape, strides=1, padding="valid",
                            output_padding=None, dilation_rate=1, op="conv_transpose"):
    """The validated :class:`ConvTransposeGeometry` (``.output_shape``; None dims stay None)."""
    return ConvTransposeGeometry(op, input_shape, kernel_shape, strides, padding, output_padding,
                                 dilation_rate)


def conv_transpose_forward(x, kernel, strides=1, padding="valid", output_padding=None,
                           dilation_rate=1, *, op="conv_transpose"):
    """Transposed convolution (``keras.ops.conv_transpose``, channels_last).

    Returns:
        float32 ``(N, *out, filters)``.

    Raises:
        TypeError: non-numeric dtype. ValueError: ranks, channel mismatch, bad strides /
        padding / output_padding (>= stride), an output size <= 0 (message names the shapes).
    """
    x = as_float32(x, "inputs", op)
    kernel = as_float32(kernel, "kernel", op)
    g = conv_transpose_geometry(x.shape, kernel.shape, strides, padding, output_padding,
                                dilation_rate, op)
    y = np.empty(g.output_shape, np.float32)
    if y.size:
        if x.size:
            _C.conv2d_backward_input(x.reshape(g.x4), kernel.reshape(g.k4), y.reshape(g.y4),
                                     *g.args)
        else:
            y.fill(0.0)
    return y


def conv_transpose_backward_input(dy, kernel, g):
    """d inputs of :func:`conv_transpose_forward`: a forward convolution of dy (C++)."""
    dy = as_float32(dy, "dy", "conv_transpose")
    if dy.shape != g.output_shape:
        raise ValueError(f"conv_transpose: dy has shape {dy.shape}, expected {g.output_shape}")
    kernel = as_float32(kernel, "kernel", "conv_transpose")
    dx = np.empty(g.input_shape, np.float32)
    if dx.size:
        if dy.size:
            _C.conv2d_forward(dy.reshape(g.y4), kernel.reshape(g.k4), dx.reshape(g.x4), *g.args,
                              None, 0)
        else:
            dx.fill(0.0)
    return dx


def conv_transpose_backward_kernel(x, dy, g):
    """d kernel of :func:`conv_transpose_forward`: the conv kernel-gradient pass (C++)."""
    x = as_float32(x, "inputs", "conv_transpose")
    dy = as_float32(dy, "dy", "conv_transpose")
    if dy.shape != g.output_shape:
        raise ValueError(f"conv_transpose: dy has shape {dy.shape}, expected {g.output_shape}")
    dk = np.zeros(g.kernel_shape, np.float32)
    if dk.size and x.size and dy.size:
        _C.conv2d_backward_kernel(dy.reshape(g.y4), x.reshape(g.x4), dk.reshape(g.k4), *g.args)
    return dk
