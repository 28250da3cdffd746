"""RandomCrop (Keras 3: keras/src/layers/preprocessing/image_preprocessing/random_crop.py)."""
from __future__ import annotations

import numpy as np

from pyfapi.layers.preprocessing.base_image import BaseImageLayer
from pyfapi.layers.preprocessing.image_utils import _positive_int
from pyfapi.ops import image as image_ops

__all__ = ["RandomCrop"]


class RandomCrop(BaseImageLayer):
    """Crop a random ``height x width`` window (one offset per batch, as Keras) in training;
    images not larger than the target are resized (bilinear) to it. Identity at inference (as
    Keras 3).

    Raises:
        ValueError: non-positive sizes; images not of rank 3 or 4.
    """

    _augmentation = True

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self.height = _positive_int(self, height, "height")
        self.width = _positive_int(self, width, "width")

    def transform(self, images, rng):
        h, w = images.shape[1], images.shape[2]
        if h > self.height and w > self.width:
            hs = int(rng.uniform(0, h - self.height + 1))
            ws = int(rng.uniform(0, w - self.width + 1))
            hs, ws = min(hs, h - self.height), min(ws, w - self.width)
        else:
            ch = max(min(h, int(float(w * self.height) / self.width)), 1)
            cw = max(min(w, int(float(h * self.width) / self.height)), 1)
            hs, ws = int(float(h - ch) / 2), int(float(w - cw) / 2)
        out = images[:, hs:hs + self.height, ws:ws + self.width, :]
        if out.shape[1] != self.height or out.shape[2] != self.width:
            out = image_ops.resize(out, (self.height, self.width))
        return np.ascontiguousarray(out)

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        s[-3], s[-2] = self.height, self.width
        return tuple(s)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config
