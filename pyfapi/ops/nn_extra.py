"""Further ``keras.ops.nn`` functions: ``sparsemax`` (Martins & Astudillo 2016).

sparsemax(x) along ``axis`` is the Euclidean projection onto the probability simplex:
``max(x - tau, 0)`` with tau chosen so the result sums to 1. Its VJP on the support S
(outputs > 0): ``g_S - mean_S(g)``, 0 elsewhere.
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.ops._common import as_float

__all__ = ["sparsemax"]


@register
class Sparsemax(Op):
    """Sparsemax along one axis; ints cast to float32."""
    name = "sparsemax"

    @staticmethod
    def forward(ctx, x, axis=-1):
        """Returns the projection of x onto the simplex along ``axis``. ValueError for a 0-d
        input or an axis out of range."""
        x = as_float(x)
        if x.ndim == 0:
            raise ValueError("sparsemax: input must have at least 1 dimension")
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"sparsemax: axis {axis} is out of range for shape {x.shape}")
        xm = np.moveaxis(x, axis, -1)
        if xm.shape[-1] == 0:
            y = xm.copy()
        else:
            z = -np.sort(-xm, axis=-1)
            k = np.arange(1, z.shape[-1] + 1, dtype=x.dtype)
            cs = np.cumsum(z, axis=-1)
            support = 1 + k * z > cs
            kk = np.sum(support, axis=-1, keepdims=True)
            tau = (np.take_along_axis(cs, kk - 1, axis=-1) - 1) / kk.astype(x.dtype)
            y = np.maximum(xm - tau, 0)
        y = np.moveaxis(y, -1, axis)
        ctx.saved = y
        ctx.axis = axis
        return np.ascontiguousarray(y)

    @staticmethod
    def backward(ctx, g):
        """``s * (g - sum(g s) / sum(s))`` with s = (y > 0)."""
        y, axis = ctx.saved, ctx.axis
        s = (y > 0).astype(g.dtype)
        n = np.maximum(np.sum(s, axis=axis, keepdims=True), 1)
        return s * (g - np.sum(g * s, axis=axis, keepdims=True) / n)


def sparsemax(x, axis=-1):
    """Sparsemax along ``axis`` (``keras.ops.sparsemax``): like softmax but with exact zeros.

    Returns:
        A float Tensor shaped like x whose entries along ``axis`` are >= 0 and sum to 1.

    Raises:
        ValueError: 0-d input, axis out of range.
    """
    return apply(Sparsemax, x, axis=int(axis))
