"""RandomContrast (Keras 3: keras/src/layers/preprocessing/image_preprocessing/random_contrast.py)."""
from __future__ import annotations

import numpy as np

from pyfapi.layers.preprocessing.base_image import BaseImageLayer, parse_factor

__all__ = ["RandomContrast"]


class RandomContrast(BaseImageLayer):
    """Scale each image's deviation from its per-channel mean by a random factor (training
    only): ``(x - mean) * c + mean`` clipped to ``value_range``, c ~ U(1 - lower, 1 + upper)
    with Keras's factor rule (a number f in [0, 1] -> (0, f)).

    Raises:
        ValueError: factor outside [0, 1]; images not of rank 3 or 4.
    """

    _augmentation = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = parse_factor(self, factor, bounds=(0.0, 1.0))
        self.value_range = tuple(value_range)

    def adjust(self, images, factors):
        mean = images.mean(axis=(1, 2), keepdims=True, dtype=np.float32)
        f = np.asarray(factors, np.float32).reshape(-1, 1, 1, 1)
        out = (images - mean) * f + mean
        return np.clip(out, self.value_range[0], self.value_range[1]).astype(np.float32)

    def transform(self, images, rng):
        f = rng.uniform(1.0 - self.factor[0], 1.0 + self.factor[1], images.shape[0])
        return self.adjust(images, f)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": list(self.factor), "value_range": list(self.value_range),
                       "seed": self.seed})
        return config
