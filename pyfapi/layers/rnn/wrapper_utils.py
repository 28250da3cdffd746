"""Serialization of a wrapped layer inside a wrapper's config (Bidirectional, TimeDistributed),
in Keras 3's nested form ``{"module", "class_name", "config", "registered_name"}``."""
from __future__ import annotations

from pyfapi.layers.base import get_layer_class

__all__ = ["deserialize_sublayer", "prefix_weight_paths", "serialize_sublayer"]


def serialize_sublayer(layer) -> dict:
    """Keras 3's serialized form of a (built-in or registered) layer or model (without its
    build_config, so building does not change the wrapper's config)."""
    cls = type(layer)
    builtin = cls.__module__.startswith("pyfapi.")
    name = cls.__name__
    if name == "Model" and getattr(layer, "_is_graph_network", False):
        name = "Functional"
    is_model = cls.__module__.startswith("pyfapi.models")
    out = {"module": ("keras" if is_model else "keras.layers") if builtin else cls.__module__,
           "class_name": name, "config": layer.get_config(),
           "registered_name": None if builtin else name}
    return out  # no build_config: the wrapper's own build builds the wrapped layer


def deserialize_sublayer(data, custom_objects=None):
    """A layer from :func:`serialize_sublayer` output (or an already built Layer, returned as is).

    Raises:
        ValueError: unknown class name (pass ``custom_objects``).
    """
    if not isinstance(data, dict):
        return data
    name = data.get("registered_name") or data["class_name"]
    cls = get_layer_class(name, custom_objects)
    try:
        layer = cls.from_config(dict(data["config"]), custom_objects=custom_objects)
    except TypeError:
        layer = cls.from_config(dict(data["config"]))
    build = data.get("build_config")
    if build and hasattr(layer, "build_from_config"):
        layer.build_from_config(build)
    return layer


def prefix_weight_paths(wrapper, sublayer):
    """Keras 3 weight paths of a wrapped layer: ``<wrapper>/<sublayer path>`` (e.g.
    ``bidirectional/forward_gru/gru_cell/kernel``); applied once after the sub-layer is built."""
    prefix = f"{wrapper.name}/"
    for w in sublayer.weights:
        path = getattr(w, "path", None)
        if path is not None and not path.startswith(prefix):
            w.path = prefix + path
