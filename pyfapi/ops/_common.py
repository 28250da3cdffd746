"""Small helpers shared by the op modules: dtype promotion, axis normalisation, error messages."""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.tensor import FLOAT32

__all__ = ["promote", "broadcast_error", "norm_axes", "as_float", "FLOAT32", "reduced_shape",
           "reduces_empty", "extremum_keepdims"]


def promote(a: np.ndarray, b: np.ndarray):
    """Cast an int/bool operand to the float operand's dtype (Keras: int32 * float32 -> float32)."""
    ka, kb = a.dtype.kind, b.dtype.kind
    if ka == "f" and kb in "biu":
        return a, b.astype(a.dtype)
    if kb == "f" and ka in "biu":
        return a.astype(b.dtype), b
    return a, b


def broadcast_error(op: str, a: np.ndarray, b: np.ndarray):
    """Raise the ValueError for operands that do not broadcast, naming the op and both shapes."""
    raise ValueError(f"{op}: cannot broadcast shapes {a.shape} and {b.shape} "
                     f"(dimensions must be equal or 1, aligned from the right)") from None


def norm_axes(axis, ndim: int, op: str):
    """``axis`` (None, int or sequence) as a sorted tuple of non-negative axes (None stays None).

    Raises:
        ValueError: an axis outside ``[-ndim, ndim)`` or a repeated axis; names the op.
    """
    if axis is None:
        return None
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, checked below otherwise
        return (axis % ndim,)
    if isinstance(axis, (int, np.integer)):
        axes = (int(axis),)
    else:
        axes = tuple(int(a) for a in axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for an input of rank {ndim}")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))


def reduced_shape(shape: tuple, axes) -> tuple:
    """``shape`` with the reduced ``axes`` kept as size 1 (``keepdims=True`` shape)."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def reduces_empty(shape: tuple, axes) -> bool:
    """True when reducing ``shape`` over ``axes`` (None: all) reduces some output over no element."""
    if axes is None:
        return 0 in shape
    return any(shape[a] == 0 for a in axes)


_max_reduce = np.maximum.reduce
_min_reduce = np.minimum.reduce


def extremum_keepdims(x: np.ndarray, axes, maximum: bool = True) -> np.ndarray:
    """``x.max(axis=axes, keepdims=True)`` (``x.min`` when ``maximum`` is False), same values.

    numpy reduces a short last axis row by row (~50 ns per row: 6 us for softmax's (128, 10)
    logits); for many short rows the rows are transposed once and reduced elementwise instead
    (max/min are exact, so the result, NaN propagation included, is identical).
    """
    reduce = _max_reduce if maximum else _min_reduce
    shape = x.shape
    if axes is not None and len(axes) == 1 and axes[0] == len(shape) - 1 and len(shape) > 1:
        n = shape[-1]
        if 0 < n <= 64 and x.size >= 32 * n:
            return reduce(x.reshape(-1, n).T.copy(), axis=0).reshape(shape[:-1] + (1,))
    return reduce(x, axis=axes, keepdims=True)


def as_float(x: np.ndarray) -> np.ndarray:
    """Integer/bool input of a float op -> float32 (Keras casts ints to float32 there)."""
    return x if x.dtype.kind in "fc" else x.astype(FLOAT32)
