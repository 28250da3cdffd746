"""Layer normalization op on the C++ kernels (:mod:`pyfapi.kernels.layernorm`).

``layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=1e-3)`` as
``keras.ops.layer_normalization``: statistics over ``axis`` (an int or a list of axes) per
example, biased variance, ``y = (x - mean) / sqrt(var + epsilon) * gamma + beta``; gamma / beta
have the shape of the normalized axes (``tuple(x.shape[a] for a in sorted(axis))``).
Differentiable w.r.t. x, gamma and beta (fused C++ backward).

Dtype policy: computed in float32 by the kernels; outputs and gradients take the float dtype of
the inputs (float64 if any float input is float64).
"""
from __future__ import annotations

import math

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels.layernorm import layer_norm_backward, layer_norm_forward

__all__ = ["layer_normalization"]


def _norm_axes(axis, ndim, op="layer_normalization"):
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    if not axes:
        raise ValueError(f"{op}: axis must name at least one axis, got {axis!r}")
    out = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{op}: axis entries must be ints, got {axis!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for an input of rank {ndim}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(out))


@register
class LayerNormalization(Op):
    """Layer norm over ``axes`` (normalized, sorted). Inputs: x, then gamma if ``has_gamma``,
    then beta if ``has_beta`` (each of the normalized axes' shape or of their total size)."""
    name = "layer_normalization"

    @staticmethod
    def forward(ctx, x, *rest, axis=-1, epsilon=1e-3, has_gamma=False, has_beta=False):
        """x -> y (x's shape). ValueError: bad axis, gamma / beta of the wrong size."""
        rest = list(rest)
        gamma = rest.pop(0) if has_gamma else None
        beta = rest.pop(0) if has_beta else None
        if x.ndim < 1:
            raise ValueError(f"layer_normalization: x must have rank >= 1, got shape {x.shape}")
        axes = _norm_axes(axis, x.ndim)
        n = len(axes)
        trailing = axes == tuple(range(x.ndim - n, x.ndim))
        perm = None
        xl = x
        if not trailing:
            perm = tuple(i for i in range(x.ndim) if i not in axes) + axes
            xl = np.transpose(x, perm)
        c = math.prod(x.shape[a] for a in axes)
        for name, v in (("gamma", gamma), ("beta", beta)):
            if v is not None and v.size != c:
                raise ValueError(f"layer_normalization: {name} has shape {v.shape}, expected "
                                 f"{tuple(x.shape[a] for a in axes)} (the normalized axes "
                                 f"{axes} of x with shape {x.shape})")
        x2 = xl if n == 1 else xl.reshape(xl.shape[:x.ndim - n] + (c,))
        y, mean, inv = layer_norm_forward(x2, gamma, beta, epsilon)
        if n != 1:
            y = y.reshape(xl.shape)
        if perm is not None:
            y = np.transpose(y, np.argsort(perm))
        ctx.save(x2, mean, inv, gamma)
        ctx.inputs = [x, *([gamma] if has_gamma else []), *([beta] if has_beta else [])]
        ctx.perm, ctx.xl_shape = perm, xl.shape
        ctx.has_gamma, ctx.has_beta = has_gamma, has_beta
        dt = np.float64 if any(a.dtype == np.float64 for a in ctx.inputs) else np.float32
        return y.astype(dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        """Gradients for x, gamma, beta (each in its input's shape and float dtype)."""
        x2, mean, inv, gamma = ctx.saved
        need = getattr(ctx, "needs_input_grad", None) or (True,) * len(ctx.inputs)
        gl = g if ctx.perm is None else np.transpose(g, ctx.perm)
        k = 1
        need_g = ctx.has_gamma and need[k]
        k += ctx.has_gamma
        need_b = ctx.has_beta and need[k]
        if gl.shape != x2.shape:
            gl = gl.reshape(x2.shape)
        dx, dg, db = layer_norm_backward(gl, x2, mean, inv, gamma,
                                         need_dx=need[0], need_dgamma=need_g, need_dbeta=need_b)
        if dx is not None:
            if dx.shape != ctx.xl_shape:
                dx = dx.reshape(ctx.xl_shape)
            if ctx.perm is not None:
                dx = np.transpose(dx, np.argsort(ctx.perm))
        grads = [dx]
        if ctx.has_gamma:
            grads.append(dg)
        if ctx.has_beta:
            grads.append(db)
        out = []
        for gr, a in zip(grads, ctx.inputs):
            if gr is None:
                out.append(None)
                continue
            if gr.shape != a.shape:
                gr = gr.reshape(a.shape)
            out.append(gr.astype(a.dtype, copy=False) if a.dtype.kind == "f" else gr)
        return tuple(out)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=1e-3, **kwargs):
    """Layer normalization (``keras.ops.layer_normalization``).

    Args:
        x: tensor of rank >= 1. gamma, beta: optional, shape of the normalized axes.
        axis: int or list of ints, the axes normalized together (default -1).
        epsilon: added to the variance (default 1e-3; Keras's ops default is 1e-7 via
            ``backend.epsilon()`` when None is passed).

    Returns:
        A Tensor shaped like ``x``.

    Raises:
        ValueError: axis out of range / repeated, gamma or beta of the wrong size, rms_scaling.
    """
    if kwargs.pop("rms_scaling", False):
        raise ValueError("layer_normalization: rms_scaling=True is deprecated in Keras 3 and not "
                         "supported; use RMS normalization instead")
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected arguments {sorted(kwargs)}")
    if epsilon is None:
        epsilon = 1e-7
    args = [x]
    if gamma is not None:
        args.append(gamma)
    if beta is not None:
        args.append(beta)
    ax = axis if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axis)
    return apply(LayerNormalization, *args, axis=ax, epsilon=float(epsilon),
                 has_gamma=gamma is not None, has_beta=beta is not None)
