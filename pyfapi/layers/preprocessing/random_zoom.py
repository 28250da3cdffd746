"""RandomZoom (Keras 3: keras/src/layers/preprocessing/image_preprocessing/random_zoom.py)."""
from __future__ import annotations

from pyfapi.layers.preprocessing.image_utils import (
    _AffineAugmentation,
    _parse_fraction,
    _plain,
    zoom_matrix,
)

__all__ = ["RandomZoom"]


class RandomZoom(_AffineAugmentation):
    """Zoom each image by random factors (training only): height zoom ``1 + U(lower, upper)``
    (positive factors zoom OUT, as Keras), width zoom from ``width_factor`` or equal to the
    height zoom (aspect kept) when ``width_factor`` is None.

    Raises:
        ValueError: factors outside (-1, 1]; bad fill_mode / interpolation; wrong rank.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _parse_fraction(self, height_factor,
                                                               "height_factor")
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _parse_fraction(self, width_factor,
                                                                 "width_factor")
        self._init_fill(fill_mode, interpolation, fill_value)

    def random_transforms(self, shape, rng):
        n = shape[0]
        hz = rng.uniform(1.0 + self.height_lower, 1.0 + self.height_upper, n)
        wz = rng.uniform(1.0 + self.width_lower, 1.0 + self.width_upper, n) \
            if self.width_factor is not None else hz
        return zoom_matrix(hz, wz, shape[1], shape[2])

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": _plain(self.height_factor),
                       "width_factor": _plain(self.width_factor), "fill_mode": self.fill_mode,
                       "interpolation": self.interpolation, "seed": self.seed,
                       "fill_value": self.fill_value})
        return config
