"""Conversion, dtype and constant ops: cast, stop_gradient, convert_to_tensor, ones_like, ..."""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.autodiff.tensor import FLOAT32, Tensor, _wrap, as_array, convert_to_numpy, convert_to_tensor

__all__ = ["cast", "stop_gradient", "convert_to_tensor", "convert_to_numpy", "ones_like",
           "zeros_like", "full_like", "ones", "zeros", "full", "shape", "size", "ndim", "dtype",
           "is_tensor", "arange", "identity", "eye"]


@register
class Cast(Op):
    """Change dtype. Differentiable between float dtypes (gradient cast back); a cast to an
    integer/bool dtype produces an output that carries no gradient."""
    name = "cast"

    @staticmethod
    def forward(ctx, x, dtype):
        """Returns ``x.astype(dtype)`` (no copy if the dtype already matches)."""
        return x.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g`` unchanged (the tape casts it back to the input dtype)."""
        return g  # the tape casts the gradient back to the input's dtype


@register
class StopGradient(Op):
    """Identity whose output carries no gradient (never recorded)."""
    name = "stop_gradient"
    differentiable = False

    @staticmethod
    def forward(ctx, x):
        """Returns ``x`` unchanged."""
        return x

    @staticmethod
    def backward(ctx, g):  # pragma: no cover - never recorded
        """Never called (the op is not recorded); raises RuntimeError."""
        raise RuntimeError("stop_gradient has no backward")


@register
class Identity(Op):
    """Identity (a new Tensor sharing the buffer); gradient passes through."""
    name = "identity"

    @staticmethod
    def forward(ctx, x):
        """Returns ``x`` unchanged."""
        return x

    @staticmethod
    def backward(ctx, g):
        """Returns ``g`` unchanged."""
        return g


def cast(x, dtype):
    """Cast to ``dtype`` (string or numpy dtype)."""
    return apply(Cast, x, dtype=np.dtype(dtype))


def stop_gradient(variable):
    """The value, cut from the gradient computation."""
    return apply(StopGradient, variable)


def identity(x):
    """Identity op (recorded; gradient passes through)."""
    return apply(Identity, x)


def _dtype_of(x, dtype):
    return np.dtype(dtype) if dtype is not None else as_array(x).dtype


def ones_like(x, dtype=None):
    """Ones with ``x``'s shape (and dtype unless given); constant, no gradient."""
    a = as_array(x)
    return _wrap(np.ones(a.shape, dtype=_dtype_of(a, dtype)))


def zeros_like(x, dtype=None):
    """Zeros with ``x``'s shape (and dtype unless given); constant, no gradient."""
    a = as_array(x)
    return _wrap(np.zeros(a.shape, dtype=_dtype_of(a, dtype)))


def full_like(x, fill_value, dtype=None):
    """``fill_value`` everywhere, with ``x``'s shape; constant, no gradient."""
    a = as_array(x)
    return _wrap(np.full(a.shape, fill_value, dtype=_dtype_of(a, dtype)))


def ones(shape, dtype=None):
    """Ones of ``shape`` (float32 by default)."""
    return _wrap(np.ones(shape, dtype=dtype or FLOAT32))


def zeros(shape, dtype=None):
    """Zeros of ``shape`` (float32 by default)."""
    return _wrap(np.zeros(shape, dtype=dtype or FLOAT32))


def full(shape, fill_value, dtype=None):
    """``fill_value`` everywhere (float32 by default)."""
    return _wrap(np.full(shape, fill_value, dtype=dtype or FLOAT32))


def eye(N, M=None, k=0, dtype=None):
    """Identity-like matrix (float32 by default)."""
    return _wrap(np.eye(N, M, k, dtype=dtype or FLOAT32))


def arange(start, stop=None, step=1, dtype=None):
    """``numpy.arange``; int32 for integer arguments, float32 for float ones (as Keras)."""
    a = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None:
        dtype = np.int32 if a.dtype.kind in "iu" else FLOAT32
    return _wrap(a.astype(dtype))


def shape(x) -> tuple:
    """Static shape tuple."""
    return as_array(x).shape if not isinstance(x, Tensor) else x.value.shape


def size(x) -> int:
    """Number of elements."""
    return as_array(x).size


def ndim(x) -> int:
    """Rank."""
    return as_array(x).ndim


def dtype(x) -> str:
    """Dtype name (``"float32"``)."""
    return as_array(x).dtype.name


def is_tensor(x) -> bool:
    """True for a pyfapi Tensor or Variable."""
    return isinstance(x, Tensor)


