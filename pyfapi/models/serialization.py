"""Keras 3 config format of layers and functional graphs (``get_config`` / ``from_config``).

A layer entry of a functional model config, as Keras 3 writes it::

    {"module": "keras.layers", "class_name": "Dense", "config": {...}, "registered_name": None,
     "build_config": {"input_shape": [None, 64]}, "name": "dense",
     "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__",
                                   "config": {"shape": [None, 64], "dtype": "float32",
                                              "keras_history": ["input_layer", 0, 0]}}],
                        "kwargs": {}}]}

Node indices in ``keras_history`` count only the calls that belong to the serialized model
(Keras's re-indexing), so a shared layer reused by another model still round-trips.
"""
from __future__ import annotations

import numpy as np

from pyfapi import tree
from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.base import get_layer_class
from pyfapi.utils.object_registration import get_registered_name
from pyfapi.utils.object_registration import find_custom

__all__ = ["serialize_layer", "deserialize_layer", "serialize_node_args", "deserialize_node_args"]

_MODEL_CLASS_NAMES = {"Model": "Functional"}


def _class_name(layer) -> str:
    name = type(layer).__name__
    if type(layer).__module__.startswith("pyfapi.models"):
        return _MODEL_CLASS_NAMES.get(name, name)
    return name


def serialize_layer(layer) -> dict:
    """``{"module", "class_name", "config", "registered_name"[, "build_config"]}`` of a layer
    (of an ops call on KerasTensors: the Keras op class entry, as Keras 3 writes it)."""
    cls = type(layer)
    if hasattr(cls, "keras_op_entry"):
        entry = layer.keras_op_entry()
        if entry is not None:
            return entry
    mod = cls.__module__
    if mod.startswith("pyfapi.models"):  # as Keras writes a nested model (and the archive's top)
        module = "keras.src.models.functional" if _class_name(layer) == "Functional" else "keras"
        registered = None
    elif mod.startswith("pyfapi."):
        module, registered = "keras.layers", None
    else:  # a user's class: as Keras, no module and its registered (or plain) name
        module, registered = None, get_registered_name(cls)
    out = {"module": module, "class_name": _class_name(layer), "config": layer.get_config(),
           "registered_name": registered}
    if type(layer).__name__ != "InputLayer":
        build_config = layer.get_build_config() if hasattr(layer, "get_build_config") else None
        if build_config is not None:
            out["build_config"] = build_config
    return out


def deserialize_layer(data, custom_objects=None):
    """A layer from :func:`serialize_layer`'s output (or a Keras 3 / legacy Keras entry).

    Raises:
        ValueError: unknown class (not registered and not in ``custom_objects``), or a Keras op
            class (``module`` ``keras.src.ops.*``) pyfapi does not know.
    """
    from pyfapi.layers.core import keras_op_format
    if keras_op_format.is_keras_op_entry(data):
        from pyfapi.layers.core.symbolic_op import SymbolicOp
        return SymbolicOp.from_keras_entry(data)
    class_name = data["class_name"]
    cls = find_custom(data, custom_objects)
    if cls is None:
        cls = get_layer_class(class_name, custom_objects)
    config = data.get("config", {})
    from pyfapi.models.functional import Model

    if isinstance(cls, type) and issubclass(cls, Model):
        layer = cls.from_config(dict(config), custom_objects=custom_objects)
    else:
        layer = cls.from_config(dict(config))
    build_config = data.get("build_config")
    if build_config and not layer.built and hasattr(layer, "build_from_config"):
        layer.build_from_config(build_config)
    return layer


def creation_node_offset(layer) -> int:
    """1 for a functional model used as a layer, else 0. In a model config's ``input_layers`` /
    ``output_layers`` (not in the layers' ``inbound_nodes``, which count calls from 0), Keras 3
    counts a functional model's "built-in node" before its calls: a nested functional model's
    first call is node 1 there (``Functional.get_config``'s ``kept_nodes``, read back by
    ``functional_from_config``'s ``node_index -= 1``). pyfapi writes and reads the same
    numbering (Sequential, like Keras's, is not functional)."""
    if not getattr(layer, "_is_graph_network", False):
        return 0
    return 0 if any(c.__name__ == "Sequential" and c.__module__.startswith("pyfapi.models")
                    for c in type(layer).__mro__) else 1


def stored_node_index(layer, node_index) -> int:
    """The position in ``layer._inbound_nodes`` of a node index read from a config (see
    :func:`creation_node_offset`; an index written 0-based by pyfapi before it counted the
    built-in node reads as the first call)."""
    return max(node_index - creation_node_offset(layer), 0)


