"""CenterCrop (Keras 3: keras/src/layers/preprocessing/image_preprocessing/center_crop.py)."""
from __future__ import annotations

import numpy as np

from pyfapi.layers.preprocessing.base_image import BaseImageLayer
from pyfapi.layers.preprocessing.image_utils import _positive_int
from pyfapi.ops import image as image_ops

__all__ = ["CenterCrop"]


class CenterCrop(BaseImageLayer):
    """Crop the central ``height x width`` region (Keras: ``(H - height) // 2`` offsets); an image
    smaller than the target is first resized with Keras's ``smart_resize`` (largest centred crop
    of the target aspect ratio, bilinear resize). Applied in training and inference.

    Raises:
        ValueError: non-positive sizes, images not of rank 3 or 4.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = _positive_int(self, height, "height")
        self.width = _positive_int(self, width, "width")

    def transform(self, images, rng):
        h, w = images.shape[1], images.shape[2]
        dh, dw = h - self.height, w - self.width
        if dh >= 0 and dw >= 0:
            return np.ascontiguousarray(images[:, dh // 2:dh // 2 + self.height,
                                               dw // 2:dw // 2 + self.width, :])
        return image_ops.resize(images, (self.height, self.width), crop_to_aspect_ratio=True)

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        s[-3], s[-2] = self.height, self.width
        return tuple(s)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config
