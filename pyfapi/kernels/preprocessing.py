"""Python face of the preprocessing kernels (csrc/preprocessing).

:func:`moments` gives the mean and population variance (ddof 0) over the ``reduce`` axes of an
array, accumulated in float64 in two passes (the data read twice, no temporary array), with
results independent of the thread count. Non-float32 or non-contiguous data is converted ONCE
(the kept axes are moved last).
"""
from __future__ import annotations

import numpy as np

from pyfapi import _C

__all__ = ["moments"]


def moments(x, keep_axes):
    """``(mean, var)`` float64 arrays of shape ``[x.shape[a] for a in keep_axes]``.

    Args:
        x: real array. keep_axes: sorted non-negative axes with their own statistics.

    Raises:
        ValueError: a non-real array, or an axis out of range.
    """
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise ValueError(f"moments: expected a real array, received dtype {x.dtype}")
    keep = tuple(int(a) for a in keep_axes)
    if any(a < 0 or a >= x.ndim for a in keep):
        raise ValueError(f"moments: axes {keep} out of range for an array of rank {x.ndim}")
    out_shape = tuple(x.shape[a] for a in keep)
    k = int(np.prod(out_shape)) if out_shape else 1
    if keep:
        x = np.moveaxis(x, keep, tuple(range(x.ndim - len(keep), x.ndim)))
    x2 = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, k)
    mean = np.empty(k, np.float64)
    var = np.empty(k, np.float64)
    _C.column_moments(x2, mean, var)
    return mean.reshape(out_shape), var.reshape(out_shape)
