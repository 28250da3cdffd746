"""Multiply and its functional form ``multiply`` (Keras 3: keras/src/layers/merging/multiply.py)."""
from __future__ import annotations

import functools
from pyfapi import ops
from pyfapi.layers.merging.base_merge import _Merge

__all__ = ['Multiply', 'multiply']


class Multiply(_Merge):
    """Element-wise product of a list of tensors. No weights. Errors as :class:`Add`."""

    def _merge(self, xs):
        return functools.reduce(ops.multiply, xs)


def multiply(inputs, **kwargs):
    """Functional interface to :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)
