"""Python face of the layer-normalization kernels (csrc/layernorm), normalising the last axis.

``x`` of rank >= 1 is viewed as (M, C) rows, C = x.shape[-1]; per row (Ba et al. 2016;
keras.ops.layer_normalization)::

    mean = sum(x) / C,  var = sum((x - mean)^2) / C,  inv_std = 1 / sqrt(var + epsilon)
    y = (x - mean) * inv_std * gamma + beta

The forward makes one pass over each row for the statistics (float lanes of moments about a
shift near the row's mean, chunk totals in double; see csrc/layernorm/layernorm.h). Conversion
policy: float32 C-contiguous arrays reach C++ without a copy; other real dtypes / layouts are
converted ONCE here with ``np.ascontiguousarray(x, dtype=np.float32)``.
"""
from __future__ import annotations

import math

import numpy as np

from pyfapi import _C

__all__ = ["layer_norm_forward", "layer_norm_backward"]


_F32 = np.dtype(np.float32)


def _f32(x, name: str, op: str) -> np.ndarray:
    if type(x) is np.ndarray and x.dtype == _F32 and x.flags.c_contiguous:
        return x  # the common case: no conversion, no new view
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be a real (float32) array, got dtype {x.dtype}")
    return np.ascontiguousarray(x, dtype=np.float32).reshape(x.shape)


def _rows(x, op):
    x = _f32(x, "x", op)
    if x.ndim < 1:
        raise ValueError(f"{op}: x must have at least 1 dimension, got shape {x.shape}")
    c = x.shape[-1]
    m = math.prod(x.shape[:-1])
    return x, (x if x.ndim == 2 else x.reshape(m, c)), m, c


def _vec(v, name, c, op):
    if v is None:
        return None
    v = _f32(v, name, op)
    if v.size != c:
        raise ValueError(f"{op}: {name} has shape {v.shape}, expected ({c},) (the normalized "
                         f"size of x)")
    return v if v.ndim == 1 else v.reshape(c)


def layer_norm_forward(x, gamma=None, beta=None, epsilon: float = 1e-3):
    """Layer norm of the last axis.

    Args:
        x: real array (..., C), C >= 1. gamma, beta: C elements or None (1 / 0).
        epsilon: >= 0 (Keras LayerNormalization default 1e-3).

    Returns:
        ``(y, mean, inv_std)``: y float32 like x; mean and inv_std float32 of shape x.shape[:-1].

    Raises:
        TypeError: non-real dtype. ValueError: rank 0, gamma/beta of the wrong size,
        negative epsilon.
    """
    op = "layer_normalization"
    x, x2, m, c = _rows(x, op)
    e = float(epsilon)
    if not e >= 0.0:
        raise ValueError(f"{op}: epsilon must be >= 0, got {epsilon}")
    g, b = _vec(gamma, "gamma", c, op), _vec(beta, "beta", c, op)
    if c == 0:  # nothing to normalize: an empty result, statistics undefined (NaN) as numpy's
        nan = np.full(x.shape[:-1], np.nan, np.float32)
        return np.empty(x.shape, np.float32), nan, nan.copy()
    y, mean, inv = _C.layernorm_forward(x2, g, b, e)
    if x.ndim == 2:
        return y, mean, inv
    return y.reshape(x.shape), mean.reshape(x.shape[:-1]), inv.reshape(x.shape[:-1])


def layer_norm_backward(d_y, x, mean, inv_std, gamma=None, need_dx=True, need_dgamma=True,
                        need_dbeta=True):
    """Backward of :func:`layer_norm_forward` with its saved ``mean`` / ``inv_std``.

    ``dx = inv (g - mean(g) - xhat mean(g xhat))`` with g = dy gamma, xhat = (x - mean) inv;
    ``dgamma = sum(dy xhat)``, ``dbeta = sum(dy)`` over the rows.

    Returns:
        ``(dx, dgamma, dbeta)`` float32 (None where not requested): shapes of x, (C,), (C,).
    """
    op = "layer_normalization_backward"
    x, x2, m, c = _rows(x, op)
    dy = _f32(d_y, "d_y", op)
    if dy.shape != x.shape:
        raise ValueError(f"{op}: d_y has shape {dy.shape}, expected {x.shape}")
    mean, inv = _f32(mean, "mean", op), _f32(inv_std, "inv_std", op)
    if mean.ndim != 1:
        mean = mean.reshape(m)
    if inv.ndim != 1:
        inv = inv.reshape(m)
    g = _vec(gamma, "gamma", c, op)
    if c == 0:
        return (np.zeros(x.shape, np.float32) if need_dx else None,
                np.zeros(0, np.float32) if need_dgamma else None,
                np.zeros(0, np.float32) if need_dbeta else None)
    dx, dg, db = _C.layernorm_backward(dy if dy.ndim == 2 else dy.reshape(m, c), x2, mean, inv,
                                       g, bool(need_dx), bool(need_dgamma), bool(need_dbeta))
    return (dx.reshape(x.shape) if dx is not None and x.ndim != 2 else dx), dg, db
