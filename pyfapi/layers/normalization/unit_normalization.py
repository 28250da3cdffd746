"""UnitNormalization (Keras 3: keras/src/layers/normalization/unit_normalization.py)."""
from __future__ import annotations

from pyfapi import ops
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape

__all__ = ["UnitNormalization"]


class UnitNormalization(Layer):
    """Scales each example to unit L2 norm along ``axis``:
    ``x / sqrt(max(sum(x^2, axis), 1e-12))``. No weights.

    Args:
        axis: int or list of ints (default -1).

    Raises:
        TypeError: axis not an int or a list/tuple of ints.
        ValueError: an axis out of range for the input.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a list/tuple "
                            f"of ints. Received: axis={axis}")
        self.supports_masking = True
        self.built = True

    def _axes(self, nd):
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        for a in axes:
            if not -nd <= a < nd:
                raise ValueError(f"Layer '{self.name}': axis {a} is out of range for an input "
                                 f"of rank {nd}")
        return tuple(axes)

    def call(self, inputs):
        """``inputs / sqrt(max(sum(inputs^2), 1e-12))`` along axis."""
        axes = self._axes(len(inputs.shape))
        ss = ops.sum(ops.square(inputs), axis=axes, keepdims=True)
        return ops.multiply(inputs, ops.divide(1.0, ops.sqrt(ops.maximum(ss, 1e-12))))

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        s = as_shape(input_shape)
        self._axes(len(s))
        return s

    def get_config(self):
        """Layer config plus axis."""
        config = super().get_config()
        config["axis"] = self.axis
        return config
