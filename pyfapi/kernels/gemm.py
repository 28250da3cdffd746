"""Python face of the C++ SGEMM (csrc/gemm): argument checks, zero-copy views, epilogue."""
from __future__ import annotations

import numpy as np

from pyfapi import _C

__all__ = ["gemm", "ACTIVATIONS"]

#: Epilogue activations of :func:`gemm`: name -> code understood by the C++ kernel.
ACTIVATIONS = {None: 0, "linear": 0, "relu": 1}


def _as_f32_2d(x, name: str, op: str) -> np.ndarray:
    """A 2-D float32 array whose rows are unit-stride (a view when possible)."""
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.dtype != np.float32:
        if x.dtype.kind not in "fiub":
            raise TypeError(f"{op}: {name} must be a float32 array, got dtype {x.dtype}")
        x = x.astype(np.float32)
    if x.ndim != 2:
        raise ValueError(f"{op}: {name} must be 2-D, got shape {x.shape}")
    return x


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """``x`` itself when its rows are unit-stride with a positive row stride, else one C copy."""
    if (x.shape[1] > 1 and x.strides[1] != 4) or (x.shape[0] > 1 and (x.strides[0] < 0 or x.strides[0] % 4)):
        return np.ascontiguousarray(x)
    return x


def _orient(x: np.ndarray, trans: bool):
    """Use a transposed view for free: an F-ordered matrix is the C-ordered transpose."""
    if x.ndim == 2 and x.shape[0] > 1 and x.shape[1] > 1 and x.strides[0] == 4 and x.strides[1] >= 4 * x.shape[0]:
        return x.T, not trans
    return x, trans


def gemm(a, b, *, trans_a: bool = False, trans_b: bool = False, alpha: float = 1.0,
         beta: float = 0.0, out=None, bias=None, activation=None) -> np.ndarray:
    """General matrix multiply: ``out = act(alpha * op(a) @ op(b) + beta * out + bias)``.

    Args:
        a: float32 array, shape (M, K), or (K, M) when ``trans_a``.
        b: float32 array, shape (K, N), or (N, K) when ``trans_b``.
        trans_a, trans_b: use the transpose of ``a`` / ``b``.
        alpha, beta: scalars as in BLAS ``sgemm``. With ``beta == 0`` the old ``out`` is not read.
        out: optional float32 array of shape (M, N) whose rows are unit-stride (a row-range or
            column-block view works without a copy); written in place and returned.
        bias: optional float32 vector of length N, added to every row in the epilogue.
        activation: ``None`` / ``"linear"`` or ``"relu"``, applied in the epilogue.

    Returns:
        ``out`` (a new float32 (M, N) array when none was given).

    Raises:
        TypeError: a non-numeric dtype, or ``out`` not float32.
        ValueError: wrong rank, mismatched inner dimensions, ``out`` / ``bias`` of the wrong shape,
            an unknown activation. Messages name both shapes.
    """
    a = _as_f32_2d(a, "a", "gemm")
    b = _as_f32_2d(b, "b", "gemm")
    m, ka = (a.shape[1], a.shape[0]) if trans_a else a.shape
    kb, n = (b.shape[1], b.shape[0]) if trans_b else b.shape
    if ka != kb:
        raise ValueError(
            f"gemm: inner dimensions differ: op(a) has shape {(m, ka)} and op(b) has shape {(kb, n)} "
            f"(a.shape={a.shape}, trans_a={trans_a}; b.shape={b.shape}, trans_b={trans_b})")
    if activation not in ACTIVATIONS:
        raise ValueError(f"gemm: activation must be one of {sorted(k for k in ACTIVATIONS if k)} or None, "
                         f"got {activation!r}")
    if out is None:
        out = np.empty((m, n), dtype=np.float32)
        beta = 0.0
    else:
        if not isinstance(out, np.ndarray) or out.dtype != np.float32:
            raise TypeError(f"gemm: out must be a float32 numpy array, got "
                            f"{getattr(out, 'dtype', type(out).__name__)}")
        if out.shape != (m, n):
            raise ValueError(f"gemm: out has shape {out.shape}, expected {(m, n)} for "
                             f"a {a.shape} (trans_a={trans_a}) @ b {b.shape} (trans_b={trans_b})")
        if not out.flags.writeable:
            raise ValueError("gemm: out is read-only")
        if n > 1 and out.strides[1] != 4 or out.strides[0] < 0 or out.strides[0] % 4:
            raise ValueError(f"gemm: out must have unit-stride rows (a C-ordered array or a row/column-block "
                             f"view of one); got strides {out.strides}")
    if bias is not None:
        bias = np.asarray(bias)
        if bias.shape != (n,):
            raise ValueError(f"gemm: bias has shape {bias.shape}, expected {(n,)}")
        bias = np.ascontiguousarray(bias, dtype=np.float32)
    if m == 0 or n == 0:
        return out
    a, trans_a = _orient(a, trans_a)
    b, trans_b = _orient(b, trans_b)
    a, b = _unit_rows(a), _unit_rows(b)
    _C.gemm(a, b, out, bool(trans_a), bool(trans_b), float(alpha), float(beta), bias,
            ACTIVATIONS[activation])
    return out
