"""Models: :class:`Model` (functional graph; Keras 3 ``Functional``) and :class:`Sequential`.

``model_from_config`` / ``model_from_json`` rebuild either from their Keras-format config.
"""
from __future__ import annotations

import json

from pyfapi.models.functional import Model
from pyfapi.models.sequential import Sequential

__all__ = ["Model", "Sequential", "model_from_config", "model_from_json", "clone_model", "load_model"]


def model_from_config(config, custom_objects=None):
    """A model (or layer) from ``{"class_name": ..., "config": ...}`` (Keras format)."""
    from pyfapi.models.serialization import deserialize_layer

    return deserialize_layer(config, custom_objects)


def model_from_json(json_string, custom_objects=None):
    """A model from :meth:`Model.to_json` output."""
    return model_from_config(json.loads(json_string), custom_objects)


def clone_model(model, custom_objects=None):
    """A new model with the same architecture and freshly initialised weights.

    Every layer is rebuilt from its own class (as Keras takes ``layer.__class__``), so custom
    layers need neither registration nor ``custom_objects``.
    """
    from pyfapi.models.serialization import serialize_layer
    from pyfapi.utils.object_registration import get_registered_name

    classes = {}
    for layer in model._flatten_layers(include_self=True, recursive=True):
        cls = type(layer)
        classes.setdefault(get_registered_name(cls), cls)
        classes.setdefault(cls.__name__, cls)
    return model_from_config(serialize_layer(model), {**classes, **(custom_objects or {})})


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model saved by :meth:`Model.save` (a ``.keras`` archive); see :func:`pyfapi.saving.load_model`."""
    from pyfapi.saving import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
