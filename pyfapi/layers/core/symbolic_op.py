"""SymbolicOp: a :mod:`pyfapi.ops` function applied to KerasTensors inside a functional graph.

Keras 3 lets any ``keras.ops`` function, Python operator (``x + y``, ``x * 2``, ``x @ w``,
``-x``, ``abs(x)``, comparisons) and indexing (``x[:, 0]``, ``x[..., 1:3]``, ``x[:, None]``) take
KerasTensors: each call adds a node to the graph. Here each such call creates one
``SymbolicOp`` layer (no weights) holding the function's name and every non-tensor argument;
the KerasTensor arguments become the node's inputs. The output shape and dtype are inferred by
running the function on ones (unknown dimensions set to 4, then 7: dimensions that differ are
None).

Saving: as Keras 3 saves the same call (:mod:`pyfapi.layers.core.keras_op_format`): an entry of
the Keras op class (``{"module": "keras.src.ops.numpy", "class_name": "Sum", "config": {"name",
"axis", "keepdims"}}``) whose node holds the call's arguments, so real Keras loads pyfapi's
archives and pyfapi loads Keras's (``NotEqual`` mask nodes included). A call Keras cannot express
(a pyfapi-only function or argument) is saved in pyfapi's own form ``{"function": name,
"arguments": ...}`` (slices, Ellipsis, tuples and arrays encoded as JSON).

Dispatch: :func:`pyfapi.graph.keras_tensor.symbolic_op` (KerasTensor operators and the
:mod:`pyfapi.ops` functions call it) is bound to :func:`apply_symbolic` when this module is
imported (graph and ops sit below layers and cannot import it).
"""
from __future__ import annotations

import numpy as np

from pyfapi.graph import keras_tensor as kt_module
from pyfapi import tree
from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.base import Layer
from pyfapi.layers.core import keras_op_format

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
    """``pyfapi.ops.<name>`` (``image.resize`` for ``pyfapi.ops.image.resize``), unwrapped."""
    from pyfapi import ops
    fn = ops
    for part in name.split("."):
        fn = getattr(fn, part, None)
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
            kwargs["name"] = naming.auto_name(function.rsplit(".", 1)[-1])
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {"args": [], "kwargs": {}}
        self._fn = _ops_function(function)
        self._keras_init = None  # constructor arguments of a Keras op not called yet
        self.built = True

    @classmethod
    def from_keras_entry(cls, data):
        """The op of a Keras 3 operation entry (``{"module": "keras.src.ops.numpy",
        "class_name": "NotEqual", "config": {...}}``), called next with the node's arguments.

        Raises:
            ValueError: an op class Keras 3.15 does not define, or a pyfapi.ops function missing.
        """
        function, init_kwargs = keras_op_format.from_keras(data)
        name = (data.get("config") or {}).get("name") or data.get("name")
        op = cls(function, name=name)
        op._keras_init = init_kwargs
        return op

    def __call__(self, *args, **kwargs):
        """Keras-loaded ops take Keras's call arguments (tensors and plain values, as a node
        of a saved functional config holds them); others are called on their tensors."""
        if self._keras_init is not None:
            kwargs.pop("training", None)
            if kwargs.get("mask", 0) is None:
                kwargs.pop("mask")
            call_args, call_kwargs = keras_op_format.pyfapi_arguments(
                self.function, self._fn, self._keras_init, args, kwargs)
            tensors = []
            self.arguments = {"args": [_encode(a, tensors) for a in call_args],
                              "kwargs": {k: _encode(v, tensors) for k, v in call_kwargs.items()}}
            self._keras_init = None
            return super().__call__(*tensors)
        return super().__call__(*args, **kwargs)

    def _keras_form(self, tensors):
        """:func:`keras_op_format.to_keras` of this call with ``tensors`` in place, or None."""
        args, kwargs = self._fill(list(tensors))
        return keras_op_format.to_keras(self.function, self._fn, args, kwargs)

    def _placeholders(self):
        n = len(self._inbound_nodes[0].input_tensors) if self._inbound_nodes else 0
        return [_Placeholder(i) for i in range(n)]

    def keras_op_entry(self):
        """``{"module", "class_name", "config", "registered_name"}`` as Keras 3 saves this op,
        or None when Keras has no form for it (see the module)."""
        form = self._keras_form(self._placeholders())
        if form is None:
            return None
        module, class_name, config, _, takes_name = form
        config = ({"name": self.name} if takes_name else {}) | config
        return {"module": f"keras.src.ops.{module}", "class_name": class_name, "config": config,
                "registered_name": class_name}

    def keras_node_arguments(self, node):
        """``(args, kwargs)`` of ``node`` as Keras 3 saves them (the op's call arguments, the
        node's KerasTensors in place), or None (pyfapi's own form: the tensors only)."""
        form = self._keras_form(node.input_tensors)
        return None if form is None else (list(form[3]), {})

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
        """Keras 3's config of the op class (``name`` and the constructor arguments) when Keras
        has the op; else the layer config plus ``function`` and the encoded ``arguments``."""
        entry = self.keras_op_entry()
        if entry is not None:
            return dict(entry["config"])
        config = super().get_config()
        config.update({"function": self.function, "arguments": self.arguments})
        return config


class _Placeholder:
    """Stands for a node's i-th tensor while the op's Keras config is derived."""

    def __init__(self, index):
        self.index = index


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
