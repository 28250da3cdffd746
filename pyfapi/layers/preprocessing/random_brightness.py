"""RandomBrightness (Keras 3: keras/src/layers/preprocessing/image_preprocessing/random_brightness.py)."""
from __future__ import annotations

import numpy as np

from pyfapi.layers.preprocessing.base_image import BaseImageLayer, parse_factor

__all__ = ["RandomBrightness"]


class RandomBrightness(BaseImageLayer):
    """Add a random delta ``U(lower, upper) * (value_range[1] - value_range[0])`` to each image
    and clip to ``value_range`` (training only). factor: f in [-1, 1] -> [-|f|, |f|], or a pair.

    Raises:
        ValueError: bad factor / value_range; images not of rank 3 or 4.
    """

    _augmentation = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = parse_factor(self, factor)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise self._err(f"the `value_range` argument should be a list of two numbers. "
                            f"Received: value_range={value_range}")
        self.value_range = sorted(value_range)

    def adjust(self, images, deltas):
        d = np.asarray(deltas, np.float32).reshape(-1, 1, 1, 1)
        return np.clip(images + d, self.value_range[0], self.value_range[1]).astype(np.float32)

    def transform(self, images, rng):
        d = rng.uniform(self.factor[0], self.factor[1], images.shape[0])
        return self.adjust(images, d * (self.value_range[1] - self.value_range[0]))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": list(self.factor), "value_range": list(self.value_range),
                       "seed": self.seed})
        return config
