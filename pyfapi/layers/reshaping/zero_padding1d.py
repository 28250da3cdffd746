"""ZeroPadding1D (Keras 3: keras/src/layers/reshaping/zero_padding1d.py)."""
from __future__ import annotations

from pyfapi import ops
from pyfapi.layers.reshaping._spatial import _SpatialArgLayer, check_rank

__all__ = ["ZeroPadding1D"]


class ZeroPadding1D(_SpatialArgLayer):
    """Zeros before / after the steps axis: (batch, steps, features) -> (batch, steps + left +
    right, features). ``padding``: int or (left, right). No weights."""
    nd, arg = 1, "padding"

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)

    def call(self, inputs):
        """Zero-padded inputs."""
        return ops.pad(inputs, ((0, 0), self._pairs[0], (0, 0)))

    def compute_output_shape(self, input_shape):
        """(batch, steps + left + right, features)."""
        s = tuple(input_shape)
        check_rank(self, s, 3)
        (a, b), = self._pairs
        return (s[0], None if s[1] is None else s[1] + a + b, s[2])
