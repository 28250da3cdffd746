"""UpSampling1D (Keras 3: keras/src/layers/reshaping/up_sampling1d.py)."""
from __future__ import annotations

from pyfapi import ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.reshaping._spatial import check_rank

__all__ = ["UpSampling1D"]


class UpSampling1D(Layer):
    """Repeats each time step ``size`` times: (batch, steps, features) -> (batch, steps * size,
    features). No weights.

    Raises:
        ValueError: input rank != 3.
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        if self.size < 1:
            raise ValueError(f"UpSampling1D: size must be >= 1, received {size!r}")
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def call(self, inputs):
        """Nearest-neighbour repeat along axis 1."""
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        """(batch, steps * size, features)."""
        s = tuple(input_shape)
        check_rank(self, s, 3)
        return (s[0], None if s[1] is None else s[1] * self.size, s[2])

    def get_config(self):
        """Layer config plus size."""
        config = super().get_config()
        config["size"] = self.size
        return config
