"""RepeatVector (Keras 3: keras/src/layers/reshaping/repeat_vector.py)."""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import check_rank

__all__ = ["RepeatVector"]


class RepeatVector(Layer):
    """Repeats a ``(batch, features)`` input ``n`` times: output ``(batch, n, features)``.

    Args:
        n: positive int, the number of repetitions.

    Raises:
        TypeError: n not an int. ValueError: input rank != 2 (names the layer and shape).
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"Expected an integer value for `n`, got {type(n).__name__}.")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        """``(batch, features)`` -> ``(batch, n, features)``."""
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        """``(batch, features)`` -> ``(batch, n, features)``."""
        shape = check_rank(self, input_shape, ndim=2)
        return (shape[0], self.n, shape[1])

    def get_config(self):
        """Layer config plus n."""
        config = super().get_config()
        config["n"] = self.n
        return config
