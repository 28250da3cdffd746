"""ZeroPadding2D (Keras 3: keras/src/layers/reshaping/zero_padding2d.py)."""
from __future__ import annotations

from pyfapi import ops
from pyfapi.layers.reshaping._spatial import _SpatialArgLayer, check_rank

__all__ = ["ZeroPadding2D"]


class ZeroPadding2D(_SpatialArgLayer):
    """Zeros around rows and columns: ``padding`` int, (sym_rows, sym_cols) or ((top, bottom),
    (left, right)). (batch, rows, cols, channels) -> padded. No weights."""
    nd, arg = 2, "padding"

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)

    def call(self, inputs):
        """Zero-padded inputs."""
        return ops.pad(inputs, ((0, 0), self._pairs[0], self._pairs[1], (0, 0)))

    def compute_output_shape(self, input_shape):
        """(batch, rows + top + bottom, cols + left + right, channels)."""
        s = tuple(input_shape)
        check_rank(self, s, 4)
        out = [s[0]]
        for d, (a, b) in zip(s[1:3], self._pairs):
            out.append(None if d is None else d + a + b)
        return tuple(out) + (s[3],)
