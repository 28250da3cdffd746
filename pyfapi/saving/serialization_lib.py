"""``serialize_keras_object`` / ``deserialize_keras_object``: any pyfapi or user object to and from
Keras 3's config form ``{"module", "class_name", "config", "registered_name"}`` (Keras 3:
``keras/src/saving/serialization_lib.py``).

Plain Python values (None, bool, int, float, str) stay as they are, lists and dicts are walked.
Functions are written as Keras writes them, ``{"module": "builtins", "class_name": "function",
"config": <registered name>, "registered_name": "function"}`` (built-in activations by name).
Objects with ``get_config`` carry their family's Keras module (``keras.layers``,
``keras.losses``, ...) when they are pyfapi's, else ``module: None`` and their registered name
(:mod:`pyfapi.utils.object_registration`); deserialization looks a class up in
``custom_objects``, the ``custom_object_scope`` and the registry first, then in its family.
"""
from __future__ import annotations

import inspect

from pyfapi import activations, constraints, initializers, losses, optimizers, regularizers
from pyfapi import learning_rate_schedule as schedules
from pyfapi.layers.base import Layer, get_layer_class
from pyfapi.utils.object_registration import find_custom, get_registered_name

__all__ = ["serialize_keras_object", "deserialize_keras_object"]

# Keras module of each pyfapi family (the first base class an object is an instance of wins)
_FAMILIES = (
    (Layer, "keras.layers"),
    (losses.Loss, "keras.losses"),
    (optimizers.Optimizer, "keras.optimizers"),
    (initializers.Initializer, "keras.initializers"),
    (regularizers.Regularizer, "keras.regularizers"),
    (constraints.Constraint, "keras.constraints"),
    (schedules.LearningRateSchedule, "keras.optimizers.schedules"),
)


def _family_deserializers():
    from pyfapi import metrics
    return {
        "keras.losses": losses.deserialize,
        "keras.optimizers": optimizers.deserialize,
        "keras.initializers": initializers.deserialize,
        "keras.regularizers": regularizers.deserialize,
        "keras.constraints": constraints.deserialize,
        "keras.optimizers.schedules": schedules.deserialize,
        "keras.metrics": metrics.get,
    }


def serialize_keras_object(obj):
    """Keras 3's config form of ``obj`` (see the module docstring).

    Raises:
        TypeError: an object that is neither a plain value, a container, a function nor has
            ``get_config``.
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return activations.serialize(obj)
    get_config = getattr(obj, "get_config", None)
    if get_config is None:
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config() method")
    cls = type(obj)
    module, registered = None, get_registered_name(cls)
    if cls.__module__.startswith("pyfapi."):
        module = next((m for base, m in _FAMILIES if isinstance(obj, base)), None)
        from pyfapi import metrics
        if module is None and isinstance(obj, metrics.Metric):
            module = "keras.metrics"
        registered = None
    out = {"module": module, "class_name": cls.__name__, "config": get_config(),
           "registered_name": registered}
    if isinstance(obj, Layer) and obj.built and hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config is not None:
            out["build_config"] = build_config
    return out


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Inverse of :func:`serialize_keras_object` (also reads what Keras 3 writes).

    Raises:
        ValueError: a class that is neither registered, in ``custom_objects`` / a scope, nor a
            pyfapi class of its module.
    """
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, list):
        return [deserialize_keras_object(c, custom_objects, safe_mode) for c in config]
    if not isinstance(config, dict):
        raise ValueError(f"Could not deserialize {config!r}: expected a config dict")
    if "class_name" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()}
    if config["class_name"] == "function":
        return activations.deserialize(config, custom_objects)
    cls = find_custom(config, custom_objects)
    if cls is None:
        module = config.get("module") or ""
        family = _family_deserializers().get(module)
        if family is not None:
            return family(config)
        cls = get_layer_class(config["class_name"])  # a layer (module keras.layers / None)
    obj = cls.from_config(dict(config.get("config") or {}))
    build_config = config.get("build_config")
    if build_config and isinstance(obj, Layer) and not obj.built:
        obj.build_from_config(build_config)
    return obj
