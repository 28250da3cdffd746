"""Pooling ops (``keras.ops.max_pool`` / ``keras.ops.average_pool``), channels_last, 1-D and 2-D,
on the C++ kernels of :mod:`pyfapi.kernels.pool`.

TensorFlow semantics: ``strides`` default to ``pool_size``; 'same' padding never takes part
(max ignores it, average divides by the number of window elements inside the input). Gradient:
max pooling sends each window's gradient to the window's FIRST maximal element (row-major);
average pooling spreads it evenly over the counted elements.

Dtypes as :mod:`pyfapi.ops.conv`: computed in float32, float64 inputs get float64 results.
"""
from __future__ import annotations

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels import pool as _k
from pyfapi.ops.conv import cast_to, check_data_format, result_dtype

__all__ = ["max_pool", "average_pool"]


@register
class MaxPool(Op):
    """Max pooling (channels_last, 1-D/2-D) on the C++ kernel; VJP routes ``g`` to the max of each
    window.
    """
    name = "max_pool"

    @staticmethod
    def forward(ctx, inputs, *, pool_size, strides=None, padding="valid"):
        """``(batch, *spatial, C)`` -> ``(batch, *pooled, C)`` by window max; saves the input."""
        ctx.geometry = (pool_size, strides, padding)
        ctx.save(inputs)
        return cast_to(_k.max_pool_forward(inputs, pool_size, strides, padding, op="max_pool"),
                       result_dtype(inputs))

    @staticmethod
    def backward(ctx, grad):
        """Returns the input gradient ``(batch, *spatial, C)`` from the kernel, in the input dtype.
        """
        (x,) = ctx.saved
        return (cast_to(_k.max_pool_backward(x, grad, *ctx.geometry, op="max_pool"), x.dtype),)


@register
class AveragePool(Op):
    """Average pooling (channels_last, 1-D/2-D) on the C++ kernel; VJP spreads ``g / window_count``.
    """
    name = "average_pool"

    @staticmethod
    def forward(ctx, inputs, *, pool_size, strides=None, padding="valid"):
        """``(batch, *spatial, C)`` -> ``(batch, *pooled, C)`` by window mean."""
        ctx.geometry = (pool_size, strides, padding)
        ctx.input_shape, ctx.input_dtype = inputs.shape, inputs.dtype
        return cast_to(_k.avg_pool_forward(inputs, pool_size, strides, padding, op="average_pool"),
                       result_dtype(inputs))

    @staticmethod
    def backward(ctx, grad):
        """Returns the input gradient ``(batch, *spatial, C)`` from the kernel, in the input dtype.
        """
        gx = _k.avg_pool_backward(grad, ctx.input_shape, *ctx.geometry, op="average_pool")
        return (cast_to(gx, ctx.input_dtype),)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling, as ``keras.ops.max_pool`` (channels_last; 1-D and 2-D).

    Args:
        inputs: ``(batch, steps, C)`` or ``(batch, height, width, C)``.
        pool_size: int or tuple of one int per spatial axis (>= 1).
        strides: int, tuple or None (= pool_size).
        padding: 'valid' or 'same'.
        data_format: None or 'channels_last'.

    Returns:
        Tensor ``(batch, out_steps, C)`` / ``(batch, out_h, out_w, C)``.

    Raises:
        ValueError: wrong rank, non-positive pool_size / strides, unknown padding, 'valid' output
            size below 1, unsupported data_format. TypeError: non-numeric inputs.
    """
    check_data_format(data_format, "max_pool")
    return apply(MaxPool, inputs, pool_size=pool_size, strides=strides, padding=padding)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling, as ``keras.ops.average_pool`` (padding excluded from the average).

    Args / Returns / Raises: as :func:`max_pool`.
    """
    check_data_format(data_format, "average_pool")
    return apply(AveragePool, inputs, pool_size=pool_size, strides=strides, padding=padding)
