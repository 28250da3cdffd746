"""Python face of the C++ SGEMM (csrc/gemm): argument checks, zero-copy views, fused epilogue.

The kernel is a BLIS-style packed SGEMM (Van Zee & van de Geijn, ACM TOMS 2015): see
csrc/gemm/gemm.cpp for the design. Every call first tries ``_C.gemm_fast`` (csrc/bindings.cpp,
``fastcall``), one C call that reads the numpy array headers and runs the kernel only when
everything is already right (exact float32 ndarrays with unit-stride rows, matching shapes, a
writable non-overlapping ``out``, bool flags, Python scalars); it returns None, having touched
nothing, for anything else. The checked path below then converts, copies or raises -- every error
message lives here, and nothing reaches the kernel unvalidated.
"""
from __future__ import annotations

import math

import numpy as np

from pyfapi import _C

__all__ = ["gemm", "batched_matmul", "ACTIVATIONS"]

#: Epilogue activations of :func:`gemm` and the convolutions: name -> code of the C++ epilogue
#: (``Act`` in csrc/gemm/gemm.h).
ACTIVATIONS = {None: 0, "linear": 0, "relu": 1}
_ACT_NAMES = (None, "relu")  # code -> the name the C entry takes

_F32 = np.dtype(np.float32)
_ndarray = np.ndarray
_empty = np.empty
_may_share = np.may_share_memory
_gemm_fast = _C.gemm_fast


def _as_f32_2d(x, name: str) -> np.ndarray:
    """``x`` as a 2-D float32 array: float32 arrays pass through (views stay views); other
    real numeric dtypes (float64, ints, bool) are converted ONCE here, visibly documented."""
    if type(x) is not np.ndarray:
        x = np.asarray(x)
    if x.dtype is not _F32 and x.dtype != _F32:
        if x.dtype.kind not in "fiub":
            raise TypeError(f"gemm: {name} must be a float32 array (or a real numeric array to "
                            f"convert), got dtype {x.dtype} with shape {x.shape}")
        x = x.astype(np.float32)
    if x.ndim != 2:
        raise ValueError(f"gemm: {name} must be 2-D, got shape {x.shape}")
    return x


def _kernel_view(x: np.ndarray, trans: bool):
    """The array and flag handed to C++: rows must be unit-stride with a non-negative row stride.

    C-ordered arrays, row-range and column-block views and broadcast rows pass unchanged; a
    Fortran-ordered matrix is the C-ordered transpose (``x.T`` with the flag flipped, no copy);
    anything else is copied once to C order.
    """
    (r, c), (s0, s1) = x.shape, x.strides
    if s1 == 4 or c <= 1:
        if s0 >= 0 and not s0 % 4 or r <= 1:
            return x, trans
    if s0 == 4 and r > 1 and c > 1 and s1 >= 4 * r:
        return x.T, not trans
    return np.ascontiguousarray(x), trans


