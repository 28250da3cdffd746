"""RandomTranslation (Keras 3: keras/src/layers/preprocessing/image_preprocessing/random_translation.py)."""
from __future__ import annotations

from pyfapi.layers.preprocessing.image_utils import (
    _AffineAugmentation,
    _parse_fraction,
    _plain,
    translation_matrix,
)

__all__ = ["RandomTranslation"]


class RandomTranslation(_AffineAugmentation):
    """Shift each image by random fractions of its size (training only): ``height_factor`` /
    ``width_factor`` as for RandomZoom (a number f -> [-f, f]).

    Raises:
        ValueError: factors outside (-1, 1]; bad fill_mode / interpolation; wrong rank.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.width_factor = width_factor
        self.height_lower, self.height_upper = _parse_fraction(self, height_factor,
                                                               "height_factor")
        self.width_lower, self.width_upper = _parse_fraction(self, width_factor, "width_factor")
        self._init_fill(fill_mode, interpolation, fill_value)

    def random_transforms(self, shape, rng):
        n = shape[0]
        dy = rng.uniform(self.height_lower, self.height_upper, n) * shape[1]
        dx = rng.uniform(self.width_lower, self.width_upper, n) * shape[2]
        return translation_matrix(dx, dy)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": _plain(self.height_factor),
                       "width_factor": _plain(self.width_factor), "fill_mode": self.fill_mode,
                       "interpolation": self.interpolation, "seed": self.seed,
                       "fill_value": self.fill_value})
        return config
