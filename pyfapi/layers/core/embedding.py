"""Embedding (Keras 3: keras/src/layers/core/embedding.py)."""
from __future__ import annotations

import numpy as np
from pyfapi import initializers, ops
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.layers.layer_utils import (reject_unsupported,
                                       serialize_initializer,
                                       serialize_object, to_numpy)

__all__ = ['Embedding']


class Embedding(Layer):
    """Maps integer ids to dense vectors: ``output[..., :] = embeddings[ids[...]]``.

    Input ``(batch, ...)`` of integer ids in ``[0, input_dim)`` (other dtypes are cast to int32,
    as Keras); output ``(batch, ..., output_dim)`` float32.

    Weights: ``embeddings`` (input_dim, output_dim). Parameters: input_dim * output_dim.

    Args:
        input_dim: vocabulary size (max id + 1). output_dim: embedding size.
        embeddings_initializer: default "uniform" (RandomUniform(-0.05, 0.05)).
        mask_zero: id 0 is padding: the output carries the mask ``ids != 0`` (``compute_mask``),
            which downstream layers (RNNs, GlobalAveragePooling1D, losses) use to skip it.
        input_length: accepted with a deprecation warning, as Keras 3 (ignored).
        weights: optional list ``[embeddings]`` set after build (Keras 3 argument).

    Raises:
        ValueError: input_dim / output_dim not positive ints.
        IndexError: an id outside [0, input_dim); the message names the layer, the id and its
            position, and input_dim. Checked in Python before the lookup.
    """

    _check_built_last_axis = False  # the last axis holds ids (any sequence length), as Keras

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        reject_unsupported("Embedding", lora_rank=(lora_rank, None),
                           quantization_config=(quantization_config, None))
        if kwargs.pop("input_length", None) is not None:
            import warnings
            warnings.warn("Argument `input_length` is deprecated. Just remove it.",
                          UserWarning, stacklevel=2)
        super().__init__(**kwargs)
        for arg, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"Received an invalid value for `{arg}`, expected a positive "
                                 f"integer. Received: {arg}={v!r}")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = embeddings_regularizer
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self._initial_weights = weights

    def build(self, input_shape=None):
        """Creates ``embeddings`` (input_dim, output_dim) float32, then applies ``weights`` if
        given. The input shape is not used.
        """
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, inputs, training=None):
        """Gathers rows of ``embeddings``: int ids ``(batch, ...)`` -> float32 ``(batch, ...,
        output_dim)``. Non-integer ids are cast to int32. Raises IndexError for an id outside [0,
        input_dim) or a non-finite float id.
        """
        ids = to_numpy(inputs)
        if ids.dtype.kind not in "iu":
            if ids.dtype.kind == "f" and ids.size and not np.all(np.isfinite(ids)):
                raise IndexError(f"Layer '{self.name}': received non-finite ids")
            if ids.size and ids.dtype.kind == "f":
                lo, hi = ids.min(), ids.max()  # range-checked before the cast, which could wrap
                if lo < 0 or hi >= self.input_dim:
                    self._raise_out_of_range(ids, hi if hi >= self.input_dim else lo)
            ids = ids.astype(np.int32)
        if ids.size:
            lo, hi = ids.min(), ids.max()
            if lo < 0 or hi >= self.input_dim:
                self._raise_out_of_range(ids, hi if hi >= self.input_dim else lo)
        return ops.take(self.embeddings, ids, axis=0)

    def _raise_out_of_range(self, ids, bad):
        where = tuple(int(i) for i in np.argwhere(ids == bad)[0])
        value = int(bad) if float(bad).is_integer() else float(bad)
        raise IndexError(
            f"Layer '{self.name}' (Embedding): index {value} at position {where} of the input is "
            f"out of range for input_dim={self.input_dim}; valid ids are in "
            f"[0, {self.input_dim}).")

    def compute_mask(self, inputs, mask=None):
        """``inputs != 0`` (bool, the ids' shape) when mask_zero, else None (Keras 3)."""
        if not self.mask_zero:
            return None
        from pyfapi.graph.keras_tensor import KerasTensor
        if isinstance(inputs, KerasTensor):
            return KerasTensor(inputs.shape, dtype="bool")
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        """``(batch, ...)`` -> ``(batch, ..., output_dim)``."""
        return as_shape(input_shape) + (self.output_dim,)

    def get_config(self):
        """Layer config plus input_dim, output_dim, initializer, regularizer, constraint, mask_zero.
        """
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": serialize_initializer(self.embeddings_initializer),
            "embeddings_regularizer": serialize_object(self.embeddings_regularizer),
            "embeddings_constraint": serialize_object(self.embeddings_constraint),
            "mask_zero": self.mask_zero, "quantization_config": None,
            "activity_regularizer": serialize_object(self.activity_regularizer),
        })
        return config
