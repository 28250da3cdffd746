"""Sorting, ranking and a few more ``keras.ops`` numpy functions, composed of registered ops (so
values differentiate through ``take_along_axis``; indices never do): ``argsort``, ``sort``,
``top_k``, ``roll``, ``linspace``, ``log2``, ``log10``, ``ceil``, ``isinf``. Semantics are Keras
3's on JAX (stable ordering: ties keep the lower index first).
"""
from __future__ import annotations

import math

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.autodiff.tensor import as_array, convert_to_tensor
from pyfapi.ops._common import norm_axes
from pyfapi.ops import math as _m
from pyfapi.ops.shape_ops import take_along_axis

__all__ = ["argsort", "sort", "top_k", "roll", "linspace", "log2", "log10", "ceil", "isinf"]


def _axis(x, axis, op):
    return norm_axes(axis, np.ndim(x), op)[0]


def argsort(x, axis=-1):
    """Indices (int32) that sort ``x`` along ``axis`` ascending (stable); not differentiable.

    Raises:
        ValueError: ``axis`` out of bounds (a 0-d ``x`` is sorted as one element).
    """
    a = as_array(x)
    if a.ndim == 0:
        return convert_to_tensor(np.zeros((), np.int32))
    return convert_to_tensor(np.argsort(a, axis=_axis(a, axis, "argsort"), kind="stable")
                             .astype(np.int32))


def sort(x, axis=-1):
    """``x`` sorted ascending along ``axis``; differentiable (the gradient goes back to each
    value's position).

    Raises:
        ValueError: ``axis`` out of bounds.
    """
    if np.ndim(as_array(x)) == 0:
        return convert_to_tensor(x)
    return take_along_axis(x, argsort(x, axis), axis=_axis(as_array(x), axis, "sort"))


def top_k(x, k, sorted=True):
    """``(values, indices)`` of the ``k`` largest entries along the last axis, largest first;
    ties keep the lower index first (as ``jax.lax.top_k``). ``values`` differentiable,
    ``indices`` int32.

    Raises:
        ValueError: rank 0, or ``k`` not in ``[0, x.shape[-1]]``.
    """
    a = as_array(x)
    if a.ndim == 0:
        raise ValueError("top_k: expected an array of rank >= 1, received a scalar")
    k = int(k)
    if not 0 <= k <= a.shape[-1]:
        raise ValueError(f"top_k: k={k} is out of range for a last axis of size {a.shape[-1]}")
    order = np.argsort(-a if a.dtype.kind != "b" else ~a, axis=-1, kind="stable")[..., :k]
    idx = convert_to_tensor(order.astype(np.int32))
    return take_along_axis(x, idx, axis=-1), idx


@register
class Roll(Op):
    """``y = roll(x, shift, axis)``; VJP ``roll(g, -shift, axis)``."""
    name = "roll"

    @staticmethod
    def forward(ctx, x, shift=0, axis=None):
        """Returns ``np.roll(x, shift, axis)`` (``axis=None``: the flattened array)."""
        x = np.asarray(x)
        if axis is not None:
            axes = axis if isinstance(axis, (tuple, list)) else (axis,)
            axis = tuple(_axis(x, a, "roll") for a in axes)  # in the given order: pairs shifts
            if len(axis) == 1:
                axis = axis[0]
        ctx.info = (shift, axis)
        return np.roll(x, shift, axis)

    @staticmethod
    def backward(ctx, g):
        """Returns ``roll(g, -shift, axis)``."""
        shift, axis = ctx.info
        neg = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
        return np.roll(g, neg, axis)


def roll(x, shift, axis=None):
    """``x`` shifted circularly by ``shift`` along ``axis`` (None: flattened, then reshaped).

    Raises:
        ValueError: an axis out of bounds.
    """
    return apply(Roll, x, shift=shift, axis=axis)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (numpy's rule), float32 unless
    ``dtype``; with ``retstep`` also the step. Not differentiable.

    Raises:
        ValueError: ``num`` < 0.
    """
    if int(num) < 0:
        raise ValueError(f"linspace: num must be >= 0, received {num}")
    out, step = np.linspace(as_array(start), as_array(stop), int(num), endpoint=endpoint,
                            retstep=True, axis=axis)
    out = convert_to_tensor(out.astype(dtype or np.float32))
    return (out, step) if retstep else out


def log2(x):
    """Base-2 logarithm (ints -> float32); differentiable."""
    return _m.divide(_m.log(x), math.log(2.0))


def log10(x):
    """Base-10 logarithm (ints -> float32); differentiable."""
    return _m.divide(_m.log(x), math.log(10.0))


def ceil(x):
    """Smallest integer >= x, element-wise (``-floor(-x)``; zero gradient as floor's)."""
    return _m.negative(_m.floor(_m.negative(x)))


def isinf(x):
    """Element-wise test for +-inf (bool)."""
    return _m.logical_and(_m.logical_not(_m.isfinite(x)), _m.logical_not(_m.isnan(x)))
