"""Small helpers the concrete layers share: config (de)serialisation of initializers and
activations, refusal of Keras arguments pyfapi does not implement, array access, the optional
bias weight."""
from __future__ import annotations

import numpy as np

from pyfapi import activations, initializers

__all__ = ["serialize_initializer", "serialize_activation", "serialize_object",
           "reject_unsupported", "to_numpy", "add_bias_weight"]


#: Keras 3 layer-config form of an initializer (a dict), a custom callable as is.
serialize_initializer = initializers.serialize


def serialize_activation(fn):
    """The name Keras stores for a built-in activation; a custom callable is kept as is."""
    try:
        return activations.serialize(fn)
    except ValueError:
        return fn


def serialize_object(obj):
    """Config form of a regularizer / constraint: None, ``{"class_name", "config"}`` for objects
    with ``get_config``, else the object itself (a plain callable, not JSON-serialisable)."""
    if obj is None:
        return None
    from pyfapi import constraints, regularizers
    if isinstance(obj, regularizers.Regularizer):
        return regularizers.serialize(obj)
    if isinstance(obj, constraints.Constraint):
        return constraints.serialize(obj)
    get_config = getattr(obj, "get_config", None)
    if get_config is not None:
        return {"class_name": type(obj).__name__, "config": get_config()}
    return obj


def add_bias_weight(layer, size):
    """The optional ``bias`` weight of Dense / Conv layers (Keras): when ``layer.use_bias``,
    ``layer.add_weight(shape=(size,), initializer=layer.bias_initializer, name="bias",
    regularizer=layer.bias_regularizer, constraint=layer.bias_constraint)``; else None."""
    if not layer.use_bias:
        return None
    return layer.add_weight(shape=(size,), initializer=layer.bias_initializer, name="bias",
                            regularizer=layer.bias_regularizer, constraint=layer.bias_constraint)


def reject_unsupported(layer_cls_name, **kwargs):
    """Refuse Keras arguments pyfapi has no implementation of (regularizers, constraints, ...).

    Each keyword is ``name=(value, default)``; a value different from its default raises.

    Raises:
        NotImplementedError: naming the layer class, the argument and the value received.
    """
    for name, (value, default) in kwargs.items():
        if value is not default and value != default:
            raise NotImplementedError(
                f"{layer_cls_name}: argument `{name}` is not supported by pyfapi "
                f"(only {name}={default!r}). Received: {name}={value!r}")


def to_numpy(x):
    """The numpy value of a Tensor / Variable / array-like (no copy for ndarray and Tensor)."""
    value = getattr(x, "value", None)
    if isinstance(value, np.ndarray):
        return value
    return np.asarray(x)


def fused_activation_name(activation):
    """``"linear"`` / ``"relu"`` when ``activation`` can run in a GEMM epilogue, else None.

    Dense (``ops.linear``) and Conv1D/Conv2D (``ops.conv_bias_activation``) use it to apply the
    bias and a relu while the output tile is hot instead of as two more passes over the output.
    """
    from pyfapi import activations

    if activation is activations.linear:
        return "linear"
    if activation is activations.relu:
        return "relu"
    return None
