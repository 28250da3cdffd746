"""UpSampling2D (Keras 3: keras/src/layers/reshaping/up_sampling2d.py)."""
from __future__ import annotations

import numpy as np

from pyfapi import ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.kernels.image import resize_taps
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import normalize_data_format, normalize_tuple
from pyfapi.layers.reshaping._spatial import check_rank

__all__ = ["UpSampling2D", "resample_matrix"]

# Keras 3's documented choices ("area" is an ops.image.resize method, not an UpSampling2D one)
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


def resample_matrix(n, scale, interpolation):
    """(n * scale, n) float32 matrix ``M`` with ``resize(x)[o] = sum_i M[o, i] x[i]`` along one
    axis, for ``ops.image.resize``'s ``interpolation`` without antialiasing (Keras's
    UpSampling2D; half-pixel centers, JAX's kernels: see :func:`pyfapi.kernels.image.resize_taps`).
    """
    out = n * scale
    m = np.zeros((out, n), np.float32)
    if n == 0 or out == 0:
        return m
    idx, w = resize_taps(n, out, interpolation, False)
    np.add.at(m, (np.repeat(np.arange(out), idx.shape[1]), idx.ravel()), w.ravel())
    return m


class UpSampling2D(Layer):
    """Upsamples rows and columns by ``size``: (batch, rows, cols, channels) -> (batch,
    rows * size[0], cols * size[1], channels).

    ``interpolation="nearest"`` repeats pixels; ``"bilinear"``, ``"bicubic"``, ``"lanczos3"`` and
    ``"lanczos5"`` resample as Keras's ``ops.image.resize`` (half-pixel centers, no
    antialiasing), written as two small matrix products along rows and columns, so the layer is
    differentiable. No weights.

    Raises:
        ValueError: input rank != 4, an unknown interpolation, channels_first.
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, self.name)
        self.size = normalize_tuple(size, 2, "size", self.name)
        interpolation = str(interpolation).lower()
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"{self.name}: `interpolation` must be one of {INTERPOLATIONS}. "
                             f"Received: interpolation={interpolation!r}")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        """The upsampled image batch."""
        sh, sw = self.size
        if self.interpolation == "nearest":
            return ops.repeat(ops.repeat(inputs, sh, axis=1), sw, axis=2)
        _, h, w, _ = inputs.shape
        mh = resample_matrix(h, sh, self.interpolation)
        mw = resample_matrix(w, sw, self.interpolation)
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
