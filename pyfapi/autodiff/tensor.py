"""The eager value type :class:`Tensor` and array conversion helpers.

A :class:`Tensor` wraps one ``numpy.ndarray`` (``.value``). Its arithmetic operators, comparisons
and ``__getitem__`` dispatch to the ops in :mod:`pyfapi.ops` (bound in :mod:`pyfapi.ops.operators`),
so they are recorded on an active :class:`~pyfapi.autodiff.GradientTape` like any other op.

Dtype policy (as Keras): Python floats and lists of floats become float32, Python ints become
int32; numpy arrays keep their dtype (float64 stays float64, which gradcheck relies on).
"""
from __future__ import annotations

import numpy as np

__all__ = ["Tensor", "as_array", "convert_to_tensor", "convert_to_numpy", "FLOAT32"]

FLOAT32 = np.dtype(np.float32)
_INT32 = np.dtype(np.int32)
_ndarray = np.ndarray


def as_array(x, dtype=None) -> np.ndarray:
    """``x`` as a numpy array: the buffer of a Tensor/ndarray, or a new array for Python data.

    Python floats (and lists of them) become float32 and Python ints int32 (Keras' defaults);
    numpy arrays and scalars keep their dtype. With ``dtype``, the result is cast when it differs.

    Raises:
        TypeError: ``x`` cannot be turned into a numeric array (e.g. a string or ragged list).
    """
    if isinstance(x, Tensor):
        x = x.value
    elif type(x) is not _ndarray:
        if isinstance(x, (np.generic, _ndarray)):
            x = np.asarray(x)
        elif hasattr(x, "_keras_history"):
            raise TypeError(f"cannot use the symbolic tensor {getattr(x, 'name', x)!r} (a KerasTensor) as an "
                            f"eager array: pyfapi.ops run on concrete values; use them inside a Layer's call()")
        elif hasattr(x, "__array__") and not isinstance(x, (list, tuple)):
            x = np.asarray(x)
        else:
            try:
                x = np.asarray(x)
            except ValueError as e:  # ragged lists
                raise TypeError(f"cannot convert {type(x).__name__} to an array: {e}") from None
            k = x.dtype.kind
            if k == "f":
                x = x.astype(FLOAT32) if dtype is None else x
            elif k in "iu" and dtype is None:
                x = x.astype(_INT32)
            elif k not in "biuc":
                raise TypeError(f"cannot convert {type(x).__name__} of dtype {x.dtype} to a numeric array")
    if dtype is not None:
        dtype = np.dtype(dtype)
        if x.dtype != dtype:
            x = x.astype(dtype)
    return x


class Tensor:
    """An eager tensor: a numpy array plus operator dispatch to :mod:`pyfapi.ops`.

    Args:
        value: array-like (ndarray, Tensor, Python scalar or nested list).
        dtype: optional dtype to cast to; default keeps numpy dtypes, float32 for Python floats.

    Attributes:
        value: the underlying ``numpy.ndarray`` (not copied when given an ndarray of the dtype).
        shape (tuple), dtype (``numpy.dtype``, compares equal to strings like ``"float32"``), ndim.
    """

    # _keras_logits: set (only) on the output of the softmax activation, the logits it came from:
    # the crossentropy losses then compute from the logits, as Keras 3's TensorFlow backend
    # (see pyfapi.activations.softmax / pyfapi.losses). Unset elsewhere: read with getattr.
    __slots__ = ("value", "_keras_mask", "_keras_logits", "__weakref__")
    _trainable = False  # Variables override this per instance (auto-watch on tapes)
    _version = None     # Variables: in-place write counter (an int slot); None for Tensors
    __array_priority__ = 1000

    def __init__(self, value, dtype=None):
        self.value = as_array(value, dtype)
        self._keras_mask = None

    # ---- numpy interop ------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        """Shape of the underlying numpy array (tuple of ints)."""
        return self.value.shape

    @property
    def dtype(self) -> np.dtype:
        """numpy dtype of the underlying array."""
        return self.value.dtype

    @property
    def ndim(self) -> int:
        """Number of dimensions (rank)."""
        return self.value.ndim

    @property
    def size(self) -> int:
        """Total number of elements."""
        return self.value.size

    def numpy(self) -> np.ndarray:
        """The value as a numpy array: the same buffer, not a copy (an op's result is never
        written in place by pyfapi, so this is safe and free). :meth:`Variable.numpy` returns a
        copy instead (Keras semantics: a snapshot of mutable storage)."""
        return self.value

    def __array__(self, dtype=None, copy=None):
        v = self.value
        if dtype is not None and v.dtype != dtype:
            return v.astype(dtype)
        if copy:
            return v.copy()
        return v

    def __len__(self) -> int:
        if self.value.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.value.shape[0]

    def __iter__(self):
        if self.value.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self.value.shape[0]):
            yield self[i]

    def __float__(self) -> float:
        return float(self.value)

    def __int__(self) -> int:
        return int(self.value)

    def __index__(self) -> int:
        if self.value.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, got dtype {self.value.dtype}")
        return int(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        body = np.array2string(self.value, separator=", ", threshold=100, prefix="Tensor(")
        return f"Tensor({body}, shape={self.value.shape}, dtype={self.value.dtype})"

    __str__ = __repr__
    __hash__ = object.__hash__

    # Operators (__add__, __mul__, __getitem__, comparisons, __array_ufunc__ ...) are bound in
    # pyfapi.ops.operators, next to the ops they dispatch to.


def _wrap(value) -> Tensor:
    """Fast internal constructor: wrap an ndarray without any conversion."""
    t = _new(Tensor)
    t.value = value
    t._keras_mask = None
    return t


_new = object.__new__


def convert_to_tensor(x, dtype=None) -> Tensor:
    """``x`` as a :class:`Tensor` (returned unchanged when it already is one of the dtype)."""
    if isinstance(x, Tensor) and (dtype is None or x.value.dtype == np.dtype(dtype)):
        return x
    return _wrap(as_array(x, dtype))


def convert_to_numpy(x) -> np.ndarray:
    """``x`` as a numpy array (a Tensor's buffer, not a copy)."""
    return as_array(x)
