"""CategoryEncoding (Keras 3: keras/src/layers/preprocessing/category_encoding.py)."""
from __future__ import annotations

import numpy as np

from pyfapi.graph.keras_tensor import KerasTensor
from pyfapi.layers.preprocessing.base_preprocessing import PreprocessingLayer, to_numpy
from pyfapi.layers.preprocessing.encoding_utils import encode_categorical

__all__ = ["CategoryEncoding"]


class CategoryEncoding(PreprocessingLayer):
    """Encode integer ids in ``[0, num_tokens)`` as one-hot, multi-hot or count vectors (float32).

    Shapes (as Keras): ``one_hot``: a trailing axis of 1 becomes ``num_tokens`` (else one is
    appended); ``multi_hot`` / ``count``: ``(batch, n) -> (batch, num_tokens)``, a rank-1 input is
    one sample ``(n,) -> (num_tokens,)``. ``count_weights`` (same shape as the input, count mode
    only) weights each occurrence.

    Args:
        num_tokens: number of categories (>= 1). output_mode: "multi_hot" (default, alias
        "binary"), "one_hot" or "count". sparse: must be False.

    Raises:
        ValueError: num_tokens None or < 1, unknown output_mode, ids outside ``[0, num_tokens)``
            (Keras's JAX backend silently drops them; pyfapi refuses), non-integer input,
            count_weights outside count mode.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise self._err(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise self._err("num_tokens must be set to use this layer. If the number of tokens is "
                            "not known beforehand, use the IntegerLookup layer instead.")
        if num_tokens < 1:
            raise self._err(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise self._err("`sparse=True` is not supported (pyfapi has no sparse tensors).")
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = False
        self.built = True

    def call(self, inputs, count_weights=None):
        """The float32 encoding of ``inputs`` (see the class docstring for shapes)."""
        x = to_numpy(inputs)
        if x.dtype.kind == "f":
            if x.size and not np.all(np.floor(x) == x):
                raise self._err("expected integer ids, received non-integer floats")
            x = x.astype(np.int64)
        elif x.dtype.kind not in "iu":
            raise self._err(f"expected integer ids, received dtype {x.dtype}")
        if x.size and (x.min() < 0 or x.max() >= self.num_tokens):
            raise self._err(f"input values must be in the range 0 <= values < num_tokens with "
                            f"num_tokens={self.num_tokens}; received values in "
                            f"[{x.min()}, {x.max()}]")
        if count_weights is not None:
            if self.output_mode != "count":
                raise self._err("`count_weights` is not used when `output_mode` is not "
                                f"`'count'`. Received `count_weights={count_weights}`.")
            count_weights = np.asarray(to_numpy(count_weights), dtype=np.float32)
            if count_weights.shape != x.shape:
                raise self._err(f"count_weights of shape {count_weights.shape} must match the "
                                f"input shape {x.shape}")
        return encode_categorical(x, self.output_mode, self.num_tokens, dtype=self.dtype,
                                  count_weights=count_weights)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            if input_shape[-1] != 1 or len(input_shape) == 1:
                return input_shape + (self.num_tokens,)
            return input_shape[:-1] + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def compute_output_spec(self, inputs, count_weights=None):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.dtype)

    def get_config(self):
        """Keras keys: num_tokens, output_mode (+ name, trainable, dtype)."""
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode})
        return config
