"""Casting user data to an ``Input``'s dtype without wrapping integers.

``np.int64(2**32 + 1).astype(np.int32)`` is ``1``: a token id beyond int32 would silently become
another id, or be reported (``Embedding``) as a wrapped negative value. :func:`astype_no_wrap`
narrows only values that fit; otherwise the data keep a wide integer dtype, so later range checks
see and report the values the user passed.
"""
from __future__ import annotations

import numpy as np

__all__ = ["astype_no_wrap"]


def astype_no_wrap(arr: np.ndarray, dtype) -> np.ndarray:
    """``arr.astype(dtype)``, except that integer data (or integral floats) with values outside an
    integer ``dtype``'s range are returned as int64 (uint64 beyond int64) instead of wrapping.

    Raises:
        ValueError: integral floats beyond the int64 / uint64 range (no integer dtype holds them).
    """
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu" or arr.dtype.kind not in "iuf" or arr.size == 0:
        return arr.astype(dtype)
    info = np.iinfo(dtype)
    lo, hi = arr.min(), arr.max()
    if arr.dtype.kind == "f" and not (np.isfinite(lo) and np.isfinite(hi)):
        return arr.astype(dtype)  # non-finite floats: the caller's checks report them
    if info.min <= lo and hi <= info.max:
        return arr.astype(dtype)
    for wide in (np.int64, np.uint64):
        w = np.iinfo(wide)
        if w.min <= lo and hi <= w.max:
            # floats: compare as Python numbers (float(2**63) rounds up to 2**63, beyond int64)
            if arr.dtype.kind != "f" or (w.min <= int(lo) and int(hi) <= w.max):
                return arr if arr.dtype == wide else arr.astype(wide)
    raise ValueError(f"integer values from {lo!r} to {hi!r} do not fit any integer dtype")
