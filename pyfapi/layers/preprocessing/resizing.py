"""Resizing (Keras 3: keras/src/layers/preprocessing/image_preprocessing/resizing.py)."""
from __future__ import annotations

from pyfapi.layers.preprocessing.base_image import BaseImageLayer
from pyfapi.layers.preprocessing.image_utils import _positive_int
from pyfapi.ops import image as image_ops

__all__ = ["Resizing"]


class Resizing(BaseImageLayer):
    """Resize images to ``(height, width)`` (float32 output).

    Args:
        height, width: target size (positive ints).
        interpolation: "bilinear" (default), "nearest", "bicubic", "area", "lanczos3",
            "lanczos5" (see :func:`pyfapi.ops.image.resize`).
        crop_to_aspect_ratio: resize the largest centred crop of the target aspect ratio.
        pad_to_aspect_ratio: pad (with ``fill_value``) to the target aspect ratio first.
        fill_mode: "constant" only. fill_value: padding value. antialias: widen the filter
            when downsampling. data_format: "channels_last" only.

    Raises:
        ValueError: bad sizes / interpolation, both crop and pad, images not of rank 3 or 4.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = _positive_int(self, height, "height")
        self.width = _positive_int(self, width, "width")
        from pyfapi.kernels.image import RESIZE_METHODS
        if interpolation not in RESIZE_METHODS:
            raise self._err(f"invalid value for argument `interpolation`. Expected one of "
                            f"{list(RESIZE_METHODS)}. Received: interpolation={interpolation}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise self._err("only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                            "`True`.")
        if fill_mode != "constant":
            raise self._err(f"only fill_mode='constant' is supported. Received: "
                            f"fill_mode={fill_mode}")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def transform(self, images, rng):
        return image_ops.resize(images, (self.height, self.width),
                                interpolation=self.interpolation, antialias=self.antialias,
                                crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                                pad_to_aspect_ratio=self.pad_to_aspect_ratio,
                                fill_value=self.fill_value)

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        if len(s) not in (3, 4):
            raise self._err(f"expected images of rank 3 or 4, received shape {tuple(s)}")
        s[-3], s[-2] = self.height, self.width
        return tuple(s)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                       "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
                       "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "antialias": self.antialias})
        return config
