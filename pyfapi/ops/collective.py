"""Differentiable collective over the ranks of :mod:`pyfapi.distributed` (not a ``keras.ops``
name; used by ``BatchNormalization(synchronized=True)``).

``allreduce_sum(x)``: ``sum over ranks r of x_r`` (the identity on one rank). Its VJP is again an
Allreduce: with ``n_r`` the samples of rank r's step
(:func:`pyfapi.utils.distributed_context.step_samples`, 1 when unset), rank r receives
``sum_r' n_r' * g_r' / n_r`` (0 for a rank with ``n_r = 0``), which is what makes the gradients
that :class:`DistributedOptimizer` averages with the weights ``n_r / sum n`` equal the gradient
of the mean loss over the global batch. Every rank must run the same forward and backward (the
same collectives in the same order), as data-parallel training does.
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.utils import distributed_context as dc

__all__ = ["allreduce_sum"]


def _reduced(a):
    buf = np.array(a, dtype=a.dtype if a.dtype in (np.float32, np.float64) else np.float32,
                   order="C", copy=True)
    dc.allreduce_(buf)
    return buf


@register
class AllreduceSum(Op):
    """Sum over the ranks, differentiable (see the module docstring)."""

    name = "allreduce_sum"

    @staticmethod
    def forward(ctx, x):
        """``sum_r x_r`` (float32 / float64 as ``x``)."""
        return _reduced(np.asarray(x))

    @staticmethod
    def backward(ctx, grad):
        """``sum_r' n_r' g_r' / n_r`` (0 where ``n_r = 0``): one Allreduce of the gradient."""
        w = dc.step_samples()
        w = 1.0 if w is None else float(w)
        g = np.asarray(grad)
        if not dc.active():
            return g
        buf = _reduced(g * w if w != 1.0 else g)
        if w == 0.0:
            return np.zeros_like(g)
        if w != 1.0:
            buf /= w
        return buf.astype(g.dtype, copy=False)


def allreduce_sum(x):
    """Sum of ``x`` over all ranks (same shape and float dtype), differentiable; the identity on
    one rank. See the module docstring for the gradient."""
    return apply(AllreduceSum, x)
