"""Add and its functional form ``add`` (Keras 3: keras/src/layers/merging/add.py)."""
from __future__ import annotations

import functools
from pyfapi import ops
from pyfapi.layers.merging.base_merge import _Merge

__all__ = ['Add', 'add']


class Add(_Merge):
    """Element-wise sum of a list of tensors (same shapes, or broadcastable). No weights.

    Raises:
        ValueError: not a list of inputs; incompatible shapes ("Inputs have incompatible
            shapes. Received shapes ... and ...", naming the layer); different batch sizes.
    """

    def _merge(self, xs):
        return functools.reduce(ops.add, xs)


def add(inputs, **kwargs):
    """Functional interface to :class:`Add`."""
    return Add(**kwargs)(inputs)
