"""Python face of the C++ pooling kernels (csrc/pool): max and average, 1-D and 2-D.

Keras / TensorFlow semantics, channels_last: inputs ``(N, W, C)`` or ``(N, H, W, C)``;
``pool_size`` and ``strides`` (default: ``pool_size``) ints or tuples; padding 'valid' or 'same'
(TensorFlow rule, see :mod:`pyfapi.kernels._shapes`). Padding never takes part: max ignores it,
average divides by the number of window elements inside the input (as TF's ``avg_pool``).
Backward: max sends each window's gradient to its FIRST maximal element (row-major scan);
average spreads it evenly over the counted elements.

Validation happens here, before C++ (ValueError naming the op and the sizes). Inputs that are not
C-contiguous float32 are converted ONCE here with ``np.ascontiguousarray(x, dtype=np.float32)``.
"""
from __future__ import annotations

import numpy as np

from pyfapi import _C
from pyfapi.kernels._shapes import (as_float32, conv_output_size, normalize_padding,
                                    normalize_tuple, padding_before)

__all__ = ["max_pool_forward", "max_pool_backward", "avg_pool_forward", "avg_pool_backward",
           "pool_output_shape"]


class _PoolGeometry:
    def __init__(self, op, input_shape, pool_size, strides, padding):
        input_shape = tuple(None if s is None else int(s) for s in input_shape)
        if len(input_shape) not in (3, 4):
            raise ValueError(f"{op}: inputs must have rank 3 (batch, steps, channels) or 4 "
                             f"(batch, height, width, channels), got shape {input_shape}")
        rank = len(input_shape) - 2
        self.pool = normalize_tuple(pool_size, rank, "pool_size", op)
        self.strides = self.pool if strides is None else normalize_tuple(strides, rank, "strides", op)
        self.padding = normalize_padding(padding, op)
        spatial = input_shape[1:-1]
        out, pads = [], []
        for i in range(rank):
            o = conv_output_size(spatial[i], self.pool[i], self.strides[i], self.padding)
            if o is not None and o < 1 and not (spatial[i] == 0 and self.padding != "valid"):
                raise ValueError(f"{op}: with padding='valid' the output size along spatial axis {i} "
                                 f"would be {o} (< 1): input size {spatial[i]} is smaller than "
                                 f"pool_size {self.pool[i]}; inputs shape {input_shape}")
            out.append(o)
            pads.append(None if spatial[i] is None else
                        padding_before(spatial[i], self.pool[i], self.strides[i], self.padding))
        self.input_shape = input_shape
        self.output_shape = (input_shape[0], *out, input_shape[-1])
        if rank == 1:
            self.x4 = (input_shape[0], 1, input_shape[1], input_shape[2])
            self.y4 = (input_shape[0], 1, out[0], input_shape[2])
            self.args = (1, self.pool[0], 1, self.strides[0], 0, pads[0])
        else:
            self.x4, self.y4 = input_shape, self.output_shape
            self.args = (self.pool[0], self.pool[1], self.strides[0], self.strides[1], pads[0], pads[1])


def _check_dy(dy, g, op):
    if dy.shape != g.output_shape:
        raise ValueError(f"{op}: dy (output gradient) has shape {dy.shape}, expected {g.output_shape}")


def pool_output_shape(input_shape, pool_size, strides=None, padding="valid"):
    """Output shape of the pooling kernels (validating everything, raising as they do).

    ``None`` (unknown) batch / spatial sizes stay ``None``: usable by ``compute_output_shape``.
    """
    return _PoolGeometry("pool", input_shape, pool_size, strides, padding).output_shape


def max_pool_forward(x, pool_size, strides=None, padding="valid", *, op="max_pool"):
    """Max pooling forward. x: ``(N, W, C)`` / ``(N, H, W, C)`` -> float32 ``(N, Wo, C)`` / ``(N, Ho, Wo, C)``.

    Raises:
        TypeError: non-numeric dtype. ValueError: rank, non-positive pool_size / strides, unknown
        padding, 'valid' output size below 1.
    """
    x = as_float32(x, "inputs", op)
    g = _PoolGeometry(op, x.shape, pool_size, strides, padding)
    y = np.empty(g.output_shape, dtype=np.float32)
    if y.size:
        _C.max_pool_forward(x.reshape(g.x4), y.reshape(g.y4), *g.args)
    return y


def max_pool_backward(x, dy, pool_size, strides=None, padding="valid", *, op="max_pool"):
    """Gradient of ``sum(dy * max_pool_forward(x, ...))`` w.r.t. ``x`` (first maximum wins)."""
    x = as_float32(x, "inputs", op)
    dy = as_float32(dy, "dy", op)
    g = _PoolGeometry(op, x.shape, pool_size, strides, padding)
    _check_dy(dy, g, op)
    dx = np.empty(g.input_shape, dtype=np.float32)
    if dx.size:
        _C.max_pool_backward(x.reshape(g.x4), dy.reshape(g.y4), dx.reshape(g.x4), *g.args)
    return dx


def avg_pool_forward(x, pool_size, strides=None, padding="valid", *, op="average_pool"):
    """Average pooling forward (padding excluded from the count). Shapes as :func:`max_pool_forward`."""
    x = as_float32(x, "inputs", op)
    g = _PoolGeometry(op, x.shape, pool_size, strides, padding)
    y = np.empty(g.output_shape, dtype=np.float32)
    if y.size:
        _C.avg_pool_forward(x.reshape(g.x4), y.reshape(g.y4), *g.args)
    return y


def avg_pool_backward(dy, input_shape, pool_size, strides=None, padding="valid", *, op="average_pool"):
    """Gradient of ``sum(dy * avg_pool_forward(x, ...))`` w.r.t. ``x`` (x of ``input_shape``)."""
    dy = as_float32(dy, "dy", op)
    try:
        input_shape = tuple(int(s) for s in input_shape)
    except TypeError:
        raise ValueError(f"{op}: input_shape must be a shape tuple, got {input_shape!r}") from None
    g = _PoolGeometry(op, input_shape, pool_size, strides, padding)
    _check_dy(dy, g, op)
    dx = np.empty(g.input_shape, dtype=np.float32)
    if dx.size:
        _C.avg_pool_backward(dy.reshape(g.y4), dx.reshape(g.x4), *g.args)
    return dx
