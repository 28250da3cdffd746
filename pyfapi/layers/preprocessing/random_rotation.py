"""RandomRotation (Keras 3: keras/src/layers/preprocessing/image_preprocessing/random_rotation.py)."""
from __future__ import annotations

from pyfapi.layers.preprocessing.base_image import parse_factor
from pyfapi.layers.preprocessing.image_utils import _AffineAugmentation, rotation_matrix

__all__ = ["RandomRotation"]


class RandomRotation(_AffineAugmentation):
    """Rotate each image by a random angle ``U(lower, upper) * 360`` degrees (training only).

    Args:
        factor: float f (-> [-f, f]) or pair, fractions of a full turn in [-1, 1].
        fill_mode: "reflect" (default), "wrap", "constant", "nearest". interpolation:
        "bilinear" (default) or "nearest". seed, fill_value (constant mode), data_format.

    Raises:
        ValueError: bad factor / fill_mode / interpolation; images not of rank 3 or 4.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = parse_factor(self, factor)
        self._factor_arg = factor
        self._init_fill(fill_mode, interpolation, fill_value)

    def random_transforms(self, shape, rng):
        angles = rng.uniform(self.factor[0] * 360.0, self.factor[1] * 360.0, shape[0])
        return rotation_matrix(angles, shape[1], shape[2])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": list(self.factor), "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value, "interpolation": self.interpolation,
                       "seed": self.seed})
        return config
