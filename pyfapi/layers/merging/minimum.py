"""Minimum and its functional form ``minimum`` (Keras 3: keras/src/layers/merging/minimum.py)."""
from __future__ import annotations

import functools
from pyfapi import ops
from pyfapi.layers.merging.base_merge import _Merge

__all__ = ['Minimum', 'minimum']


class Minimum(_Merge):
    """Element-wise minimum of a list of tensors. No weights. Errors as :class:`Add`."""

    def _merge(self, xs):
        return functools.reduce(ops.minimum, xs)


def minimum(inputs, **kwargs):
    """Functional interface to :class:`Minimum`."""
    return Minimum(**kwargs)(inputs)
