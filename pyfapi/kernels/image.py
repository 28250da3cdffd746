"""Python face of the image resampling kernels (csrc/image): separable resize and affine warp.

Channels-last float32 ``(N, H, W, C)``; other dtypes / layouts are converted ONCE here
(``np.ascontiguousarray(x, np.float32)``). Validation happens here (ValueError naming the op).

Resize taps follow ``jax.image.scale_and_translate`` (what Keras 3 on JAX computes): sample
position ``(o + 0.5) / scale - 0.5`` (half-pixel centres), kernel ``linear`` (triangle),
``cubic`` (Keys, a = -0.5) or ``lanczos3/5``, weights renormalized to sum to 1 (which clamps at
the borders); with ``antialias`` the kernel is widened by ``1 / scale`` when downsampling.
``nearest`` takes input ``floor((o + 0.5) * in / out)`` (float32, as jax). ``area`` is
TensorFlow's ``resize_area``: each output pixel averages the input area it covers.
"""
from __future__ import annotations

import functools

import numpy as np

from pyfapi import _C

__all__ = ["FILL_MODES", "RESIZE_METHODS", "affine_transform", "resize", "resize_taps"]

FILL_MODES = {"constant": 0, "nearest": 1, "wrap": 2, "mirror": 3, "reflect": 4}
RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")


def _kernel(method):
    if method == "bilinear":
        return lambda x: np.maximum(0.0, 1.0 - np.abs(x)), 1.0
    if method == "bicubic":
        a = -0.5

        def cubic(x):
            x = np.abs(x)
            out = ((a + 2) * x - (a + 3)) * x * x + 1
            out = np.where(x >= 1.0, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, out)
            return np.where(x >= 2.0, 0.0, out)
        return cubic, 2.0
    if method in ("lanczos3", "lanczos5"):
        r = 3.0 if method == "lanczos3" else 5.0

        def lanczos(x):
            y = r * np.sin(np.pi * x) * np.sin(np.pi * x / r)
            with np.errstate(divide="ignore", invalid="ignore"):
                out = np.where(x > 1e-3, y / (np.pi ** 2 * x ** 2), 1.0)
            return np.where(np.abs(x) > r, 0.0, out)
        return lanczos, r
    raise ValueError(method)


@functools.lru_cache(maxsize=256)
def resize_taps(in_size: int, out_size: int, method: str, antialias: bool = False):
    """``(indices int32 (out, K), weights float32 (out, K))`` of one axis (zero-weight padding)."""
    if out_size == 0 or in_size == 0:
        return np.zeros((out_size, 1), np.int32), np.zeros((out_size, 1), np.float32)
    if method == "nearest":
        o = np.arange(out_size, dtype=np.float32)
        idx = np.floor((o + np.float32(0.5)) * np.float32(in_size) / np.float32(out_size))
        idx = np.minimum(idx.astype(np.int64), in_size - 1)
        return idx.astype(np.int32)[:, None], np.ones((out_size, 1), np.float32)
    if method == "area":
        scale = in_size / out_size
        lo = np.arange(out_size) * scale
        hi = lo + scale
        j = np.arange(in_size)
        overlap = np.clip(np.minimum(hi[:, None], j[None, :] + 1) -
                          np.maximum(lo[:, None], j[None, :]), 0, None)
        w = overlap / scale
    else:
        kernel, _ = _kernel(method)
        scale = out_size / in_size
        inv = 1.0 / scale
        kscale = max(inv, 1.0) if antialias else 1.0
        sample = (np.arange(out_size) + 0.5) * inv - 0.5
        x = np.abs(sample[:, None] - np.arange(in_size)[None, :]) / kscale
        w = kernel(x)
        tot = w.sum(axis=1, keepdims=True)
        w = np.where(np.abs(tot) > 1000.0 * np.finfo(np.float32).eps,
                     w / np.where(tot != 0, tot, 1), 0.0)
        inside = (sample >= -0.5) & (sample <= in_size - 0.5)
        w = np.where(inside[:, None], w, 0.0)
    nz = w != 0
    k = max(int(nz.sum(axis=1).max()), 1)
    idx = np.zeros((out_size, k), np.int32)
    wt = np.zeros((out_size, k), np.float32)
    for o in range(out_size):
        cols = np.nonzero(nz[o])[0]
        idx[o, :len(cols)] = cols
        wt[o, :len(cols)] = w[o, cols]
    return idx, wt


def _as_nhwc(x, op):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"{op}: expected images of rank 4 (batch, height, width, channels), "
                         f"received shape {x.shape}")
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{op}: expected numeric images, received dtype {x.dtype}")
    return np.ascontiguousarray(x, dtype=np.float32)


def resize(x, height: int, width: int, method: str = "bilinear", antialias: bool = False):
    """Resize ``(N, H, W, C)`` images to ``(N, height, width, C)`` float32.

    Raises:
        ValueError: rank != 4, non-numeric data, a size < 1, an unknown method.
    """
    op = "image.resize"
    if method not in RESIZE_METHODS:
        raise ValueError(f"{op}: unknown interpolation {method!r}; expected one of "
                         f"{list(RESIZE_METHODS)}")
    height, width = int(height), int(width)
    if height < 1 or width < 1:
        raise ValueError(f"{op}: the target size must be positive, received ({height}, {width})")
    x = _as_nhwc(x, op)
    n, h, w, c = x.shape
    if (h == 0 or w == 0) and n * c:
        raise ValueError(f"{op}: cannot resize empty images of shape {x.shape}")
    out = np.empty((n, height, width, c), np.float32)
    if out.size == 0:
        return out
    yi, wy = resize_taps(h, height, method, bool(antialias))
    xi, wx = resize_taps(w, width, method, bool(antialias))
    _C.image_resize(x, out, yi, wy, xi, wx)
    return out


def affine_transform(x, transforms, order: int = 1, fill_mode: str = "constant",
                     fill_value: float = 0.0):
    """Warp ``(N, H, W, C)`` images with ``(N, 8)`` transforms (see csrc/image/image.h).

    Raises:
        ValueError: bad rank / transform shape / fill mode.
    """
    op = "image.affine_transform"
    if fill_mode not in FILL_MODES:
        raise ValueError(f"{op}: unknown fill_mode {fill_mode!r}; expected one of "
                         f"{sorted(FILL_MODES)}")
    x = _as_nhwc(x, op)
    t = np.asarray(transforms, dtype=np.float32)
    if t.ndim == 1:
        t = t[None]
    if t.ndim != 2 or t.shape[1] != 8:
        raise ValueError(f"{op}: transforms must have shape (8,) or (batch, 8), received "
                         f"{t.shape}")
    if t.shape[0] == 1 and x.shape[0] != 1:
        t = np.repeat(t, x.shape[0], axis=0)
    if t.shape[0] != x.shape[0]:
        raise ValueError(f"{op}: {t.shape[0]} transforms for a batch of {x.shape[0]} images")
    t = np.ascontiguousarray(t)
    out = np.empty_like(x)
    if out.size == 0:
        return out
    _C.image_affine_transform(x, t, out, int(order), FILL_MODES[fill_mode], float(fill_value))
    return out