def _history_index(tensor, own_nodes):
    op, node_index, tensor_index = tensor._keras_history
    skipped = sum(1 for n in op._inbound_nodes[:node_index] if n not in own_nodes)
    return [op.name, node_index - skipped, tensor_index]


def serialize_node_args(node, own_nodes):
    """``{"args": [...], "kwargs": {...}}`` of a node as Keras 3's ``serialize_keras_object``
    writes them: KerasTensors as ``__keras_tensor__``, slices as ``__slice__``, ``...`` as
    ``__ellipsis__``, arrays as ``__numpy__``, Tensors as ``__tensor__``, tuples as lists."""
    def ser(x):
        if isinstance(x, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(x.shape), "dtype": x.dtype,
                               "keras_history": _history_index(x, own_nodes)}}
        if isinstance(x, (tuple, list)):
            return [ser(v) for v in x]
        if isinstance(x, dict):
            return {k: ser(v) for k, v in x.items()}
        return _serialize_value(x)
    args, kwargs = node.call_args, node.call_kwargs
    op = node.operation
    if hasattr(type(op), "keras_node_arguments"):
        args, kwargs = op.keras_node_arguments(node) or (args, kwargs)
    return {"args": [ser(a) for a in args], "kwargs": {k: ser(v) for k, v in kwargs.items()}}


def _serialize_value(x):
    if x is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(x, slice):
        return {"class_name": "__slice__", "config": {
            "start": _serialize_value(x.start), "stop": _serialize_value(x.stop),
            "step": _serialize_value(x.step)}}
    if isinstance(x, bytes):
        return {"class_name": "__bytes__", "config": {"value": x.decode("utf-8")}}
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            return x.item()
        return {"class_name": "__numpy__", "config": {"value": x.tolist(), "dtype": x.dtype.name}}
    value = getattr(x, "value", None)
    if isinstance(value, np.ndarray):  # a pyfapi Tensor / Variable constant
        return {"class_name": "__tensor__", "config": {"value": value.tolist(),
                                                       "dtype": value.dtype.name}}
    return x


def _deserialize_value(x):
    """Keras 3's special values in a node (``__slice__``, ``__ellipsis__``, ``__numpy__``,
    ``__tensor__``, ``__bytes__``), or None if ``x`` is none of them."""
    kind, config = x.get("class_name"), x.get("config") or {}
    if kind == "__slice__":
        return slice(*(_deserialize_value(v) if isinstance(v, dict) else v
                       for v in (config.get("start"), config.get("stop"), config.get("step"))))
    if kind == "__ellipsis__":
        return Ellipsis
    if kind in ("__numpy__", "__tensor__"):
        return np.asarray(config["value"], dtype=config.get("dtype"))
    if kind == "__bytes__":
        return config["value"].encode("utf-8")
    return None


_SPECIAL_VALUES = ("__slice__", "__ellipsis__", "__numpy__", "__tensor__", "__bytes__")


class _NotReady(Exception):
    """An inbound node named in a config does not exist yet (process it later)."""


def deserialize_node_args(node_data, created_layers):
    """``(args, kwargs)`` for re-calling a layer from a serialized node.

    Raises:
        _NotReady: an inbound layer has not been called often enough yet.
        ValueError: a reference to a layer absent from the config.
    """
    def lookup(name, node_index, tensor_index):
        if name not in created_layers:
            raise ValueError(f"Invalid functional model config: missing layer {name!r}")
        layer = created_layers[name]
        if len(layer._inbound_nodes) <= node_index:
            raise _NotReady(name)
        return layer._inbound_nodes[node_index].outputs[tensor_index]

    if isinstance(node_data, list):  # legacy Keras 2: [[name, node, tensor, kwargs], ...]
        tensors = [lookup(d[0], d[1], d[2]) for d in node_data]
        kwargs = node_data[0][3] if node_data and len(node_data[0]) > 3 else {}
        return [tensors[0] if len(tensors) == 1 else tensors], dict(kwargs)

    def de(x):
        if isinstance(x, dict):
            if x.get("class_name") == "__keras_tensor__":
                return lookup(*x["config"]["keras_history"])
            if x.get("class_name") in _SPECIAL_VALUES:
                return _deserialize_value(x)
            return {k: de(v) for k, v in x.items()}
        if isinstance(x, list):
            return [de(v) for v in x]
        return x
    args = [de(a) for a in node_data.get("args", [])]
    kwargs = {k: de(v) for k, v in node_data.get("kwargs", {}).items()}
    return args, kwargs


def flatten_tensors(structure):
    """The KerasTensor leaves of a nested structure, in depth-first order."""
    return [x for x in tree.flatten(structure) if isinstance(x, KerasTensor)]
