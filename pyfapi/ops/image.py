"""pyfapi.ops.image: Keras 3's ``keras.ops.image`` functions on channels_last images (a single
image ``(H, W, C)`` or a batch ``(N, H, W, C)``), computed by the C++ kernels of csrc/image
(:mod:`pyfapi.kernels.image`) or by numpy indexing. They return numpy float32 arrays (integer
images are converted) and are NOT differentiable (preprocessing / augmentation ops).

Raises: ValueError naming the function for a wrong rank, size or argument.
"""
from __future__ import annotations

import numpy as np

from pyfapi.kernels import image as _k

__all__ = ["affine_transform", "crop_images", "extract_patches", "pad_images", "resize"]


def _value(x):
    v = getattr(x, "value", None)
    if isinstance(v, np.ndarray):
        return v
    f = getattr(x, "numpy", None)
    return np.asarray(f() if callable(f) else x)


def _batched(images, op):
    x = _value(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: invalid images rank: expected rank 3 (single image) or rank 4 "
                         f"(batch of images). Received input with shape: images.shape={x.shape}")
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{op}: expected numeric images, received dtype {x.dtype}")
    return (x[None], True) if x.ndim == 3 else (x, False)


def _channels_last(data_format, op):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{op}: only data_format='channels_last' is supported, received "
                         f"{data_format!r}")


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to ``size = (height, width)`` (Keras 3 ``ops.image.resize``).

    ``interpolation``: "bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5" (JAX /
    Keras semantics, see :mod:`pyfapi.kernels.image`). ``crop_to_aspect_ratio`` first takes the
    largest centred crop of the target aspect ratio; ``pad_to_aspect_ratio`` pads with
    ``fill_value`` instead (Keras's integer rounding of the crop / pad box).
    """
    op = "resize"
    _channels_last(data_format, op)
    if len(tuple(size)) != 2:
        raise ValueError(f"{op}: argument `size` must be a tuple of two elements (height, width). "
                         f"Received: size={size}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{op}: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can "
                         f"be `True`.")
    if fill_mode != "constant":
        raise ValueError(f"{op}: invalid value for argument `fill_mode`. Only `'constant'` is "
                         f"supported. Received: fill_mode={fill_mode}")
    th, tw = (int(s) for s in size)
    x, squeeze = _batched(images, op)
    h, w = x.shape[1], x.shape[2]
    if crop_to_aspect_ratio:
        ch = max(min(h, int(float(w * th) / tw)), 1)
        cw = max(min(w, int(float(h * tw) / th)), 1)
        hs, ws = int(float(h - ch) / 2), int(float(w - cw) / 2)
        x = x[:, hs:hs + ch, ws:ws + cw, :]
    elif pad_to_aspect_ratio:
        ph = max(h, int(float(w * th) / tw))
        pw = max(w, int(float(h * tw) / th))
        hs, ws = int(float(ph - h) / 2), int(float(pw - w) / 2)
        if hs > 0:
            x = np.pad(x.astype(np.float32), ((0, 0), (hs, hs), (0, 0), (0, 0)),
                       constant_values=fill_value)
        elif ws > 0:
            x = np.pad(x.astype(np.float32), ((0, 0), (0, 0), (ws, ws), (0, 0)),
                       constant_values=fill_value)
    out = _k.resize(x, th, tw, interpolation, antialias)
    return out[0] if squeeze else out


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Apply projective transforms ``[a0, a1, a2, b0, b1, b2, c0, c1]`` (one, or one per image):
    the output pixel ``(x, y)`` samples the input at ``((a0 x + a1 y + a2) / k,
    (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1`` (Keras 3 ``ops.image.affine_transform``;
    Keras's JAX backend equals this for affine transforms, ``c0 = c1 = 0``).

    ``interpolation``: "nearest" or "bilinear"; ``fill_mode``: "constant", "nearest", "wrap",
    "mirror", "reflect" (jax.scipy.ndimage.map_coordinates semantics).
    """
    op = "affine_transform"
    _channels_last(data_format, op)
    orders = {"nearest": 0, "bilinear": 1}
    if interpolation not in orders:
        raise ValueError(f"{op}: invalid value for argument `interpolation`. Expected of one "
                         f"{set(orders)}. Received: interpolation={interpolation}")
    t = _value(transform)
    if t.ndim not in (1, 2):
        raise ValueError(f"{op}: invalid transform rank: expected rank 1 (single transform) or "
                         f"rank 2 (batch of transforms). Received input with shape: "
                         f"transform.shape={t.shape}")
    x, squeeze = _batched(images, op)
    out = _k.affine_transform(x, t, orders[interpolation], fill_mode, fill_value)
    return out[0] if squeeze else out


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Patches of ``size`` (int or (h, w)) as ``(N, rows, cols, h * w * C)`` (Keras 3 order:
    within a patch, row-major over (ph, pw) then channels). ``strides`` default ``size``;
    ``padding`` "valid" or "same" (TensorFlow rule, zeros)."""
    op = "extract_patches"
    _channels_last(data_format, op)
    ph, pw = (size, size) if isinstance(size, int) else tuple(size)
    sh, sw = (ph, pw) if strides is None else ((strides, strides) if isinstance(strides, int)
                                               else tuple(strides))
    dh, dw = (dilation_rate, dilation_rate) if isinstance(dilation_rate, int) \
        else tuple(dilation_rate)
    if min(ph, pw, sh, sw, dh, dw) < 1:
        raise ValueError(f"{op}: size, strides and dilation_rate must be >= 1, received "
                         f"size={size}, strides={strides}, dilation_rate={dilation_rate}")
    if padding not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', received {padding!r}")
    x, squeeze = _batched(images, op)
    x = x.astype(np.float32)
    n, h, w, c = x.shape
    eh, ew = (ph - 1) * dh + 1, (pw - 1) * dw + 1
    if padding == "same":
        oh, ow = -(-h // sh), -(-w // sw)
        pad_h = max((oh - 1) * sh + eh - h, 0)
        pad_w = max((ow - 1) * sw + ew - w, 0)
        x = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2),
                       (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    else:
        oh, ow = (h - eh) // sh + 1, (w - ew) // sw + 1
        if oh < 1 or ow < 1:
            raise ValueError(f"{op}: patches of size {(ph, pw)} (dilated {(eh, ew)}) do not fit "
                             f"images of shape {(h, w)} with padding='valid'")
    rows = (np.arange(oh) * sh)[:, None] + (np.arange(ph) * dh)[None, :]   # (oh, ph)
    cols = (np.arange(ow) * sw)[:, None] + (np.arange(pw) * dw)[None, :]   # (ow, pw)
    p = x[:, rows[:, None, :, None], cols[None, :, None, :], :]  # (n, oh, ow, ph, pw, c)
    out = np.ascontiguousarray(p.reshape(n, oh, ow, ph * pw * c))
    return out[0] if squeeze else out


def _box_args(op, a, b, target, total, names):
    if a is None and b is None and target is None:
        raise ValueError(f"{op}: give {names[0]}/{names[1]} or a target size")
    if a is None:
        a = total - b - target if b is not None and target is not None else 0
    if b is None:
        b = total - a - target if target is not None else 0
    return int(a), int(b)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crop ``top/left/bottom/right`` pixels, or to ``target_height`` / ``target_width`` from the
    top-left offsets (Keras 3 ``ops.image.crop_images``)."""
    op = "crop_images"
    _channels_last(data_format, op)
    x, squeeze = _batched(images, op)
    h, w = x.shape[1], x.shape[2]
    top = top_cropping or 0
    left = left_cropping or 0
    if target_height is None:
        target_height = h - top - (bottom_cropping or 0)
    elif bottom_cropping is not None and top_cropping is None:
        top = h - bottom_cropping - target_height
    if target_width is None:
        target_width = w - left - (right_cropping or 0)
    elif right_cropping is not None and left_cropping is None:
        left = w - right_cropping - target_width
    if min(top, left) < 0 or target_height < 1 or target_width < 1 or \
            top + target_height > h or left + target_width > w:
        raise ValueError(f"{op}: the crop (top={top}, left={left}, height={target_height}, "
                         f"width={target_width}) does not fit images of size {(h, w)}")
    out = x[:, top:top + target_height, left:left + target_width, :].astype(np.float32)
    return out[0] if squeeze else out


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pad ``top/left/bottom/right`` pixels, or up to ``target_height`` / ``target_width``
    (Keras 3 ``ops.image.pad_images``)."""
    op = "pad_images"
    _channels_last(data_format, op)
    x, squeeze = _batched(images, op)
    h, w = x.shape[1], x.shape[2]
    top = top_padding or 0
    left = left_padding or 0
    if target_height is None:
        bottom = bottom_padding or 0
    else:
        if bottom_padding is not None and top_padding is None:
            top = target_height - h - bottom_padding
        bottom = target_height - h - top
    if target_width is None:
        right = right_padding or 0
    else:
        if right_padding is not None and left_padding is None:
            left = target_width - w - right_padding
        right = target_width - w - left
    if min(top, left, bottom, right) < 0:
        raise ValueError(f"{op}: the padding (top={top}, bottom={bottom}, left={left}, "
                         f"right={right}) is negative for images of size {(h, w)}")
    out = np.pad(x.astype(np.float32), ((0, 0), (top, bottom), (left, right), (0, 0)))
    return out[0] if squeeze else out
