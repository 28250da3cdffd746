"""Permute (Keras 3: keras/src/layers/reshaping/permute.py)."""
from __future__ import annotations

from pyfapi import ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer

__all__ = ["Permute"]


class Permute(Layer):
    """Permutes the non-batch axes: ``dims`` is a permutation of 1..rank-1 (1-indexed as Keras).
    No weights.

    Raises:
        ValueError: ``dims`` not a permutation of 1..len(dims).
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of "
                             f"indices in `dims` must be consecutive and start from 1. Received "
                             f"dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = True

    def call(self, inputs):
        """``transpose(inputs, (0, *dims))``."""
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        """Input shape permuted by dims."""
        s = tuple(input_shape)
        if len(s) != len(self.dims) + 1:
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: "
                             f"expected ndim={len(self.dims) + 1}, found ndim={len(s)}. Full "
                             f"shape received: {s}")
        return (s[0],) + tuple(s[d] for d in self.dims)

    def get_config(self):
        """Layer config plus dims."""
        config = super().get_config()
        config["dims"] = self.dims
        return config
