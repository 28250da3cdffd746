"""UpSampling2D (Keras 3: keras/src/layers/reshaping/up_sampling2d.py)."""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import normalize_data_format, normalize_tuple
from pyfapi.layers.reshaping._spatial import check_rank

__all__ = ["UpSampling2D", "bilinear_matrix"]


def bilinear_matrix(n, scale):
    """(n * scale, n) float32 matrix of bilinear interpolation weights with half-pixel centers
    (``jax.image.resize`` / ``tf.image.resize(method="bilinear")``): output i samples the input
    at ``(i + 0.5) / scale - 0.5``, clamped to [0, n - 1]."""
    m = np.zeros((n * scale, n), np.float32)
    if n == 0:
        return m
    src = (np.arange(n * scale) + 0.5) / scale - 0.5
    src = np.clip(src, 0, n - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    frac = (src - lo).astype(np.float32)
    m[np.arange(n * scale), lo] += 1 - frac
    m[np.arange(n * scale), hi] += frac
    return m


class UpSampling2D(Layer):
    """Upsamples rows and columns by ``size``: (batch, rows, cols, channels) -> (batch,
    rows * size[0], cols * size[1], channels). ``interpolation="nearest"`` repeats pixels;
    ``"bilinear"`` interpolates with half-pixel centers (as Keras's ``ops.image.resize``),
    written as two small matrix products (differentiable). No weights.

    Raises:
        ValueError: input rank != 4, an unknown interpolation, channels_first.
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, self.name)
        self.size = normalize_tuple(size, 2, "size", self.name)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError("`interpolation` argument should be one of: \"nearest\" or "
                             f"\"bilinear\" (pyfapi). Received: \"{interpolation}\".")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        """The upsampled image batch."""
        sh, sw = self.size
        if self.interpolation == "nearest":
            return ops.repeat(ops.repeat(inputs, sh, axis=1), sw, axis=2)
        _, h, w, _ = inputs.shape
        mh, mw = bilinear_matrix(h, sh), bilinear_matrix(w, sw)
        return ops.einsum("ih,nhwc,jw->nijc", mh, inputs, mw)

    def compute_output_shape(self, input_shape):
        """(batch, rows * size[0], cols * size[1], channels)."""
        s = tuple(input_shape)
        check_rank(self, s, 4)
        return (s[0], None if s[1] is None else s[1] * self.size[0],
                None if s[2] is None else s[2] * self.size[1], s[3])

    def get_config(self):
        """Layer config plus size, data_format, interpolation."""
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config
