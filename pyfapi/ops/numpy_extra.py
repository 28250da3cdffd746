"""More of ``keras.ops``' numpy functions, each a registered op with its VJP: ``sin``, ``cos``,
``rsqrt``, ``cumsum``, ``flip``, ``tril``, ``triu`` (Keras 3: keras/src/ops/numpy.py; the
formulas are numpy's). Integers are cast to float32 where the result is fractional.
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.ops._common import as_float, norm_axes

__all__ = ["sin", "cos", "rsqrt", "cumsum", "flip", "tril", "triu"]


@register
class Sin(Op):
    """``y = sin(x)``; VJP ``g * cos(x)``."""
    name = "sin"

    @staticmethod
    def forward(ctx, x):
        """Returns ``sin(x)``; saves ``x``."""
        x = as_float(x)
        ctx.saved = x
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * cos(x)``."""
        return g * np.cos(ctx.saved)


@register
class Cos(Op):
    """``y = cos(x)``; VJP ``-g * sin(x)``."""
    name = "cos"

    @staticmethod
    def forward(ctx, x):
        """Returns ``cos(x)``; saves ``x``."""
        x = as_float(x)
        ctx.saved = x
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        """Returns ``-g * sin(x)``."""
        return -g * np.sin(ctx.saved)


@register
class Rsqrt(Op):
    """``y = 1 / sqrt(x)``; VJP ``-g * y^3 / 2``."""
    name = "rsqrt"

    @staticmethod
    def forward(ctx, x):
        """Returns ``1 / sqrt(x)`` (inf at 0, nan below, as numpy); saves ``y``."""
        x = as_float(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = (1.0 / np.sqrt(x)).astype(x.dtype, copy=False)
        ctx.saved = y
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``-g * y^3 / 2``."""
        y = ctx.saved
        return g * (-0.5 * y * y * y)


@register
class Cumsum(Op):
    """``y = cumsum(x, axis)`` (``axis=None``: of the flattened array); VJP the reversed cumsum
    of ``g``."""
    name = "cumsum"

    @staticmethod
    def forward(ctx, x, axis=None, dtype=None):
        """Returns the running sum along ``axis``; bool counts as int32."""
        x = np.asarray(x)
        if x.dtype == bool:
            x = x.astype(np.int32)
        axis = None if axis is None else norm_axes(axis, x.ndim, "cumsum")[0]
        ctx.info = (x.shape, axis)
        y = np.cumsum(x, axis=axis, dtype=dtype)
        return y if dtype is not None or y.dtype == x.dtype else y.astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        """Returns ``flip(cumsum(flip(g)))`` along the axis, reshaped to ``x``."""
        shape, axis = ctx.info
        if axis is None:
            return np.flip(np.cumsum(np.flip(g.ravel()))).reshape(shape)
        return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


@register
class Flip(Op):
    """``y = flip(x, axis)`` (``axis=None``: every axis); VJP ``flip(g, axis)``."""
    name = "flip"

    @staticmethod
    def forward(ctx, x, axis=None):
        """Returns ``x`` reversed along ``axis`` (int, tuple or None)."""
        x = np.asarray(x)
        if axis is not None:
            axis = norm_axes(axis, x.ndim, "flip")
        ctx.info = axis
        return np.flip(x, axis)

    @staticmethod
    def backward(ctx, g):
        """Returns ``flip(g, axis)``."""
        return np.flip(g, ctx.info)


class _Triangle(Op):
    _fn = None

    @classmethod
    def forward(cls, ctx, x, k=0):
        """Returns ``x`` with the other triangle of its last two axes zeroed (rank >= 2)."""
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"{cls.name}: expected an array of rank >= 2, received shape "
                             f"{x.shape}")
        ctx.info = int(k)
        return cls._fn(x, int(k))

    @classmethod
    def backward(cls, ctx, g):
        """Returns ``g`` masked the same way."""
        return cls._fn(g, ctx.info)


@register
class Tril(_Triangle):
    """Lower triangle (``j <= i + k``) of the last two axes; VJP the same mask on ``g``."""
    name = "tril"
    _fn = staticmethod(np.tril)


@register
class Triu(_Triangle):
    """Upper triangle (``j >= i + k``) of the last two axes; VJP the same mask on ``g``."""
    name = "triu"
    _fn = staticmethod(np.triu)


def sin(x):
    """Element-wise sine (ints -> float32)."""
    return apply(Sin, x)


def cos(x):
    """Element-wise cosine (ints -> float32)."""
    return apply(Cos, x)


def rsqrt(x):
    """``1 / sqrt(x)`` element-wise (ints -> float32)."""
    return apply(Rsqrt, x)


def cumsum(x, axis=None, dtype=None):
    """Running sum along ``axis`` (None: the flattened array), as ``keras.ops.cumsum``.

    Raises:
        ValueError: ``axis`` out of bounds.
    """
    return apply(Cumsum, x, axis=axis, dtype=dtype)


def flip(x, axis=None):
    """``x`` reversed along ``axis`` (an int, a tuple, or None for every axis).

    Raises:
        ValueError: an axis out of bounds.
    """
    return apply(Flip, x, axis=axis)


def tril(x, k=0):
    """Lower triangle of the last two axes: entries with ``j > i + k`` set to 0.

    Raises:
        ValueError: rank < 2.
    """
    return apply(Tril, x, k=k)


def triu(x, k=0):
    """Upper triangle of the last two axes: entries with ``j < i + k`` set to 0.

    Raises:
        ValueError: rank < 2.
    """
    return apply(Triu, x, k=k)