def gemm(a, b, *, trans_a: bool = False, trans_b: bool = False, alpha: float = 1.0,
         beta: float = 0.0, out=None, bias=None, activation=None) -> np.ndarray:
    """General matrix multiply: ``out = act(alpha * op(a) @ op(b) + beta * out + bias)``.

    ``op(x)`` is ``x.T`` when the matching ``trans_*`` flag is set; the transpose is taken by the
    kernel's packing, never by a copy. Row-major float32, float32 accumulation.

    Args:
        a: float32 array, shape (M, K), or (K, M) when ``trans_a``. Any view whose rows are
            unit-stride (a row range, a column block such as one gate of an LSTM kernel, a
            Fortran-ordered array) is used without a copy; other layouts, and other real numeric
            dtypes (float64, integers), are converted once to C-ordered float32.
        b: float32 array, shape (K, N), or (N, K) when ``trans_b``; same rules as ``a``.
        trans_a, trans_b: use the transpose of ``a`` / ``b``.
        alpha, beta: scalars as in BLAS ``sgemm``. With ``beta == 0`` the old ``out`` is never
            read (it may hold NaN). ``beta`` is ignored when ``out`` is None.
        out: optional float32 array of shape (M, N) with unit-stride, non-overlapping rows (a
            C-ordered array, or a row-range / column-block view of one); written in place and
            returned. If it overlaps ``a``, ``b`` or ``bias`` in memory, those are copied first.
        bias: optional real vector of length N (converted to float32), added to every row.
        activation: ``None`` / ``"linear"`` or ``"relu"``, applied in the epilogue.

    Returns:
        ``out``, or a new C-ordered float32 (M, N) array when none was given.

    Raises:
        TypeError: a non-real dtype (complex, string, object), or ``out`` not a float32 array.
        ValueError: wrong rank, mismatched inner dimensions, ``out`` / ``bias`` of the wrong
            shape, ``out`` read-only or without unit-stride rows, an unknown activation. Shape
            messages name both operands' shapes.
    """
    # The common case (2-D float32 ndarrays, bool flags, Python scalars) is checked and run by
    # one C call that reads the numpy headers directly (csrc/bindings.cpp, fastcall): this runs
    # on every Dense step, where the multiply itself may take only 2-3 microseconds. It returns
    # None for anything else, which the checked path below converts, copies or refuses.
    r = _gemm_fast(a, b, out, trans_a, trans_b, alpha, beta, bias, activation)
    if r is not None:
        return r
    if type(a) is not _ndarray or a.dtype is not _F32 or a.ndim != 2:
        a = _as_f32_2d(a, "a")
    if type(b) is not _ndarray or b.dtype is not _F32 or b.ndim != 2:
        b = _as_f32_2d(b, "b")
    if trans_a:
        ka, m = a.shape
    else:
        m, ka = a.shape
    if trans_b:
        n, kb = b.shape
    else:
        kb, n = b.shape
    if ka != kb:
        raise ValueError(
            f"gemm: inner dimensions differ: op(a) has shape {(m, ka)} and op(b) has shape {(kb, n)} "
            f"(a.shape={a.shape}, trans_a={bool(trans_a)}; b.shape={b.shape}, trans_b={bool(trans_b)})")
    if activation is None:
        act = 0
    else:
        try:
            act = ACTIVATIONS[activation]
        except (KeyError, TypeError):
            raise ValueError(f"gemm: activation must be one of {sorted(k for k in ACTIVATIONS if k)} "
                             f"or None, got {activation!r}") from None
    if out is None:
        out = _empty((m, n), _F32)
        beta = 0.0
    else:
        if type(out) is not _ndarray or out.dtype != _F32:
            raise TypeError(f"gemm: out must be a float32 numpy array, got "
                            f"{getattr(out, 'dtype', type(out).__name__)}")
        if out.shape != (m, n):
            raise ValueError(f"gemm: out has shape {out.shape}, expected {(m, n)} for "
                             f"a {a.shape} (trans_a={bool(trans_a)}) @ b {b.shape} "
                             f"(trans_b={bool(trans_b)})")
        if not out.flags.writeable:
            raise ValueError(f"gemm: out (shape {out.shape}) is read-only")
        s0, s1 = out.strides
        if m and n and ((n > 1 and s1 != 4) or (m > 1 and (s0 % 4 or s0 < 4 * n))):
            raise ValueError(f"gemm: out must have unit-stride, non-overlapping rows (a C-ordered "
                             f"array or a row-range / column-block view of one); got shape "
                             f"{out.shape} with strides {out.strides}")
    if bias is not None:
        bias = np.asarray(bias)
        if bias.dtype.kind not in "fiub":
            raise TypeError(f"gemm: bias must be a real array, got dtype {bias.dtype}")
        if bias.shape != (n,):
            raise ValueError(f"gemm: bias has shape {bias.shape}, expected {(n,)} for an out of "
                             f"shape {(m, n)}")
        bias = np.require(bias, np.float32, "CA")  # contiguous and aligned
        if _may_share(bias, out):  # it would be overwritten before it is read
            bias = bias.copy()
    if m == 0 or n == 0:
        return out
    sa, sb = a.strides, b.strides
    if not (sa[1] == 4 and sa[0] >= 0 and not sa[0] & 3):
        a, trans_a = _kernel_view(a, trans_a)
    if not (sb[1] == 4 and sb[0] >= 0 and not sb[0] & 3):
        b, trans_b = _kernel_view(b, trans_b)
    # What is left for the C entry to refuse: misaligned arrays (copied here, once), scalars
    # outside float32 (they round to +-inf, as a float32 cast does) and an out overlapping a or b.
    a = a if a.flags.aligned else a.copy()
    b = b if b.flags.aligned else b.copy()
    dst = out if out.flags.aligned else out.copy()  # computed aside, copied back below
    args = (bool(trans_a), bool(trans_b), _f32_scalar(alpha), _f32_scalar(beta), bias,
            _ACT_NAMES[act])
    if _gemm_fast(a, b, dst, *args) is None:
        # dst overlaps a or b in memory: compute from copies so that the old values are used
        a = a.copy() if _may_share(dst, a) else a
        b = b.copy() if _may_share(dst, b) else b
        if _gemm_fast(a, b, dst, *args) is None:
            raise RuntimeError(f"gemm: the kernel refused validated arguments (a {a.shape} "
                               f"{a.strides}, b {b.shape} {b.strides}, out {dst.shape} "
                               f"{dst.strides}); please report this")
    if dst is not out:
        out[...] = dst
    return out


