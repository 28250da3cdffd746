"""Weight constraints, as ``keras.constraints`` (Keras 3 names, defaults and formulas).

A constraint is a callable ``c(w) -> Tensor`` (same shape) written with :mod:`pyfapi.ops`;
optimizers apply it to a variable after each update (``variable.assign(c(variable))``). Layers
resolve their ``*_constraint`` arguments with :func:`get` at construction.

Formulas (source: keras/src/constraints/constraints.py, Keras 3.15; ``eps = 1e-7``,
``norms = sqrt(sum(w**2, axis, keepdims=True))``):

* ``MaxNorm(max_value=2, axis=0)``: ``w * clip(norms, 0, max_value) / (eps + norms)``
* ``MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0, axis=0)``:
  ``w * (rate * clip(norms, min_value, max_value) + (1 - rate) * norms) / (eps + norms)``
* ``NonNeg()``: ``maximum(w, 0)``
* ``UnitNorm(axis=0)``: ``w / (eps + norms)``
"""
from __future__ import annotations

from pyfapi.utils.serialization import (Configurable, deserialize_object, get_object,
                                        serialize_object)

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm",
           "min_max_norm", "non_neg", "unit_norm", "get", "serialize", "deserialize"]

_EPSILON = 1e-7  # keras.config.epsilon()


def _ops():
    from pyfapi import ops
    return ops


def _norms(w, axis):
    ops = _ops()
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


class Constraint(Configurable):
    """Base class: ``__call__(w)`` returns the projected weight (the base returns ``w``)."""

    def __call__(self, w):
        return w


class MaxNorm(Constraint):
    """Norm (over ``axis``) of each weight slice clipped to at most ``max_value``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        ops = _ops()
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0.0, float(self.max_value))
        return w * (desired / (norms + _EPSILON))

    def get_config(self):
        """``{"max_value", "axis"}``."""
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Norm of each slice moved (by ``rate``) into ``[min_value, max_value]``."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        ops = _ops()
        norms = _norms(w, self.axis)
        desired = (ops.clip(norms, float(self.min_value), float(self.max_value)) * float(self.rate)
                   + norms * (1.0 - float(self.rate)))
        return w * (desired / (norms + _EPSILON))

    def get_config(self):
        """``{"min_value", "max_value", "rate", "axis"}``."""
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class NonNeg(Constraint):
    """``maximum(w, 0)``."""

    def __call__(self, w):
        return _ops().maximum(w, 0.0)


class UnitNorm(Constraint):
    """Each slice divided by its norm over ``axis``."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (_norms(w, self.axis) + _EPSILON)

    def get_config(self):
        """``{"axis"}``."""
        return {"axis": self.axis}


max_norm = MaxNorm
min_max_norm = MinMaxNorm
non_neg = NonNeg
unit_norm = UnitNorm

_CLASSES = {"Constraint": Constraint, "MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm,
            "NonNeg": NonNeg, "UnitNorm": UnitNorm}
_ALIASES = {"constraint": Constraint, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
            "non_neg": NonNeg, "unit_norm": UnitNorm}


def serialize(constraint):
    """Keras 3 config ``{"module": "keras.constraints", "class_name", "config",
    "registered_name"}`` of a :class:`Constraint` (None -> None; other callables as is)."""
    return serialize_object(constraint, Constraint, "keras.constraints")


def deserialize(config, custom_objects=None):
    """Inverse of :func:`serialize` (Keras 2 ``{"class_name", "config"}`` dicts too).

    Raises:
        ValueError: not a config dict, or an unknown class name (lists the known ones).
    """
    return deserialize_object(config, "constraint", _CLASSES, _ALIASES, custom_objects)


def get(identifier):
    """A constraint from None, a name (``'non_neg'``, ``'max_norm'``, ``'MaxNorm'``, ...), a
    config dict, a class, an instance or any callable ``f(w) -> w'`` (returned as is).

    Raises:
        ValueError: an unknown name or an identifier that is not callable.
    """
    return get_object(identifier, "constraint", (_ALIASES, _CLASSES), deserialize)
