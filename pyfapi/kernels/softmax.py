"""Python face of the fused last-axis softmax kernels (csrc/softmax).

Per row of ``x`` (the last axis), with ``v = x`` (+ an additive float mask)::

    y = exp(v - max(v)) / sum(exp(v - max(v)))          dx = y * (g - sum(g * y))

A boolean mask (True = keep) leaves entries out of the max and the sum: they get ``y = 0`` and
``dx = 0``. A row with every entry masked gives zeros, or ``1 / N`` when
``uniform_if_all_masked`` (Keras's fused dot-product-attention path), and ``dx = 0``.
NaN / inf behave as numpy's ``exp(x - max) / sum``: a row holding NaN (or +inf) becomes NaN.

Conversion policy: float32 C-contiguous ``x`` / ``g`` reach C++ without a copy; other real
dtypes / layouts are converted ONCE here. Masks are broadcast to ``x``'s shape as numpy views
(no copy; broadcast axes have stride 0); a mask broadcast along the last axis is materialised.
"""
from __future__ import annotations

import numpy as np

from pyfapi import _C

__all__ = ["softmax_forward", "softmax_backward", "prepare_mask", "sparse_xent_forward",
           "sparse_xent_backward", "xent_forward", "xent_backward"]

_F32 = np.dtype(np.float32)


def _f32(x, name, op):
    if type(x) is not np.ndarray:
        x = np.asarray(x)
    if x.dtype is _F32 and x.flags.c_contiguous:
        return x
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be a real (float32) array, got dtype {x.dtype}")
    return np.ascontiguousarray(x, dtype=np.float32)


def prepare_mask(mask, shape, op="softmax"):
    """``mask`` as the kernel's view of ``shape``: bool (keep) or float32 (additive), broadcast.

    Raises:
        TypeError: a non-real mask. ValueError: a mask of higher rank than x or not
        broadcastable to it (names both shapes).
    """
    if mask is None:
        return None
    m = mask if type(mask) is np.ndarray else np.asarray(getattr(mask, "value", mask))
    if m.dtype.kind not in "fiub":
        raise TypeError(f"{op}: mask must be a bool or real array, got dtype {m.dtype}")
    if m.ndim > len(shape) or any(a != 1 and a != b for a, b in zip(m.shape[::-1], shape[::-1])):
        raise ValueError(f"{op}: the mask of shape {m.shape} does not broadcast to the inputs of "
                         f"shape {tuple(shape)}")
    if m.dtype != np.bool_ and m.dtype is not _F32:
        m = m.astype(np.float32)
    m = np.broadcast_to(m, shape)
    if m.size == 0:  # nothing is read; numpy's strides of empty views may be anything
        return np.empty(shape, m.dtype)
    if shape and shape[-1] > 1 and m.strides[-1] != m.itemsize:
        m = np.ascontiguousarray(m)
    return m


def softmax_forward(x, mask=None, uniform_if_all_masked=False):
    """Softmax over the last axis of ``x`` (rank >= 1).

    Args:
        x: real array (converted once to float32 C order when it is not already).
        mask: None, a bool array (True = keep) or a real array (added to x), broadcastable to x.
        uniform_if_all_masked: a fully (bool-)masked row gives 1 / N instead of zeros.

    Returns:
        y, float32 of x's shape.

    Raises:
        ValueError: x of rank 0, a mask that does not broadcast. TypeError: non-real dtypes.
    """
    op = "softmax"
    x = _f32(x, "x", op)
    if x.ndim < 1:
        raise ValueError(f"{op}: x must have rank >= 1, got shape {x.shape}")
    return _C.softmax_forward(x, prepare_mask(mask, x.shape, op), bool(uniform_if_all_masked))


