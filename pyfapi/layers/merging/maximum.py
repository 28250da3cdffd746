"""Maximum and its functional form ``maximum`` (Keras 3: keras/src/layers/merging/maximum.py)."""
from __future__ import annotations

import functools
from pyfapi import ops
from pyfapi.layers.merging.base_merge import _Merge

__all__ = ['Maximum', 'maximum']


class Maximum(_Merge):
    """Element-wise maximum of a list of tensors. No weights. Errors as :class:`Add`."""

    def _merge(self, xs):
        return functools.reduce(ops.maximum, xs)


def maximum(inputs, **kwargs):
    """Functional interface to :class:`Maximum`."""
    return Maximum(**kwargs)(inputs)
