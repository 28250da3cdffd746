"""Argument helpers shared by the spatial reshaping layers (UpSampling, ZeroPadding,
Cropping)."""
from __future__ import annotations

import builtins

import numpy as np

from pyfapi import ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import normalize_data_format

__all__ = ["int_pairs", "check_rank", "_SpatialArgLayer", "_CroppingBase"]


def int_pairs(value, n, name, layer_cls):
    """An int, a tuple of ``n`` ints or of ``n`` (before, after) pairs -> tuple of ``n`` pairs of
    ints >= 0 (Keras's ZeroPadding / Cropping argument forms).

    Raises:
        ValueError: any other form or a negative entry (names the layer class and the value).
    """
    def bad():
        return ValueError(f"{layer_cls}: `{name}` should be an int, a tuple of {n} ints, or a "
                          f"tuple of {n} tuples of 2 ints >= 0. Received: {name}={value!r}")

    def as_int(v):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise bad()
        return int(v)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        v = as_int(value)
        return ((v, v),) * n
    try:
        items = tuple(value)
    except TypeError:
        raise bad() from None
    if n == 1 and len(items) == 2 and all(not isinstance(i, (tuple, list)) for i in items):
        return ((as_int(items[0]), as_int(items[1])),)
    if len(items) != n:
        raise bad()
    out = []
    for it in items:
        if isinstance(it, (tuple, list)):
            if len(it) != 2:
                raise bad()
            out.append((as_int(it[0]), as_int(it[1])))
        else:
            v = as_int(it)
            out.append((v, v))
    return tuple(out)


def check_rank(layer, shape, rank):
    """ValueError naming the layer unless ``len(shape) == rank``."""
    if len(shape) != rank:
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: "
                         f"expected ndim={rank}, found ndim={len(shape)}. Full shape received: "
                         f"{tuple(shape)}")


class _SpatialArgLayer(Layer):
    """Base of ZeroPadding / Cropping: stores the (before, after) pairs of its argument."""
    nd = 1
    arg = "padding"

    def __init__(self, value, data_format=None, **kwargs):
        super().__init__(**kwargs)
        pairs = int_pairs(value, self.nd, self.arg, type(self).__name__)
        setattr(self, self.arg, pairs[0] if self.nd == 1 else pairs)
        self._pairs = pairs
        self.data_format = normalize_data_format(data_format, self.name)
        self.input_spec = InputSpec(ndim=self.nd + 2)
        self.built = True

    def get_config(self):
        """Layer config plus padding / cropping (and data_format for 2-D)."""
        config = super().get_config()
        config[self.arg] = getattr(self, self.arg)
        if type(self).__name__ != "Cropping1D":  # Keras's Cropping1D has no data_format
            config["data_format"] = self.data_format
        return config


class _CroppingBase(_SpatialArgLayer):
    """Base of Cropping1D / Cropping2D."""
    arg = "cropping"

    def _check(self, shape):
        for i, (d, (a, b)) in enumerate(zip(shape[1:1 + self.nd], self._pairs)):
            if d is not None and a + b >= d:
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): cropping "
                                 f"{self.cropping} removes {a + b} of the {d} entries of spatial "
                                 f"axis {i} of an input of shape {tuple(shape)}; at least one "
                                 f"must remain")

    def call(self, inputs):
        """The cropped inputs."""
        shape = tuple(inputs.shape)
        self._check(shape)
        key = (builtins.slice(None),) + tuple(builtins.slice(a, d - b)
                                              for d, (a, b) in zip(shape[1:], self._pairs))
        return ops.get_item(inputs, key)

    def compute_output_shape(self, input_shape):
        """Spatial sizes minus the cropped amounts; ValueError when nothing would remain."""
        s = tuple(input_shape)
        check_rank(self, s, self.nd + 2)
        self._check(s)
        out = [s[0]]
        for d, (a, b) in zip(s[1:1 + self.nd], self._pairs):
            out.append(None if d is None else d - a - b)
        return tuple(out) + (s[-1],)
