"""Reshape (Keras 3: keras/src/layers/reshaping/reshape.py)."""
from __future__ import annotations

import math
from pyfapi import ops
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape

__all__ = ['Reshape']


class Reshape(Layer):
    """Reshapes every axis but the batch to ``target_shape`` (one entry may be -1). No weights.

    Input ``(batch, ...)``, output ``(batch, *target_shape)``.

    Args:
        target_shape: tuple of ints (one may be -1).

    Raises:
        ValueError: target_shape not a tuple of positive ints / more than one -1; the number of
            elements of the input and of target_shape differ (at build time when known).
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError("Reshape: `target_shape` must be a tuple of integers. "
                             f"Received: target_shape={target_shape!r}") from None
        if sum(d == -1 for d in target) > 1 or any(d < -1 or d == 0 for d in target):
            raise ValueError("Reshape: `target_shape` must contain positive integers and at most "
                             f"one -1. Received: target_shape={target_shape!r}")
        self.target_shape = target
        self.built = True

    def _resolve(self, input_shape):
        """Target shape with -1 replaced, or None entries when the size is unknown."""
        rest = as_shape(input_shape)[1:]
        target = self.target_shape
        known = math.prod(d for d in target if d != -1)
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in target)
        total = math.prod(rest)
        if -1 in target:
            if known == 0 or total % known:
                self._size_error(input_shape)
            return tuple(total // known if d == -1 else d for d in target)
        if total != known:
            self._size_error(input_shape)
        return target

    def _size_error(self, input_shape):
        raise ValueError(f"Layer '{self.name}': the total size of the new array must be "
                         f"unchanged, input_shape = {list(as_shape(input_shape)[1:])}, "
                         f"output_shape = {list(self.target_shape)}")

    def call(self, inputs, training=None):
        """Reshapes ``(batch, ...)`` to ``(batch,) + target_shape`` (a -1 entry is inferred)."""
        shape = tuple(inputs.shape)
        return ops.reshape(inputs, (shape[0],) + self._resolve(shape))

    def compute_output_shape(self, input_shape):
        """``(batch, ...)`` -> ``(batch,) + target_shape`` with -1 resolved when the input size is
        known. Raises ValueError if the total size would change.
        """
        shape = as_shape(input_shape)
        return (shape[0],) + self._resolve(shape)

    def get_config(self):
        """Layer config plus ``target_shape``."""
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config
