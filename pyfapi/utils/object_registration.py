"""Registering custom objects for (de)serialization, as Keras 3's
``keras/src/saving/object_registration.py``.

``@register_keras_serializable(package="Custom", name=None)`` files a class or function under
``"<package>><name>"`` (the class's ``__name__`` by default), the ``registered_name`` written into
configs and ``.keras`` archives; ``custom_object_scope({...})`` adds objects for the duration of a
``with`` block (this thread only); ``get_custom_objects()`` is the global, mutable dict.

Every config lookup of pyfapi (layers, losses, metrics, schedules, activations, Lambda
functions, compile configs) passes its ``custom_objects`` argument through :func:`resolve`, so
registered objects are found by their registered name (as Keras: ``"Custom>my_fn"``, not
``"my_fn"``) and scoped ones by their key.
"""
from __future__ import annotations

import inspect
import threading

__all__ = ["register_keras_serializable", "get_registered_name", "get_registered_object",
           "custom_object_scope", "CustomObjectScope", "get_custom_objects", "resolve",
           "find_custom"]

_GLOBAL_CUSTOM_OBJECTS: dict = {}   # registered name -> object
_GLOBAL_CUSTOM_NAMES: dict = {}     # object -> registered name
_SCOPE = threading.local()


def _scope_objects() -> dict:
    out: dict = {}
    for d in getattr(_SCOPE, "stack", ()):
        out.update(d)
    return out


def register_keras_serializable(package="Custom", name=None):
    """Decorator filing a class or function under ``"<package>><name>"`` for deserialization.

    Args:
        package: the prefix (default ``"Custom"``).
        name: the name under the package (default: the object's ``__name__``).

    Raises:
        ValueError: a class without ``get_config``. A name already taken is re-filed to the new
            object, as Keras does (re-running a notebook cell redefines the class).
    """
    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg
    return decorator


def get_registered_name(obj) -> str:
    """The name ``obj`` is registered under, else its ``__name__``."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object filed as ``name``: this thread's scopes first, then the global registry, then
    ``custom_objects``, then ``module_objects`` (Keras's order); None when none has it."""
    scoped = _scope_objects()
    for table in (scoped, _GLOBAL_CUSTOM_OBJECTS, custom_objects or {}, module_objects or {}):
        if name in table:
            return table[name]
    return None


class CustomObjectScope:
    """``with custom_object_scope({"MyLayer": MyLayer}, ...):`` makes the objects visible to every
    deserialization in the block (this thread only); scopes nest."""

    def __init__(self, *custom_objects):
        self.custom_objects = custom_objects

    def __enter__(self):
        merged: dict = {}
        for d in self.custom_objects:
            if d is not None:
                if not isinstance(d, dict):
                    raise TypeError(f"custom_object_scope expects dicts, received {d!r}")
                merged.update(d)
        if not hasattr(_SCOPE, "stack"):
            _SCOPE.stack = []
        _SCOPE.stack.append(merged)
        return self

    def __exit__(self, *exc):
        _SCOPE.stack.pop()
        return False


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict:
    """The global registry (registered name -> object); updating it registers objects too."""
    return _GLOBAL_CUSTOM_OBJECTS


def resolve(custom_objects=None) -> dict:
    """``custom_objects`` merged over the scopes and the global registry (later ones win)."""
    out = dict(_GLOBAL_CUSTOM_OBJECTS)
    out.update(_scope_objects())
    out.update(custom_objects or {})
    return out


def find_custom(config, custom_objects=None, by_class_name=True):
    """The user object a serialized ``{"class_name", "registered_name", ...}`` entry names:
    looked up by its ``registered_name``, then (``by_class_name``) by its ``class_name``, in
    :func:`resolve`'s table; None when neither is there (a built-in, found by the caller)."""
    table = resolve(custom_objects)
    registered = config.get("registered_name")
    obj = table.get(registered) if isinstance(registered, str) else None
    if obj is None and by_class_name:
        obj = table.get(config.get("class_name"))
    return obj
