"""KerasTensor: the symbolic tensor of the functional API (a shape, a dtype and a history).

A KerasTensor has no value. ``Input(...)`` creates one; calling a layer on KerasTensors returns new
ones whose ``_keras_history`` ``(layer, node_index, tensor_index)`` records which call of which
layer produced them (see :class:`pyfapi.graph.node.Node`).
"""
from __future__ import annotations

from collections import namedtuple

from pyfapi.utils import naming

__all__ = ["KerasTensor", "KerasHistory", "is_keras_tensor", "standardize_shape", "standardize_dtype",
           "symbolic_op", "set_symbolic_dispatch", "any_keras_tensor"]

#: ``fn(function_name, args, kwargs)`` adding one op node to the graph; bound by
#: :mod:`pyfapi.layers.core.symbolic_op` (layers sit above graph and ops).
_SYMBOLIC_DISPATCH = None


def set_symbolic_dispatch(fn) -> None:
    """Install the function that records a ``pyfapi.ops`` call on KerasTensors as a node."""
    global _SYMBOLIC_DISPATCH
    _SYMBOLIC_DISPATCH = fn


def symbolic_op(function, args, kwargs=None):
    """``pyfapi.ops.<function>(*args, **kwargs)`` on KerasTensors: one new graph node; returns
    its output KerasTensor(s).

    Raises:
        RuntimeError: pyfapi.layers (which defines the op node) was never imported.
    """
    if _SYMBOLIC_DISPATCH is None:  # pragma: no cover - KerasTensors come from pyfapi.layers
        raise RuntimeError("pyfapi.ops on KerasTensors needs pyfapi.layers to be imported")
    return _SYMBOLIC_DISPATCH(function, tuple(args), dict(kwargs or {}))


def any_keras_tensor(args, kwargs=None) -> bool:
    """True when a KerasTensor is among ``args`` / ``kwargs`` (nested lists, tuples, dicts)."""
    stack = list(args)
    if kwargs:
        stack.extend(kwargs.values())
    while stack:
        x = stack.pop()
        if isinstance(x, KerasTensor):
            return True
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
    return False

#: (operation, node_index, tensor_index): the layer, which of its calls, which of its outputs.
KerasHistory = namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])

_DTYPE_ALIASES = {
    "float": "float32", "float32": "float32", "float64": "float64", "double": "float64",
    "float16": "float16", "half": "float16", "bfloat16": "bfloat16",
    "int": "int32", "int32": "int32", "int64": "int64", "int8": "int8", "int16": "int16",
    "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
    "bool": "bool", "string": "string",
}


def standardize_dtype(dtype, default="float32") -> str:
    """A dtype (str, numpy dtype/type, Keras DTypePolicy dict) as a canonical string.

    Raises:
        ValueError: an unknown dtype.
    """
    if dtype is None:
        return default
    if isinstance(dtype, dict):  # Keras 3 serialized DTypePolicy {"config": {"name": ...}}
        dtype = dtype.get("config", {}).get("name", default)
    name = getattr(dtype, "name", None)
    if not isinstance(dtype, str) and isinstance(name, str):
        dtype = name  # numpy dtype / DTypePolicy-like
    if not isinstance(dtype, str):
        try:
            import numpy as np

            dtype = np.dtype(dtype).name
        except TypeError as e:
            raise ValueError(f"Invalid dtype: {dtype!r}") from e
    d = _DTYPE_ALIASES.get(dtype)
    if d is None:
        raise ValueError(f"Invalid dtype: {dtype!r}; expected one of {sorted(set(_DTYPE_ALIASES.values()))}")
    return d


def standardize_shape(shape) -> tuple:
    """A shape (tuple/list of int or None) as a tuple; ints are checked to be >= 0.

    Raises:
        ValueError: a shape that is not a sequence, or has a negative / non-integer entry.
    """
    if shape is None:
        raise ValueError("Undefined shapes are not supported.")
    if isinstance(shape, int):
        shape = (shape,)
    if not hasattr(shape, "__iter__"):
        raise ValueError(f"Cannot convert '{shape}' to a shape.")
    out = []
    for d in shape:
        if d is None:
            out.append(None)
            continue
        if hasattr(d, "__index__") and not isinstance(d, bool):
            d = int(d.__index__())
        else:
            raise ValueError(f"Cannot convert '{tuple(shape)}' to a shape: {d!r} is not an int or None.")
        if d < 0:
            raise ValueError(f"Cannot convert '{tuple(shape)}' to a shape: negative dimension {d}.")
        out.append(d)
    return tuple(out)


