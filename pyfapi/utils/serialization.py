"""Keras 3 ``serialize`` / ``deserialize`` / ``get`` for families of config objects.

:func:`get_object` is every family's ``get(identifier)`` (activations, constraints,
initializers, losses, metrics, optimizers, regularizers): each passes its name tables and its
``deserialize``. :func:`serialize_object` / :func:`deserialize_object` write and read Keras 3
config dicts ``{"module", "class_name", "config", "registered_name"}`` (keras/src/constraints/
__init__.py, keras/src/regularizers/__init__.py). :func:`config_repr` is the ``repr`` of such
objects: ``ClassName(key=value, ...)`` from ``get_config()``.
"""
from __future__ import annotations

import inspect

from pyfapi.utils.object_registration import find_custom, resolve

__all__ = ["serialize_object", "deserialize_object", "get_object", "config_repr", "Configurable"]


def config_repr(obj, config=None) -> str:
    """``"ClassName(k1=v1!r, k2=v2!r, ...)"`` from ``config`` (default ``obj.get_config()``)."""
    if config is None:
        config = obj.get_config()
    args = ", ".join(f"{k}={v!r}" for k, v in config.items())
    return f"{type(obj).__name__}({args})"


class Configurable:
    """Base of the configurable objects (initializers, constraints, regularizers), as Keras:
    ``get_config()`` gives the constructor arguments (``{}`` here), ``from_config(config)`` is
    ``cls(**config)``, and the repr shows the config."""

    def get_config(self) -> dict:
        """Constructor arguments as a dict (``{}`` for the base class)."""
        return {}

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``."""
        return cls(**config)

    def __repr__(self):
        return config_repr(self)


def serialize_object(obj, base, module):
    """Keras 3 config ``{"module": module, "class_name", "config", "registered_name": None}``
    of an instance of ``base``; None -> None; any other object (a plain callable) as is."""
    if obj is None:
        return None
    if not isinstance(obj, base):
        return obj
    return {"module": module, "class_name": type(obj).__name__,
            "config": obj.get_config(), "registered_name": None}


def deserialize_object(config, kind, classes, aliases, custom_objects=None):
    """Inverse of :func:`serialize_object` (Keras 2 ``{"class_name", "config"}`` dicts too).

    ``custom_objects`` names are looked up first, then ``classes``, then ``aliases``.

    Raises:
        ValueError: not a config dict, or an unknown class name (lists the known ones).
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not deserialize {kind} config {config!r}: expected a dict "
                         "with 'class_name' and 'config'")
    name = config["class_name"]
    cls = find_custom(config, custom_objects) or classes.get(name) or aliases.get(name)
    if cls is None:
        raise ValueError(f"Unknown {kind} class_name {name!r}. Known: {sorted(classes)} "
                         "(pass custom classes in custom_objects)")
    cfg = dict(config.get("config") or {})
    return cls.from_config(cfg) if hasattr(cls, "from_config") else cls(**cfg)


def get_object(identifier, kind, names, deserialize, *, none=None, lower=False,
               instance_of=None, wrap_callable=None):
    """Keras 3's ``<family>.get(identifier)``, the one implementation behind every family's
    ``get`` (activations, constraints, initializers, losses, metrics, optimizers, regularizers).

    Args:
        identifier: None (gives ``none``); an instance of ``instance_of`` (returned as is); a
            config dict (passed to ``deserialize``); a name, looked up in ``names`` (a dict or a
            list of dicts searched in order), then lower-cased if ``lower``, then among the
            registered custom objects (``register_keras_serializable``, ``custom_object_scope``):
            a class found is instantiated without arguments; a class (instantiated; with
            ``instance_of``, only its subclasses); any other callable (returned as is, or
            ``wrap_callable(identifier)``).
        kind: the family's name for error messages (``"loss"``, ``"metric"``, ...).

    Raises:
        ValueError: an unknown name (the message lists the known ones) or an identifier of
            another type (Keras 3's "Could not interpret ... identifier").
    """
    if identifier is None:
        return none
    if instance_of is not None and isinstance(identifier, instance_of):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        tables = (names,) if isinstance(names, dict) else tuple(names)
        obj = _look_up(tables, identifier)
        if obj is None and lower:
            obj = _look_up(tables, identifier.lower())
        if obj is None:
            obj = resolve(None).get(identifier)
        if obj is None:
            known = sorted(set().union(*tables))
            raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}. "
                             f"Known names: {known}")
        if inspect.isclass(obj):
            return _instantiate(obj, identifier, kind, instance_of)
        return obj if wrap_callable is None else wrap_callable(obj)
    if inspect.isclass(identifier):
        return _instantiate(identifier, identifier, kind, instance_of)
    if callable(identifier):
        return identifier if wrap_callable is None else wrap_callable(identifier)
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r} (of type "
                     f"{type(identifier).__name__}; expected a name, a config dict or a callable)")


def _instantiate(cls, identifier, kind, instance_of):
    if instance_of is not None and not issubclass(cls, instance_of):
        raise ValueError(f"Could not interpret {kind} identifier: {identifier!r} (the class "
                         f"{cls.__name__} is not a subclass of {instance_of.__name__})")
    return cls()


def _look_up(tables, name):
    for t in tables:
        obj = t.get(name)
        if obj is not None:
            return obj
    return None
