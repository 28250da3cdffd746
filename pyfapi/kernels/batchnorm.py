"""Python face of the batch-normalization kernels (csrc/batchnorm), last axis (channels_last).

``x`` of any rank >= 1 is viewed as (M, C) with C = x.shape[-1]; statistics are per channel over
the M = x.size / C rows. Formulas (Ioffe & Szegedy 2015; keras.ops.batch_normalization)::

    y = scale * (x - mean) / sqrt(variance + epsilon) + offset

Training uses the batch mean and the biased batch variance (two passes, double accumulators).
``scale`` / ``offset`` may be None (1 / 0). Conversion policy: float32 C-contiguous arrays reach
C++ without a copy; other real dtypes / layouts are converted ONCE here with
``np.ascontiguousarray(x, dtype=np.float32)``.
"""
from __future__ import annotations

import numpy as np

from pyfapi import _C

__all__ = ["batch_norm_train", "batch_norm_train_backward", "batch_norm_inference",
           "batch_norm_inference_backward"]


def _as_f32(x, name: str, op: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be a real (float32) array, got dtype {x.dtype}")
    # (np.ascontiguousarray alone would turn a 0-d array into 1-d: keep the shape)
    return np.ascontiguousarray(x, dtype=np.float32).reshape(x.shape)


def _rows(x, op: str):
    x = _as_f32(x, "x", op)
    if x.ndim < 1:
        raise ValueError(f"{op}: x must have at least 1 dimension (channels last), got shape {x.shape}")
    c = x.shape[-1]
    m = int(np.prod(x.shape[:-1], dtype=np.int64))
    return x, x.reshape(m, c), c


def _vec(v, name: str, c: int, op: str, optional: bool = True):
    if v is None:
        if optional:
            return None
        raise ValueError(f"{op}: {name} is required")
    v = _as_f32(v, name, op)
    if v.shape != (c,):
        raise ValueError(f"{op}: {name} has shape {v.shape}, expected {(c,)} (channels = last axis "
                         f"of x)")
    return v


def _eps(epsilon, op: str) -> float:
    e = float(epsilon)
    if not e >= 0.0:
        raise ValueError(f"{op}: epsilon must be >= 0, got {epsilon}")
    return e


def batch_norm_train(x, scale=None, offset=None, epsilon: float = 1e-3):
    """Training-mode batch norm with batch statistics over all axes but the last.

    Args:
        x: float32 array (..., C) with at least one element per channel.
        scale, offset: (C,) or None. epsilon: >= 0 (Keras BatchNormalization default 1e-3).

    Returns:
        ``(y, mean, variance, inv_std)``: y like x; mean, variance (biased), inv_std =
        1/sqrt(variance + epsilon), each (C,) float32.

    Raises:
        TypeError: non-real dtype. ValueError: rank 0, no rows (empty batch), (C,) mismatches.
    """
    op = "batch_norm_train"
    x, x2, c = _rows(x, op)
    g = _vec(scale, "scale", c, op)
    b = _vec(offset, "offset", c, op)
    e = _eps(epsilon, op)
    if x2.shape[0] == 0:
        raise ValueError(f"{op}: cannot compute batch statistics of an empty batch: x has shape {x.shape}")
    y, mean, var, inv = _C.batchnorm_train_forward(x2, g, b, e)
    return y.reshape(x.shape), mean, var, inv


def batch_norm_train_backward(d_y, x, mean, inv_std, scale=None):
    """Backward of :func:`batch_norm_train` (the statistics depend on x).

    ``dx = scale * inv_std * (dy - mean(dy) - xhat * mean(dy * xhat))``, xhat = (x - mean) inv_std;
    ``d_scale = sum(dy * xhat)``, ``d_offset = sum(dy)`` over all axes but the last.

    Returns:
        ``(d_x, d_scale, d_offset)`` float32, shapes of x, (C,), (C,).
    """
    op = "batch_norm_train_backward"
    x, x2, c = _rows(x, op)
    dy = _as_f32(d_y, "d_y", op)
    if dy.shape != x.shape:
        raise ValueError(f"{op}: d_y has shape {dy.shape}, expected {x.shape}")
    mean = _vec(mean, "mean", c, op, optional=False)
    inv_std = _vec(inv_std, "inv_std", c, op, optional=False)
    g = _vec(scale, "scale", c, op)
    dx, dg, db = _C.batchnorm_train_backward(dy.reshape(x2.shape), x2, mean, inv_std, g)
    return dx.reshape(x.shape), dg, db


def batch_norm_inference(x, mean, variance, scale=None, offset=None, epsilon: float = 1e-3):
    """Batch norm with given per-channel statistics (keras.ops.batch_normalization, last axis).

    Returns:
        y: float32, shape of x.

    Raises:
        TypeError: non-real dtype. ValueError: rank 0, (C,) mismatches, negative epsilon.
    """
    op = "batch_normalization"
    x, x2, c = _rows(x, op)
    mean = _vec(mean, "mean", c, op, optional=False)
    var = _vec(variance, "variance", c, op, optional=False)
    g = _vec(scale, "scale", c, op)
    b = _vec(offset, "offset", c, op)
    e = _eps(epsilon, op)
    return _C.batchnorm_infer_forward(x2, mean, var, g, b, e).reshape(x.shape)


def batch_norm_inference_backward(d_y, x, mean, variance, scale=None, epsilon: float = 1e-3):
    """Backward of :func:`batch_norm_inference` w.r.t. every array input.

    With inv = 1/sqrt(variance + epsilon) and sums over all axes but the last:
    ``dx = dy scale inv``, ``d_scale = sum(dy (x - mean) inv)``, ``d_offset = sum(dy)``,
    ``d_mean = -scale inv d_offset``, ``d_variance = -scale inv^2 d_scale / 2``.

    Returns:
        ``(d_x, d_mean, d_variance, d_scale, d_offset)`` float32 (d_scale computed with scale=1
        semantics even when scale is None).
    """
    op = "batch_normalization_backward"
    x, x2, c = _rows(x, op)
    dy = _as_f32(d_y, "d_y", op)
    if dy.shape != x.shape:
        raise ValueError(f"{op}: d_y has shape {dy.shape}, expected {x.shape}")
    mean = _vec(mean, "mean", c, op, optional=False)
    var = _vec(variance, "variance", c, op, optional=False)
    g = _vec(scale, "scale", c, op)
    e = _eps(epsilon, op)
    dx, dg, db, dm, dv = _C.batchnorm_infer_backward(dy.reshape(x2.shape), x2, mean, var, g, e)
    return dx.reshape(x.shape), dm, dv, dg, db