class KerasTensor:
    """Symbolic tensor.

    Attributes:
        shape: tuple of int/None (None = the batch or an unknown dimension).
        dtype: dtype string ("float32", "int32", ...).
        name: unique name (``keras_tensor``, ``keras_tensor_1``... unless given).
        ndim: len(shape).
        _keras_history: KerasHistory(layer, node_index, tensor_index) or None.
        _keras_mask: None, or a bool KerasTensor: the mask the tensor will carry at run time.
    """

    __slots__ = ("shape", "dtype", "name", "_keras_history", "sparse", "ragged", "_keras_mask",
                 "__weakref__")

    def __init__(self, shape, dtype="float32", name=None, sparse=False, ragged=False):
        self.shape = standardize_shape(shape)
        self.dtype = standardize_dtype(dtype)
        self.name = name or naming.auto_name("keras_tensor")
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self._keras_history = None
        self._keras_mask = None  # symbolic mask (bool KerasTensor) set by pyfapi.layers.base

    @property
    def ndim(self) -> int:
        """Rank: ``len(self.shape)``."""
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, "
                f"ragged={self.ragged}, name={self.name}>")

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"A KerasTensor ({self.name}, shape={self.shape}) is symbolic and has no value; it can "
            "only be passed to layers and used to build a Model(inputs, outputs). Call the model "
            "on arrays to get values.")

    def __bool__(self):
        raise TypeError(f"A symbolic KerasTensor ({self.name}) cannot be used as a Python bool.")

    def __len__(self):
        raise TypeError(f"A symbolic KerasTensor ({self.name}, shape={self.shape}) has no len().")

    def __iter__(self):
        raise TypeError(f"A symbolic KerasTensor ({self.name}, shape={self.shape}) is not iterable.")

    # numpy must not treat a KerasTensor as a sequence in np.asarray(...)
    __array_priority__ = 1000
    __array_ufunc__ = None  # ndarray + KerasTensor -> KerasTensor.__radd__ (a graph node)

    # ---- Python operators: each adds one node (pyfapi.ops.<name>) to the graph -------------
    def __getitem__(self, key):
        return symbolic_op("get_item", (self, key))

    def __neg__(self):
        return symbolic_op("negative", (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return symbolic_op("absolute", (self,))

    def __invert__(self):
        return symbolic_op("logical_not", (self,))

    @property
    def T(self):
        """The transpose (reversed axes), as a graph node."""
        return symbolic_op("transpose", (self,))

    def reshape(self, *shape):
        """``pyfapi.ops.reshape`` as a graph node."""
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return symbolic_op("reshape", (self, shape))

    def astype(self, dtype):
        """``pyfapi.ops.cast`` as a graph node."""
        return symbolic_op("cast", (self, dtype))

    __hash__ = object.__hash__


def is_keras_tensor(x) -> bool:
    """True if ``x`` is a symbolic KerasTensor."""
    return isinstance(x, KerasTensor)


def _binary(name, reflected=False):
    if reflected:
        def method(self, other):
            return symbolic_op(name, (other, self))
    else:
        def method(self, other):
            return symbolic_op(name, (self, other))
    method.__name__ = f"__{'r' if reflected else ''}{name}__"
    return method


for _dunder, _op in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                     ("truediv", "divide"), ("floordiv", "floor_divide"), ("mod", "mod"),
                     ("pow", "power"), ("matmul", "matmul"), ("and", "logical_and"),
                     ("or", "logical_or"), ("xor", "logical_xor")):
    setattr(KerasTensor, f"__{_dunder}__", _binary(_op))
    setattr(KerasTensor, f"__r{_dunder}__", _binary(_op, reflected=True))
for _dunder, _op in (("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                     ("ge", "greater_equal"), ("eq", "equal"), ("ne", "not_equal")):
    setattr(KerasTensor, f"__{_dunder}__", _binary(_op))
del _dunder, _op
