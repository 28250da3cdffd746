"""Rescaling (Keras 3: keras/src/layers/preprocessing/rescaling.py)."""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.layers.preprocessing.base_preprocessing import PreprocessingLayer

__all__ = ["Rescaling"]


class Rescaling(PreprocessingLayer):
    """``inputs * scale + offset`` in float32 (e.g. ``scale=1/255`` maps [0, 255] to [0, 1];
    ``scale=1/127.5, offset=-1`` maps it to [-1, 1]). Differentiable; no weights.

    Args:
        scale: float, or a list/array broadcast against the last axis (per channel).
        offset: float or list/array, default 0.0.

    Output: float32 of the input's shape (integer / uint8 inputs are converted).

    Raises:
        ValueError: a non-numeric input, or scale/offset that do not broadcast against it.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True
        self._scale = np.asarray(scale, dtype=np.float32)
        self._offset = np.asarray(offset, dtype=np.float32)
        self.built = True

    def call(self, inputs):
        """``float32(inputs) * scale + offset``."""
        x = inputs
        if isinstance(x, np.ndarray) and x.dtype != np.float32:
            if x.dtype.kind not in "biuf":
                raise self._err(f"expected a numeric input, received dtype {x.dtype}")
            x = x.astype(np.float32)
        try:
            np.broadcast_shapes(tuple(x.shape), self._scale.shape, self._offset.shape)
        except ValueError:
            raise self._err(f"scale of shape {self._scale.shape} / offset of shape "
                            f"{self._offset.shape} do not broadcast against inputs of shape "
                            f"{tuple(x.shape)}") from None
        return ops.add(ops.multiply(x, self._scale), self._offset)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return tuple(input_shape)

    def get_config(self):
        """Keras keys: scale, offset (plain numbers / lists)."""
        config = super().get_config()
        config.update({"scale": _plain(self.scale), "offset": _plain(self.offset)})
        return config


def _plain(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _from_keras_value(v):
    """A Keras-serialized numpy array (``{"class_name": "__numpy__", ...}``) as a list."""
    if isinstance(v, dict) and v.get("class_name") == "__numpy__":
        return v.get("config", {}).get("value")
    return v


def _rescaling_from_config(cls, config):
    config = dict(config)
    for k in ("scale", "offset"):
        if k in config:
            config[k] = _from_keras_value(config[k])
    return cls(**config)


Rescaling.from_config = classmethod(_rescaling_from_config)
