"""``tensordot``, ``floor_divide``, ``mod`` and ``array``, as ``keras.ops``.

``tensordot`` is written as an :func:`pyfapi.ops.einsum` (differentiable through its VJP).
``floor_divide`` has no gradient (as Keras); ``mod`` has ``(g, -g * floor(a / b))``.
"""
from __future__ import annotations

import string

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register, unbroadcast
from pyfapi.autodiff.tensor import as_array, convert_to_tensor
from pyfapi.ops._common import FLOAT32, broadcast_error, promote

__all__ = ["tensordot", "floor_divide", "mod", "array"]


def tensordot(x1, x2, axes=2):
    """``numpy.tensordot``: sum over the last ``axes`` axes of ``x1`` and the first of ``x2``
    (or the given pair of axis lists); differentiable (written as an :func:`einsum`).

    Raises:
        ValueError: contracted axes of different sizes, or too many axes.
    """
    a, b = as_array(x1), as_array(x2)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n > a.ndim or n > b.ndim:
            raise ValueError(f"tensordot: axes={n} exceeds the ranks of shapes {a.shape} and "
                             f"{b.shape}")
        ax_a, ax_b = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        ax_a = [int(i) % a.ndim for i in ax_a]
        ax_b = [int(i) % b.ndim for i in ax_b]
    if len(ax_a) != len(ax_b) or any(a.shape[i] != b.shape[j] for i, j in zip(ax_a, ax_b)):
        raise ValueError(f"tensordot: cannot contract axes {ax_a} of shape {a.shape} with axes "
                         f"{ax_b} of shape {b.shape}")
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    out = [c for i, c in enumerate(sa) if i not in ax_a] + \
        [c for j, c in enumerate(sb) if j not in ax_b]
    from pyfapi.ops.einsum import einsum
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", x1, x2)


@register
class FloorDivide(Op):
    """``y = floor(a / b)`` with numpy broadcasting; no gradient (as Keras)."""
    name = "floor_divide"
    differentiable = False

    @staticmethod
    def forward(ctx, a, b):
        """Returns ``numpy.floor_divide(a, b)`` (x // 0 = +-inf / nan for floats)."""
        if a.dtype is not b.dtype:
            a, b = promote(a, b)
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.floor_divide(a, b)
        except ValueError:
            broadcast_error("floor_divide", a, b)


@register
class Mod(Op):
    """``y = a mod b`` (sign of ``b``, as numpy / Python); VJP ``(g, -g * floor(a / b))``."""
    name = "mod"

    @staticmethod
    def forward(ctx, a, b):
        """Returns ``numpy.mod(a, b)``."""
        if a.dtype is not b.dtype:
            a, b = promote(a, b)
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.mod(a, b)
        except ValueError:
            broadcast_error("mod", a, b)
        ctx.saved = (a, b)
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``(g, -g * floor(a / b))`` unbroadcast to the input shapes."""
        a, b = ctx.saved
        ga = unbroadcast(g, a.shape)
        gb = unbroadcast(-g * np.floor(a / b), b.shape)
        return ga, gb


def floor_divide(x1, x2):
    """``x1 // x2`` elementwise (no gradient)."""
    return apply(FloorDivide, x1, x2)


def mod(x1, x2):
    """``x1 % x2`` elementwise (result has the sign of ``x2``), differentiable."""
    return apply(Mod, x1, x2)


def array(x, dtype=None):
    """A Tensor holding ``x`` (``keras.ops.array``); float64 data becomes float32 unless
    ``dtype`` says otherwise."""
    arr = np.asarray(getattr(x, "value", x), dtype=dtype)
    if dtype is None and arr.dtype == np.float64:
        arr = arr.astype(FLOAT32)
    return convert_to_tensor(arr)
