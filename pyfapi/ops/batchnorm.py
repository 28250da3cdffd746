"""Batch-normalization ops on the C++ kernels (:mod:`pyfapi.kernels.batchnorm`).

* ``batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3)``:
  ``keras.ops.batch_normalization`` (given statistics), differentiable w.r.t. x, mean, variance,
  offset and scale.
* ``batch_norm_train(x, scale=None, offset=None, epsilon=1e-3)`` -> ``(y, mean, variance)``: the
  fused training step of ``BatchNormalization`` over all axes but the last, with the batch mean
  and the biased batch variance (differentiable through the statistics, Ioffe & Szegedy 2015).

Dtype policy: computed in float32 by the kernels (other dtypes converted once there); outputs and
gradients take the float dtype of the inputs (float64 if any float input is float64).
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels.batchnorm import (batch_norm_inference, batch_norm_inference_backward,
                                      batch_norm_train as _bn_train, batch_norm_train_backward)

__all__ = ["batch_normalization", "batch_norm_train"]


def _out_dtype(arrays):
    return np.dtype(np.float64) if any(a.dtype == np.float64 for a in arrays) else np.dtype(np.float32)


def _cast(g, like):
    return g.astype(like.dtype, copy=False) if like.dtype.kind == "f" else g


@register
class BatchNormalization(Op):
    """``y = scale * (x - mean) / sqrt(variance + epsilon) + offset`` along ``axis`` (given
    statistics). Positional inputs: x, mean, variance, then offset if ``has_offset``, then scale
    if ``has_scale``."""
    name = "batch_normalization"

    @staticmethod
    def forward(ctx, x, mean, variance, *rest, axis=-1, epsilon=1e-3, has_offset=False,
                has_scale=False):
        """Returns ``scale * (x - mean) / sqrt(variance + epsilon) + offset`` along ``axis``, x's
        shape. ValueError if x is 0-d or ``axis`` is out of range.
        """
        rest = list(rest)
        offset = rest.pop(0) if has_offset else None
        scale = rest.pop(0) if has_scale else None
        ctx.inputs = [x, mean, variance, *([offset] if has_offset else []), *([scale] if has_scale else [])]
        if x.ndim < 1:
            raise ValueError(f"batch_normalization: x must have rank >= 1, got shape {x.shape}")
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"batch_normalization: axis {axis} is out of range for x of shape {x.shape}")
        axis = axis % x.ndim
        last = axis == x.ndim - 1
        xl = x if last else np.moveaxis(x, axis, -1)  # converted to C order once in the kernel face
        c = x.shape[axis]
        # Keras also accepts statistics broadcastable along the axis, e.g. (1, 1, C): use them flat.
        mean, variance, offset, scale = (
            a.reshape(c) if a is not None and a.ndim > 1 and a.size == c else a
            for a in (mean, variance, offset, scale))
        y = batch_norm_inference(xl, mean, variance, scale, offset, epsilon)
        ctx.save(xl, mean, variance, scale)
        ctx.axis, ctx.last, ctx.epsilon = axis, last, epsilon
        ctx.has_offset, ctx.has_scale = has_offset, has_scale
        y = y if last else np.moveaxis(y, -1, axis)
        return y.astype(_out_dtype(ctx.inputs), copy=False)

    @staticmethod
    def backward(ctx, g):
        """Returns gradients for x, mean, variance (and offset, scale when given), each in its
        input's shape and dtype.
        """
        xl, mean, variance, scale = ctx.saved
        gl = g if ctx.last else np.moveaxis(g, ctx.axis, -1)
        dx, dmean, dvar, dscale, doffset = batch_norm_inference_backward(gl, xl, mean, variance, scale,
                                                                         ctx.epsilon)
        if not ctx.last:
            dx = np.moveaxis(dx, -1, ctx.axis)
        grads = [dx, dmean, dvar]
        if ctx.has_offset:
            grads.append(doffset)
        if ctx.has_scale:
            grads.append(dscale)
        return tuple(_cast(gr.reshape(a.shape), a) for gr, a in zip(grads, ctx.inputs))


@register
class BatchNormTrain(Op):
    """Training batch norm over all axes but the last: outputs ``(y, mean, variance)`` (biased
    batch variance). Positional inputs: x, then scale if ``has_scale``, offset if ``has_offset``."""
    name = "batch_norm_train"

    @staticmethod
    def forward(ctx, x, *rest, epsilon=1e-3, has_scale=False, has_offset=False):
        """x ``(..., C)`` -> ``(y, mean (C,), variance (C,))``, statistics over all axes but the
        last.
        """
        rest = list(rest)
        scale = rest.pop(0) if has_scale else None
        offset = rest.pop(0) if has_offset else None
        y, mean, var, inv = _bn_train(x, scale, offset, epsilon)
        ctx.save(x, mean, inv, scale)
        ctx.inputs = [x, *([scale] if has_scale else []), *([offset] if has_offset else [])]
        ctx.has_scale, ctx.has_offset = has_scale, has_offset
        dt = _out_dtype(ctx.inputs)
        return y.astype(dt, copy=False), mean.astype(dt, copy=False), var.astype(dt, copy=False)

    @staticmethod
    def backward(ctx, g_y, g_mean, g_var):
        """Returns gradients for x (including the paths through mean and variance) and scale/offset.
        """
        x, mean, inv, scale = ctx.saved
        dx, dscale, doffset = batch_norm_train_backward(g_y, x, mean, inv, scale)
        if np.any(g_mean) or np.any(g_var):
            # d mean / dx = 1 / M; d var / dx = 2 (x - mean) / M (biased variance)
            m = x.size // max(x.shape[-1], 1)
            extra = (np.asarray(g_mean, np.float64) / m
                     + np.asarray(g_var, np.float64) * 2.0 * (np.asarray(x, np.float64) - mean) / m)
            dx = (dx + extra).astype(np.float32)
        grads = [dx]
        if ctx.has_scale:
            grads.append(dscale)
        if ctx.has_offset:
            grads.append(doffset)
        return tuple(_cast(gr, a) for gr, a in zip(grads, ctx.inputs))


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalize ``x`` with given statistics along ``axis`` (``keras.ops.batch_normalization``).

    ``y = scale * (x - mean) / sqrt(variance + epsilon) + offset``; mean, variance, offset and
    scale are vectors of length ``x.shape[axis]`` (offset / scale None: 0 / 1).

    Returns:
        A Tensor shaped like ``x``. Differentiable w.r.t. every array argument.

    Raises:
        ValueError: axis out of range, vectors of the wrong length (names the shapes), rank 0.
        TypeError: non-numeric input.
    """
    args = [x, mean, variance]
    if offset is not None:
        args.append(offset)
    if scale is not None:
        args.append(scale)
    return apply(BatchNormalization, *args, axis=int(axis), epsilon=float(epsilon),
                 has_offset=offset is not None, has_scale=scale is not None)


def batch_norm_train(x, scale=None, offset=None, epsilon=1e-3):
    """Training-mode batch normalization over all axes but the last (channels_last).

    Returns:
        ``(y, mean, variance)`` Tensors: y like x; the batch mean and biased batch variance, each
        (channels,). Gradients flow through the statistics (standard batch-norm backward).

    Raises:
        ValueError: empty batch, rank 0, (channels,) mismatches. TypeError: non-numeric input.
    """
    args = [x]
    if scale is not None:
        args.append(scale)
    if offset is not None:
        args.append(offset)
    return apply(BatchNormTrain, *args, epsilon=float(epsilon), has_scale=scale is not None,
                 has_offset=offset is not None)
