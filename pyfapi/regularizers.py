"""Weight / activity regularizers, as ``keras.regularizers`` (Keras 3 names, defaults, formulas).

A regularizer is a callable ``reg(x) -> scalar Tensor`` written with :mod:`pyfapi.ops`, so the
penalty is differentiable on a :class:`~pyfapi.autodiff.GradientTape`. Layers resolve their
``*_regularizer`` arguments with :func:`get` at construction; the penalties of weights are in
``layer.losses`` and added to the training loss (activity regularizers: see
:class:`pyfapi.layers.Layer`).

Formulas (source: keras/src/regularizers/regularizers.py, Keras 3.15):

* ``L1(l1=0.01)``:  ``l1 * sum(|x|)``
* ``L2(l2=0.01)``:  ``l2 * sum(x**2)``
* ``L1L2(l1=0.0, l2=0.0)``: both (the string ``'l1_l2'`` / ``'l1l2'`` gives ``L1L2()``).
* ``OrthogonalRegularizer(factor=0.01, mode="rows")`` on a rank-2 ``x``: rows (or columns)
  normalised to unit L2 norm, ``P = X X^T`` (``X^T X`` for columns),
  ``factor * 0.5 * sum(|P * (1 - I)|) / (n (n - 1) / 2)``.
"""
from __future__ import annotations

import math

import numpy as np

from pyfapi.utils.serialization import (Configurable, config_repr, deserialize_object, get_object,
                                        serialize_object)

__all__ = ["Regularizer", "L1", "L2", "L1L2", "OrthogonalRegularizer", "l1", "l2", "l1_l2",
           "orthogonal_regularizer", "get", "serialize", "deserialize"]


def _ops():
    from pyfapi import ops
    return ops


def validate_float_arg(value, name):
    """``float(value)`` for a finite non-negative number.

    Raises:
        ValueError: not a number, infinite/NaN or negative (message as Keras's).
    """
    if (not isinstance(value, (float, int, np.floating, np.integer)) or isinstance(value, bool)
            or math.isinf(value) or math.isnan(value) or value < 0):
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float. "
                         f"Received: {name}={value!r}")
    return float(value)


class Regularizer(Configurable):
    """Base class: subclasses implement ``__call__(x) -> scalar`` and ``get_config``."""

    def __call__(self, x):
        return _ops().convert_to_tensor(np.float32(0.0))

    def get_config(self) -> dict:
        """Constructor arguments as a dict; the base class raises NotImplementedError."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    def __repr__(self):
        try:
            config = self.get_config()
        except NotImplementedError:
            config = {}
        return config_repr(self, config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)`` (terms with a zero factor are skipped).

    Args:
        l1, l2: non-negative floats (default 0.0; None means 0.0).

    Raises:
        ValueError: a negative / non-finite / non-numeric factor.
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, "l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        ops = _ops()
        out = None
        if self.l1 != 0.0:
            out = ops.sum(ops.abs(x)) * self.l1
        if self.l2 != 0.0:
            t = ops.sum(ops.square(x)) * self.l2
            out = t if out is None else out + t
        if out is None:
            return ops.convert_to_tensor(np.float32(0.0))
        return out

    def get_config(self):
        """``{"l1", "l2"}``."""
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """``l1 * sum(|x|)``, default ``l1=0.01`` (Keras)."""

    def __init__(self, l1=0.01):
        self.l1 = validate_float_arg(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        ops = _ops()
        return ops.sum(ops.abs(x)) * self.l1

    def get_config(self):
        """``{"l1"}``."""
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x**2)``, default ``l2=0.01`` (Keras)."""

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        ops = _ops()
        return ops.sum(ops.square(x)) * self.l2

    def get_config(self):
        """``{"l2"}``."""
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Penalises non-orthogonal rows (``mode="rows"``) or columns of a rank-2 weight.

    Raises:
        ValueError: bad factor or mode (construction); an input that is not rank 2 (call).
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = validate_float_arg(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError('Invalid value for argument `mode`. Expected one of '
                             f'{{"rows", "columns"}}. Received: mode={mode!r}')
        self.mode = mode

    def __call__(self, x):
        ops = _ops()
        if len(x.shape) != 2:
            raise ValueError("Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={tuple(x.shape)}")
        axis = 1 if self.mode == "rows" else 0
        sq = ops.sum(ops.square(x), axis=axis, keepdims=True)
        xn = ops.divide(x, ops.sqrt(ops.maximum(sq, 1e-12)))  # keras normalize(): l2, eps 1e-12
        if self.mode == "rows":
            product = ops.matmul(xn, ops.transpose(xn))
            size = x.shape[0]
        else:
            product = ops.matmul(ops.transpose(xn), xn)
            size = x.shape[1]
        off = product * (1.0 - np.eye(size, dtype=np.float32))
        num_pairs = size * (size - 1.0) / 2.0
        return ops.sum(ops.abs(off)) * (self.factor * 0.5 / num_pairs)

    def get_config(self):
        """``{"factor", "mode"}``."""
        return {"factor": self.factor, "mode": self.mode}


# Keras aliases (functions-as-classes)
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_CLASSES = {"Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
            "OrthogonalRegularizer": OrthogonalRegularizer}
_ALIASES = {"regularizer": Regularizer, "l1": L1, "l2": L2, "l1l2": L1L2, "l1_l2": L1L2,
            "orthogonal_regularizer": OrthogonalRegularizer}


def serialize(regularizer):
    """Keras 3 config ``{"module": "keras.regularizers", "class_name", "config",
    "registered_name"}`` of a :class:`Regularizer` (None -> None; other callables as is)."""
    return serialize_object(regularizer, Regularizer, "keras.regularizers")


def deserialize(config, custom_objects=None):
    """Inverse of :func:`serialize` (Keras 2 ``{"class_name", "config"}`` dicts too).

    Raises:
        ValueError: not a config dict, or an unknown class name (lists the known ones).
    """
    return deserialize_object(config, "regularizer", _CLASSES, _ALIASES, custom_objects)


def get(identifier):
    """A regularizer from None, a name (``'l1'``, ``'l2'``, ``'l1_l2'``, ``'L2'``, ...), a
    config dict, a class, an instance or any callable ``f(x) -> scalar`` (returned as is).

    Raises:
        ValueError: an unknown name or an identifier that is not callable.
    """
    return get_object(identifier, "regularizer", (_ALIASES, _CLASSES), deserialize)
