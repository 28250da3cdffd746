"""Concatenate and its functional form ``concatenate`` (Keras 3: keras/src/layers/merging/concatenate.py)."""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.base import Layer, is_shape_tuple

__all__ = ['Concatenate', 'concatenate']


class Concatenate(Layer):
    """Concatenates a list of tensors along ``axis`` (default -1). No weights.

    All inputs must have the same rank and the same size on every axis but ``axis`` (None matches
    anything). Output: the common shape with the sizes on ``axis`` summed (None if any is None).

    Raises:
        ValueError: "A `Concatenate` layer requires inputs with matching shapes except for the
            concatenation axis. Received: input_shape=[...]" (Keras's message, plus the layer
            name), raised when the graph is built; not a list of inputs.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.supports_masking = True

    def _error(self, shapes):
        return ValueError("A `Concatenate` layer requires inputs with matching shapes except for "
                          f"the concatenation axis. Received: input_shape={shapes} "
                          f"(layer '{self.name}', axis={self.axis})")

    def _check(self, input_shape):
        if (not isinstance(input_shape, (list, tuple)) or is_shape_tuple(input_shape)
                or not input_shape or not all(is_shape_tuple(s) for s in input_shape)):
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 "
                             f"input. Layer '{self.name}' received: input_shape={input_shape}")
        shapes = [tuple(s) for s in input_shape]
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise self._error(shapes)
        (rank,) = ranks
        if not -rank <= self.axis < rank:
            raise ValueError(f"Layer '{self.name}': concatenation axis={self.axis} is out of "
                             f"range for inputs of rank {rank}. Received: input_shape={shapes}")
        axis = self.axis % rank
        for i in range(rank):
            if i == axis:
                continue
            dims = {s[i] for s in shapes} - {None}
            if len(dims) > 1:
                raise self._error(shapes)
        return shapes, axis

    def build(self, input_shape):
        """Validates the input shapes (no weights); ValueError if they cannot be concatenated on
        ``axis``.
        """
        self._check(input_shape)

    def compute_output_shape(self, input_shape):
        """Shape of the inputs with the ``axis`` dimensions summed (None if any is None).
        Raises ValueError if ranks or the non-axis dimensions differ.
        """
        shapes, axis = self._check(input_shape)
        out = []
        for i in range(len(shapes[0])):
            dims = [s[i] for s in shapes]
            if i == axis:
                out.append(None if any(d is None for d in dims) else sum(dims))
            else:
                known = [d for d in dims if d is not None]
                out.append(known[0] if known else None)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        """Keras 3 ``Concatenate.compute_mask``: the masks (all-True for unmasked inputs,
        broadcast over a missing last axis) concatenated along ``axis``, then ``any`` over the
        last axis. None if no input is masked."""
        from pyfapi.layers.merging.base_merge import _mask_list
        masks = _mask_list(self, inputs, mask)
        if masks is None:
            return None
        if any(isinstance(m, KerasTensor) for m in masks) or any(
                isinstance(x, KerasTensor) for x in inputs):
            shape = tuple(self.compute_output_shape([tuple(x.shape) for x in inputs]))
            return KerasTensor(shape[:-1], dtype="bool")
        full = []
        for x, m in zip(inputs, masks):
            shape = tuple(x.shape)
            if m is None:
                full.append(np.ones(shape, bool))
                continue
            m = np.asarray(getattr(m, "value", m)).astype(bool)
            if m.ndim < len(shape):
                m = np.broadcast_to(m[..., None], shape)
            full.append(m)
        return ops.convert_to_tensor(np.any(np.concatenate(full, axis=self.axis), axis=-1))

    def call(self, inputs, training=None):
        """Concatenates a list of tensors along ``axis``; ValueError if ``inputs`` is not a
        list/tuple or the shapes are incompatible.
        """
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A `Concatenate` layer should be called on a list of inputs. "
                             f"Layer '{self.name}' received: inputs={inputs!r}")
        self._check([tuple(x.shape) for x in inputs])
        return ops.concatenate(list(inputs), axis=self.axis)

    def get_config(self):
        """Layer config plus ``axis``."""
        config = super().get_config()
        config["axis"] = self.axis
        return config


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to :class:`Concatenate`: ``Concatenate(axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
