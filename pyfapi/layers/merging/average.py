"""Average and its functional form ``average`` (Keras 3: keras/src/layers/merging/average.py)."""
from __future__ import annotations

import functools
from pyfapi import ops
from pyfapi.layers.merging.base_merge import _Merge

__all__ = ['Average', 'average']


class Average(_Merge):
    """Element-wise mean of a list of tensors. No weights. Errors as :class:`Add`."""

    def _merge(self, xs):
        return ops.divide(functools.reduce(ops.add, xs), float(len(xs)))


def average(inputs, **kwargs):
    """Functional interface to :class:`Average`."""
    return Average(**kwargs)(inputs)