def softmax_backward(g, y, mask=None):
    """Backward of :func:`softmax_forward` from its output ``y``: ``y * (g - sum(g * y))`` along
    the last axis, 0 where a bool ``mask`` is False. Returns dx float32 of y's shape.

    Raises:
        ValueError: g and y of different shapes, a mask that does not broadcast.
    """
    op = "softmax_backward"
    y = _f32(y, "y", op)
    g = _f32(g, "g", op)
    if g.shape != y.shape or y.ndim < 1:
        raise ValueError(f"{op}: g has shape {g.shape}, expected y's shape {y.shape} (rank >= 1)")
    if mask is not None and getattr(mask, "dtype", None) != np.bool_:
        mask = None  # an additive mask does not change the backward
    return _C.softmax_backward(g, y, prepare_mask(mask, y.shape, op))


_XENT_LABELS = (np.dtype(np.int32), np.dtype(np.int64))


def sparse_xent_forward(logits, labels):
    """Sparse softmax cross-entropy (Keras 3 ``sparse_categorical_crossentropy(from_logits=True)``,
    TensorFlow's ``sparse_softmax_cross_entropy_with_logits``): ``y = softmax(logits)`` per row
    and ``loss = -log(y[label])`` (from the logits in double where that probability
    underflows).

    Args:
        logits: (M, N) float32, C-contiguous (other layouts / real dtypes converted once).
        labels: (M,) integers (int32 / int64 passed as is, others converted once).

    Returns:
        ``(loss (M,) float32, y (M, N) float32)``; ``y`` is what :func:`sparse_xent_backward`
        takes.

    Raises:
        ValueError: a label outside ``[0, N)`` (naming it and its row), or mismatched shapes.
    """
    x = _f32(logits, "logits", "sparse_categorical_crossentropy")
    t = labels if type(labels) is np.ndarray else np.asarray(labels)
    if x.ndim != 2 or t.shape != x.shape[:1]:
        raise ValueError(f"sparse_categorical_crossentropy: expected logits (rows, classes) and "
                         f"labels (rows,), got {x.shape} and {t.shape}")
    if t.dtype not in _XENT_LABELS or not t.flags.c_contiguous:
        t = np.ascontiguousarray(t, dtype=np.int64)
    return _C.sparse_xent_forward(x, t)


def sparse_xent_backward(g, y, labels):
    """``d logits = g[:, None] * (y - onehot(labels))`` for the forward's ``y`` (M, N) and the
    upstream per-sample gradient ``g`` (M,); float32, shapes as the forward's.

    Raises:
        ValueError: mismatched shapes or a label outside ``[0, N)``.
    """
    g = _f32(g, "g", "sparse_categorical_crossentropy")
    t = labels if type(labels) is np.ndarray else np.asarray(labels)
    if t.dtype not in _XENT_LABELS or not t.flags.c_contiguous:
        t = np.ascontiguousarray(t, dtype=np.int64)
    return _C.sparse_xent_backward(g, y, t)


def xent_forward(logits, target):
    """Softmax cross-entropy with target distributions (Keras 3
    ``categorical_crossentropy(from_logits=True)``): per row ``loss = sum(target * (lse - x))``
    with ``lse = log(sum(exp(x)))``, summed in double.

    Args:
        logits, target: (M, N), converted once to float32 C-contiguous if they are not.

    Returns:
        ``(loss (M,), y = softmax (M, N), lse (M,))``, float32.

    Raises:
        ValueError: logits not 2-D or target of another shape.
    """
    x = _f32(logits, "logits", "categorical_crossentropy")
    t = _f32(target, "target", "categorical_crossentropy")
    if x.ndim != 2 or t.shape != x.shape:
        raise ValueError(f"categorical_crossentropy: expected logits and target of one shape "
                         f"(rows, classes), got {x.shape} and {t.shape}")
    return _C.xent_forward(x, t)


def xent_backward(g, y, target):
    """``d logits = g[:, None] * (y * sum(target, -1) - target)`` for the forward's ``y``."""
    return _C.xent_backward(_f32(g, "g", "categorical_crossentropy"), y,
                            _f32(target, "target", "categorical_crossentropy"))
