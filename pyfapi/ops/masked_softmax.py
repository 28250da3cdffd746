"""Fused last-axis softmax with an optional mask (the attention softmax), on the C++ kernels of
:mod:`pyfapi.kernels.softmax` for float32 and numpy for float64 (same semantics).

``masked_softmax(x, mask=None, uniform_if_all_masked=False)``: softmax over the last axis of
``v = x`` (+ ``mask`` when it is a real array: an additive mask, differentiable), or over the
entries a bool ``mask`` keeps (True = keep; masked entries give exactly 0 and no gradient). A row
whose entries are all masked gives zeros, or ``1 / N`` with ``uniform_if_all_masked`` (Keras's
fused dot-product-attention path); its gradient is 0. Masks broadcast to ``x`` (numpy rules,
rank <= x's). Used by :func:`pyfapi.layers.activations.softmax.masked_softmax` (Softmax layer,
MultiHeadAttention, Attention).
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register, unbroadcast
from pyfapi.kernels.softmax import prepare_mask, softmax_backward, softmax_forward
from pyfapi.ops._common import as_float

__all__ = ["masked_softmax"]

_F32 = np.dtype(np.float32)


def _np_forward(x, m, uniform):
    """The float64 (non-float32) path, numpy: the kernels' semantics."""
    if x.shape[-1] == 0:
        return np.empty_like(x)
    boolean = m is not None and m.dtype == np.bool_
    v = x if m is None else (np.where(m, x, -np.inf) if boolean else x + m)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(v - v.max(axis=-1, keepdims=True))
        if boolean:
            e = np.where(m, e, 0.0)
        y = e / e.sum(axis=-1, keepdims=True)
    if boolean:
        keep = m.any(axis=-1, keepdims=True)
        y = np.where(keep, y, 1.0 / x.shape[-1] if uniform else 0.0).astype(x.dtype, copy=False)
    return y


@register
class MaskedSoftmax(Op):
    """Last-axis softmax; inputs x, then the mask when ``has_mask`` (bool: keep, real: added)."""
    name = "masked_softmax"

    @staticmethod
    def forward(ctx, x, *mask, uniform_if_all_masked=False):
        """x (rank >= 1) -> y of x's shape and float dtype. ValueError: a mask that does not
        broadcast to x (names both shapes), rank 0."""
        x = as_float(x)
        if x.ndim < 1:
            raise ValueError(f"masked_softmax: x must have rank >= 1, got shape {x.shape}")
        m = prepare_mask(mask[0], x.shape, "masked_softmax") if mask else None
        ctx.mask_shape = mask[0].shape if mask else None
        if x.dtype == _F32:
            y = softmax_forward(x, m, uniform_if_all_masked)
        else:
            if m is not None and m.dtype != np.bool_:
                m = np.broadcast_to(np.asarray(mask[0], dtype=x.dtype), x.shape)
            y = _np_forward(x, m, uniform_if_all_masked)
        ctx.save(y, m)
        return y

    @staticmethod
    def backward(ctx, g):
        """dx = y (g - sum(g y)) (0 at masked entries); the additive mask's gradient is dx
        summed over its broadcast axes; a bool mask has none."""
        y, m = ctx.saved
        boolean = m is not None and m.dtype == np.bool_
        if y.dtype == _F32:
            dx = softmax_backward(g.astype(_F32, copy=False), y, m if boolean else None)
        else:
            dx = y * (g - (g * y).sum(axis=-1, keepdims=True))
            if boolean:
                dx = np.where(m, dx, 0.0).astype(y.dtype, copy=False)
        if m is None:
            return dx
        need = getattr(ctx, "needs_input_grad", None) or (True, True)
        dm = None if boolean or not need[1] else unbroadcast(dx, ctx.mask_shape)
        return dx, dm


def masked_softmax(x, mask=None, uniform_if_all_masked=False):
    """Softmax over the last axis of ``x`` with an optional mask (see the module docstring).

    Args:
        x: tensor of rank >= 1 (ints are cast to float32).
        mask: None, a bool tensor (True = keep) or a real tensor added to x; broadcastable to x.
        uniform_if_all_masked: fully masked rows give 1 / N instead of zeros.

    Returns:
        A Tensor of x's shape.

    Raises:
        ValueError: x of rank 0, a mask that does not broadcast to x.
    """
    args = (x,) if mask is None else (x, mask)
    return apply(MaskedSoftmax, *args, uniform_if_all_masked=bool(uniform_if_all_masked))
