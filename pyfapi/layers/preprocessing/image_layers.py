"""Image preprocessing and augmentation layers (Keras 3
keras/src/layers/preprocessing/image_preprocessing/): Resizing, CenterCrop, RandomFlip,
RandomRotation, RandomZoom, RandomTranslation, RandomCrop, RandomContrast, RandomBrightness.

Resampling runs in C++ (csrc/image via :mod:`pyfapi.ops.image`). The geometric transformations
are Keras's (rotation about the image centre ``(W-1)/2, (H-1)/2``, zoom about the centre,
translation by a fraction of the size) applied with Keras's fill modes and interpolations.
"""
from __future__ import annotations

import math

import numpy as np

from pyfapi.ops import image as image_ops
from pyfapi.layers.preprocessing.base_image import BaseImageLayer, parse_factor

__all__ = ["Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
           "RandomTranslation", "RandomCrop", "RandomContrast", "RandomBrightness"]

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


class RandomFlip(BaseImageLayer):
    """Flip each image with probability 1/2 (training only): ``mode`` "horizontal",
    "vertical" or "horizontal_and_vertical" (Keras: ONE draw per image flips both axes).

    Raises:
        ValueError: an unknown mode; images not of rank 3 or 4.
    """

    _augmentation = True

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise self._err(f"RandomFlip layer {self.name} received an unknown mode argument "
                            f"{mode}")
        self.mode = mode

    def flips(self, n, rng):
        """Boolean (N,) draws: ``uniform <= 0.5`` as Keras."""
        return rng.random(n) <= 0.5

    def transform(self, images, rng, flips=None):
        flips = self.flips(images.shape[0], rng) if flips is None else np.asarray(flips, bool)
        out = images.copy()
        f = flips[:, None, None, None]
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            out = np.where(f, out[:, :, ::-1, :], out)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            out = np.where(f, out[:, ::-1, :, :], out)
        return np.ascontiguousarray(out, dtype=np.float32)

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config


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


def translation_matrix(dx, dy):
    """Keras's ``_get_translation_matrix`` for pixel shifts ``(dx, dy)``: ``(N, 8)``."""
    dx = np.asarray(dx, np.float32).reshape(-1)
    dy = np.asarray(dy, np.float32).reshape(-1)
    o, z = np.ones_like(dx), np.zeros_like(dx)
    return np.stack([o, z, -dx, z, o, -dy, z, z], axis=1).astype(np.float32)


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


class RandomContrast(BaseImageLayer):
    """Scale each image's deviation from its per-channel mean by a random factor (training
    only): ``(x - mean) * c + mean`` clipped to ``value_range``, c ~ U(1 - lower, 1 + upper)
    with Keras's factor rule (a number f in [0, 1] -> (0, f)).

    Raises:
        ValueError: factor outside [0, 1]; images not of rank 3 or 4.
    """

    _augmentation = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = parse_factor(self, factor, bounds=(0.0, 1.0))
        self.value_range = tuple(value_range)

    def adjust(self, images, factors):
        mean = images.mean(axis=(1, 2), keepdims=True, dtype=np.float32)
        f = np.asarray(factors, np.float32).reshape(-1, 1, 1, 1)
        out = (images - mean) * f + mean
        return np.clip(out, self.value_range[0], self.value_range[1]).astype(np.float32)

    def transform(self, images, rng):
        f = rng.uniform(1.0 - self.factor[0], 1.0 + self.factor[1], images.shape[0])
        return self.adjust(images, f)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": list(self.factor), "value_range": list(self.value_range),
                       "seed": self.seed})
        return config


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


def _plain(v):
    return list(v) if isinstance(v, tuple) else v
