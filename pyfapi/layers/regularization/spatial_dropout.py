"""SpatialDropout1D / SpatialDropout2D (Keras 3: keras/src/layers/regularization/
spatial_dropout.py)."""
from __future__ import annotations

from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.regularization.dropout import Dropout

__all__ = ["SpatialDropout1D", "SpatialDropout2D"]


class SpatialDropout1D(Dropout):
    """Dropout of whole feature maps of (batch, steps, channels) inputs: one keep decision per
    (example, channel), shared along the steps (noise_shape (batch, 1, channels)).

    Raises:
        ValueError: rate outside [0, 1], input rank != 3.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate=rate, seed=seed, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs, training=None):
        """Dropout with noise_shape (batch, 1, channels) when training."""
        s = tuple(inputs.shape)
        self.noise_shape = (s[0], 1, s[2])
        return super().call(inputs, training=training)

    def get_config(self):
        """rate, seed, name, dtype: Keras 3's keys (its SpatialDropout takes no ``trainable``,
        so a config holding one would not load in Keras)."""
        config = super().get_config()
        config.pop("noise_shape", None)
        config.pop("trainable", None)
        return config


class SpatialDropout2D(Dropout):
    """Dropout of whole feature maps of (batch, rows, cols, channels) inputs (noise_shape
    (batch, 1, 1, channels)).

    Raises:
        ValueError: rate outside [0, 1], input rank != 4.
    """

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate=rate, seed=seed, **kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"SpatialDropout2D: only data_format='channels_last' is supported, "
                             f"received {data_format!r}")
        self.data_format = "channels_last"
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs, training=None):
        """Dropout with noise_shape (batch, 1, 1, channels) when training."""
        s = tuple(inputs.shape)
        self.noise_shape = (s[0], 1, 1, s[3])
        return super().call(inputs, training=training)

    def get_config(self):
        """rate, seed, name, dtype, data_format: Keras 3's keys (no ``trainable``)."""
        config = super().get_config()
        config.pop("noise_shape", None)
        config.pop("trainable", None)
        config["data_format"] = self.data_format
        return config
