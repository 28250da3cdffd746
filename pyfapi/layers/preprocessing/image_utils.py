"""Helpers shared by the image layers: Keras's transformation matrices (rotation about the
centre, zoom, translation; ``(N, 8)`` rows for :func:`pyfapi.ops.image.affine_transform`),
argument checks, and the base of the affine augmentation layers."""
from __future__ import annotations

import math

import numpy as np

from pyfapi.layers.preprocessing.base_image import BaseImageLayer
from pyfapi.ops import image as image_ops

__all__ = ["rotation_matrix", "translation_matrix", "zoom_matrix"]

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


def _check_fill(layer, fill_mode, interpolation):
    if fill_mode not in _FILL_MODES:
        raise layer._err(f"unknown `fill_mode` {fill_mode}. Expected of one {_FILL_MODES}.")
    if interpolation not in _INTERPOLATIONS:
        raise layer._err(f"unknown `interpolation` {interpolation}. Expected of one "
                         f"{_INTERPOLATIONS}.")


def _positive_int(layer, value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise layer._err(f"`{name}` must be a positive integer, received {name}={value!r}")
    return int(value)


class _AffineAugmentation(BaseImageLayer):
    _augmentation = True

    def _init_fill(self, fill_mode, interpolation, fill_value):
        _check_fill(self, fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def apply_transforms(self, images, transforms):
        """Warp with ``(N, 8)`` Keras transforms (fill mode and interpolation of the layer)."""
        return image_ops.affine_transform(images, transforms, interpolation=self.interpolation,
                                          fill_mode=self.fill_mode,
                                          fill_value=self.fill_value)

    def transform(self, images, rng):
        return self.apply_transforms(images, self.random_transforms(images.shape, rng))


def rotation_matrix(angles_deg, height, width):
    """Keras's ``_compute_affine_matrix`` for pure rotations about the centre: ``(N, 8)``."""
    angle = np.asarray(angles_deg, np.float64) * (math.pi / 180.0)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    cos, sin = np.cos(angle), np.sin(angle)
    a0, a1 = cos, -sin
    a2 = cx - cx * a0 - cy * a1
    b0, b1 = sin, cos
    b2 = cy - cx * b0 - cy * b1
    z = np.zeros_like(angle)
    return np.stack([a0, a1, a2, b0, b1, b2, z, z], axis=1).astype(np.float32)


def zoom_matrix(height_zoom, width_zoom, height, width):
    """Keras's ``_get_zoom_matrix``: ``(N, 8)`` (zoom factors are 1 + U(lower, upper))."""
    zy = np.asarray(height_zoom, np.float32).reshape(-1)
    zx = np.asarray(width_zoom, np.float32).reshape(-1)
    x_off = ((np.float32(width) - 1.0) / 2.0) * (1.0 - zx)
    y_off = ((np.float32(height) - 1.0) / 2.0) * (1.0 - zy)
    z = np.zeros_like(zx)
    return np.stack([zx, z, x_off, z, zy, y_off, z, z], axis=1).astype(np.float32)


def _parse_fraction(layer, factor, name):
    msg = (f"{type(layer).__name__} '{layer.name}': the `{name}` argument should be a number (or "
           f"a list of two numbers) in the range (-1.0, 1.0]. Received: {name}={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(msg)
        vals = [float(f) for f in factor]
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        vals = [-abs(float(factor)), abs(float(factor))]
    else:
        raise ValueError(msg)
    if any(v > 1.0 or v <= -1.0 for v in vals):
        raise ValueError(msg)
    return tuple(sorted(vals))


def translation_matrix(dx, dy):
    """Keras's ``_get_translation_matrix`` for pixel shifts ``(dx, dy)``: ``(N, 8)``."""
    dx = np.asarray(dx, np.float32).reshape(-1)
    dy = np.asarray(dy, np.float32).reshape(-1)
    o, z = np.ones_like(dx), np.zeros_like(dx)
    return np.stack([o, z, -dx, z, o, -dy, z, z], axis=1).astype(np.float32)


def _plain(v):
    return list(v) if isinstance(v, tuple) else v
