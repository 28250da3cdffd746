"""RandomFlip (Keras 3: keras/src/layers/preprocessing/image_preprocessing/random_flip.py)."""
from __future__ import annotations

import numpy as np

from pyfapi.layers.preprocessing.base_image import BaseImageLayer

__all__ = ["RandomFlip"]


class RandomFlip(BaseImageLayer):
    """Flip each image with probability 1/2 (training only): ``mode`` "horizontal",
    "vertical" or "horizontal_and_vertical" (Keras: ONE draw per image flips both axes).

    Raises:
        ValueError: an unknown mode; images not of rank 3 or 4.
    """

    _augmentation = True

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise self._err(f"RandomFlip layer {self.name} received an unknown mode argument "
                            f"{mode}")
        self.mode = mode

    def flips(self, n, rng):
        """Boolean (N,) draws: ``uniform <= 0.5`` as Keras."""
        return rng.random(n) <= 0.5

    def transform(self, images, rng, flips=None):
        flips = self.flips(images.shape[0], rng) if flips is None else np.asarray(flips, bool)
        out = images.copy()
        f = flips[:, None, None, None]
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            out = np.where(f, out[:, :, ::-1, :], out)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            out = np.where(f, out[:, ::-1, :, :], out)
        return np.ascontiguousarray(out, dtype=np.float32)

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config