_FLT_MAX = float(np.finfo(np.float32).max)


def _f32_scalar(x) -> float:
    """``float(x)``, with finite values beyond float32's range as +-inf (what a float32 cast
    gives; the C entry declines them rather than cast out of range)."""
    x = float(x)
    if abs(x) > _FLT_MAX and x == x:
        return math.copysign(math.inf, x)
    return x


def _mat_ok(x) -> bool:
    """True when the last two axes of ``x`` are a matrix the batched kernel reads in place: unit
    stride along one of them, the other's stride (the leading dimension) at least that length,
    and non-negative strides that are multiples of 4 bytes on every axis."""
    for s in x.strides:
        if s < 0 or s % 4:
            return False
    r, c = x.shape[-2:]
    s0, s1 = x.strides[-2] // 4, x.strides[-1] // 4
    return ((c <= 1 or s1 == 1) and (r <= 1 or s0 >= c)) or \
        ((r <= 1 or s0 == 1) and (c <= 1 or s1 >= r))


def batched_matmul(a, b, out=None) -> np.ndarray:
    """``out[i] = a[i] @ b[i]`` over the leading (batch) axes, on the C++ SGEMM
    (csrc/gemm/batched_gemm.h: parallel over the batch entries, one packed SGEMM each).

    Args:
        a: float32 array (*batch, M, K); b: float32 array (*batch, K, N), the same batch shape
            (at most 8 batch axes). Any view unit-stride along one of its last two axes (a
            transposed attention head view, for instance) is read in place; other layouts and
            other real dtypes are converted once (copied to C order / float32).
        out: optional float32 array (*batch, M, N), writable, rows unit-stride, not overlapping
            ``a`` / ``b`` (e.g. a transposed view of the final layout); new C-ordered when None.

    Returns:
        ``out``.

    Raises:
        ValueError: ranks < 2, different batch shapes, non-chaining inner sizes, a bad ``out``
            (shapes named). TypeError: non-real dtypes.
    """
    a = a if type(a) is _ndarray and a.dtype is _F32 else np.asarray(a)
    b = b if type(b) is _ndarray and b.dtype is _F32 else np.asarray(b)
    for name, x in (("a", a), ("b", b)):
        if x.dtype.kind not in "fiub":
            raise TypeError(f"batched_matmul: {name} must be a real (float32) array, got dtype {x.dtype}")
    if a.ndim < 2 or a.ndim != b.ndim or a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"batched_matmul: expected a (*batch, M, K) and b (*batch, K, N) with the "
                         f"same batch shape, got a {a.shape} and b {b.shape}")
    if a.ndim - 2 > 8:
        raise ValueError(f"batched_matmul: at most 8 batch axes, got a of shape {a.shape}")
    if a.dtype is not _F32 and a.dtype != _F32:
        a = a.astype(np.float32)
    if b.dtype is not _F32 and b.dtype != _F32:
        b = b.astype(np.float32)
    if not _mat_ok(a):
        a = np.ascontiguousarray(a)
    if not _mat_ok(b):
        b = np.ascontiguousarray(b)
    shape = a.shape[:-1] + b.shape[-1:]
    if out is None:
        out = _empty(shape, _F32)
    else:
        if type(out) is not _ndarray or out.dtype != _F32 or out.shape != shape:
            raise ValueError(f"batched_matmul: out must be a float32 array of shape {shape}, got "
                             f"{getattr(out, 'dtype', type(out).__name__)} {getattr(out, 'shape', '')}")
        if not out.flags.writeable or not _mat_ok(out) or (shape[-1] > 1 and out.strides[-1] != 4):
            raise ValueError(f"batched_matmul: out (shape {shape}, strides {out.strides}) must be "
                             f"writable with unit-stride rows")
        if _may_share(out, a) or _may_share(out, b):
            raise ValueError("batched_matmul: out overlaps a or b")
    if out.size == 0 or a.shape[-1] == 0:  # nothing to read (numpy's strides of empty arrays
        out[...] = 0.0                      # may be arbitrary): empty, or sums over K = 0
        return out
    _C.gemm_batched(a, b, out)
    return out
