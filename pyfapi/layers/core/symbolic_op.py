"""SymbolicOp: a :mod:`pyfapi.ops` function applied to KerasTensors inside a functional graph.

Keras 3 lets any ``keras.ops`` function, Python operator (``x + y``, ``x * 2``, ``x @ w``,
``-x``, ``abs(x)``, comparisons) and indexing (``x[:, 0]``, ``x[..., 1:3]``, ``x[:, None]``) take
KerasTensors: each call adds a node to the graph. Here each such call creates one
``SymbolicOp`` layer (no weights) holding the function's name and every non-tensor argument;
the KerasTensor arguments become the node's inputs. The output shape and dtype are inferred by
running the function on ones (unknown dimensions set to 4, then 7: dimensions that differ are
None). Saved in a functional config as ``{"function": name, "arguments": ...}`` (slices,
Ellipsis, tuples and arrays encoded as JSON), so ``.keras`` archives round-trip.

Dispatch: :func:`pyfapi.graph.keras_tensor.symbolic_op` (KerasTensor operators and the
:mod:`pyfapi.ops` functions call it) is bound to :func:`apply_symbolic` when this module is
imported (graph and ops sit below layers and cannot import it).
"""
from __future__ import annotations

import numpy as np

from pyfapi.graph import keras_tensor as kt_module
from pyfapi.graph import tree
from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.base import Layer

__all__ = ["SymbolicOp", "apply_symbolic"]


def _encode(x, tensors):
    """JSON-able form of one argument; KerasTensors become ``{"__tensor__": i}`` (appended to
    ``tensors``)."""
    if isinstance(x, KerasTensor):
        tensors.append(x)
        return {"__tensor__": len(tensors) - 1}
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, (np.integer, np.floating, np.bool_)):
        return x.item()
    if x is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(x, slice):
        return {"__slice__": [_encode(x.start, tensors), _encode(x.stop, tensors),
                              _encode(x.step, tensors)]}
    if isinstance(x, tuple):
        return {"__tuple__": [_encode(v, tensors) for v in x]}
    if isinstance(x, list):
        return [_encode(v, tensors) for v in x]
    if isinstance(x, dict):
        return {str(k): _encode(v, tensors) for k, v in x.items()}
    value = getattr(x, "value", x)  # a Tensor / Variable constant: stored by value
    if isinstance(value, np.ndarray) or hasattr(x, "__array__"):
        arr = np.asarray(value)
        return {"__ndarray__": arr.tolist(), "dtype": arr.dtype.name}
    if isinstance(x, (np.dtype, type)):
        return {"__dtype__": np.dtype(x).name}
    raise TypeError(f"Cannot use an argument of type {type(x).__name__} ({x!r:.80}) in a "
                    "pyfapi.ops call on KerasTensors (it could not be saved with the model)")


def _decode(x, tensors):
    if isinstance(x, list):
        return [_decode(v, tensors) for v in x]
    if isinstance(x, dict):
        if "__tensor__" in x:
            return tensors[x["__tensor__"]]
        if "__ellipsis__" in x:
            return Ellipsis
        if "__slice__" in x:
            return slice(*(_decode(v, tensors) for v in x["__slice__"]))
        if "__tuple__" in x:
            return tuple(_decode(v, tensors) for v in x["__tuple__"])
        if "__ndarray__" in x:
            return np.asarray(x["__ndarray__"], dtype=x.get("dtype"))
        if "__dtype__" in x:
            return x["__dtype__"]
        return {k: _decode(v, tensors) for k, v in x.items()}
    return x


def _ops_function(name):
    from pyfapi import ops
    if name == "get_item":
        return ops.get_item
    fn = getattr(ops, name, None)
    fn = getattr(fn, "__wrapped__", fn)
    if not callable(fn):
        raise ValueError(f"SymbolicOp: pyfapi.ops has no function {name!r}")
    return fn


class SymbolicOp(Layer):
    """One ``pyfapi.ops.<function>`` call recorded in a functional graph (see the module).

    Args:
        function: the name of the :mod:`pyfapi.ops` function (``"add"``, ``"get_item"``, ...).
        arguments: ``{"args": [...], "kwargs": {...}}`` in the encoded form, with
            ``{"__tensor__": i}`` marking the i-th tensor input.

    Raises:
        ValueError: an unknown function name.
    """

    def __init__(self, function, arguments=None, **kwargs):
        kwargs.setdefault("name", None)
        if kwargs["name"] is None:
            from pyfapi.utils import naming
            kwargs["name"] = naming.auto_name(function)
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {"args": [], "kwargs": {}}
        self._fn = _ops_function(function)
        self.built = True

    def _fill(self, tensors):
        args = _decode(self.arguments.get("args", []), tensors)
        kwargs = _decode(self.arguments.get("kwargs", {}), tensors)
        return args, kwargs

    def call(self, *tensors):
        """``function(*args, **kwargs)`` with the tensors put back in place."""
        args, kwargs = self._fill(list(tensors))
        return self._fn(*args, **kwargs)

    def compute_output_spec(self, *tensors, **unused):
        """Output KerasTensor(s): the function run on ones (unknown dimensions 4, then 7).

        Raises:
            ValueError: the function fails on inputs of these shapes (names the op, the input
                shapes and the error), e.g. shapes that do not broadcast.
        """
        runs = []
        for fill in (4, 7):
            concrete = [np.ones(tuple(fill if d is None else d for d in t.shape),
                                dtype=_np_dtype(t.dtype)) for t in tensors]
            args, kwargs = self._fill(concrete)
            try:
                with np.errstate(all="ignore"):
                    out = self._fn(*args, **kwargs)
            except (ValueError, TypeError, IndexError) as e:
                shapes = ", ".join(str(t.shape) for t in tensors)
                raise type(e)(f"pyfapi.ops.{self.function} on KerasTensors of shapes {shapes} "
                              f"(op '{self.name}'): {e}") from e
            runs.append(out)

        def spec(a, b):
            sa, sb = np.shape(getattr(a, "value", a)), np.shape(getattr(b, "value", b))
            shape = tuple(x if x == y else None for x, y in zip(sa, sb))
            dtype = np.asarray(getattr(a, "value", a)).dtype.name
            return KerasTensor(shape, dtype="bool" if dtype == "bool" else dtype)
        first, second = runs
        if isinstance(first, (list, tuple)):
            return [spec(a, b) for a, b in zip(tree.flatten(first), tree.flatten(second))]
        return spec(first, second)

    def get_config(self):
        """Layer config plus ``function`` and the encoded ``arguments``."""
        config = super().get_config()
        config.update({"function": self.function, "arguments": self.arguments})
        return config


def _np_dtype(dtype):
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.float32


def apply_symbolic(function, args, kwargs):
    """``pyfapi.ops.<function>(*args, **kwargs)`` on KerasTensors: a new :class:`SymbolicOp`
    node; returns its output KerasTensor(s)."""
    tensors = []
    arguments = {"args": [_encode(a, tensors) for a in args],
                 "kwargs": {k: _encode(v, tensors) for k, v in kwargs.items()}}
    return SymbolicOp(function, arguments)(*tensors)


kt_module.set_symbolic_dispatch(apply_symbolic)
