"""Shared base of the image preprocessing / augmentation layers (Keras 3
keras/src/layers/preprocessing/image_preprocessing/base_image_preprocessing_layer.py).

Images are channels_last, ``(H, W, C)`` or ``(N, H, W, C)``, any real dtype; outputs are float32
numpy arrays (not differentiable: augmentation sits at the input of a model). Augmentation
layers act only when ``training`` is true (``fit``, or ``layer(x, training=True)``) and are the
identity otherwise. Randomness: a layer built with ``seed`` owns a ``numpy.random.Generator``
seeded once, so a seeded layer repeats the same sequence of transformations from construction;
without ``seed`` it draws from pyfapi's global generator (``pyfapi.utils.set_random_seed``).
Keras's JAX random streams cannot be reproduced, only the transformation given its parameters.
"""
from __future__ import annotations

import numpy as np

from pyfapi.layers.preprocessing.base_preprocessing import PreprocessingLayer, to_numpy
from pyfapi.utils.random import make_rng

__all__ = ["BaseImageLayer", "parse_factor"]


def parse_factor(layer, factor, bounds=(-1.0, 1.0), name="factor"):
    """Keras's ``_set_factor``: a number f -> ``(max(-|f|, lo), |f|)``; a pair -> sorted pair,
    each within ``bounds``.

    Raises:
        ValueError: naming the layer and the received factor.
    """
    msg = (f"{type(layer).__name__} '{layer.name}': the `{name}` argument should be a number (or "
           f"a list of two numbers) in the range [{bounds[0]}, {bounds[1]}]. Received: "
           f"{name}={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(isinstance(f, (int, float)) for f in factor):
            raise ValueError(msg)
        if factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        lower, upper = sorted(float(f) for f in factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(msg)
        f = abs(float(factor))
        lower, upper = max(-f, bounds[0]), f
    else:
        raise ValueError(msg)
    return lower, upper


class BaseImageLayer(PreprocessingLayer):
    """Base of the image layers: rank / dtype checks, batching, seeded generator, config."""

    #: True for augmentation layers (identity unless training)
    _augmentation = False

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise self._err(f"only data_format='channels_last' is supported, received "
                            f"{data_format!r}")
        self.data_format = "channels_last"
        self.seed = seed
        self._rng = None if seed is None else make_rng(seed)
        self.built = True

    def _generator(self):
        return self._rng if self._rng is not None else make_rng(None)

    def _images(self, inputs):
        """``(batch float32 (N, H, W, C), was_single_image)``; ValueError for a wrong rank."""
        x = to_numpy(inputs)
        if x.ndim not in (3, 4):
            raise self._err(f"expected images of rank 3 (height, width, channels) or 4 (batch, "
                            f"height, width, channels), received input of shape {x.shape}")
        if x.dtype.kind not in "biuf":
            raise self._err(f"expected numeric images, received dtype {x.dtype}")
        x = x.astype(np.float32, copy=False)
        return (x[None], True) if x.ndim == 3 else (x, False)

    def _check_input(self, first):
        pass

    def call(self, inputs, training=True):
        """Transformed float32 images. Augmentation layers transform only when ``training``,
        which defaults to True as in Keras 3 (a direct call ``RandomFlip()(images)`` augments;
        ``predict`` / ``evaluate`` and ``training=False`` pass the images through)."""
        if self._augmentation and not training:
            x = to_numpy(inputs)
            if x.ndim not in (3, 4):
                raise self._err(f"expected images of rank 3 or 4, received input of shape "
                                f"{x.shape}")
            return x.astype(np.float32, copy=False) if x.dtype.kind in "biuf" else x
        x, single = self._images(inputs)
        out = self.transform(x, self._generator())
        return out[0] if single else out

    def transform(self, images, rng):
        """Transform a float32 batch ``(N, H, W, C)``; subclasses implement."""
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format})
        return config
