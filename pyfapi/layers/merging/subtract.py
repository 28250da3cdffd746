"""Subtract and its functional form ``subtract`` (Keras 3: keras/src/layers/merging/subtract.py)."""
from __future__ import annotations

from pyfapi import ops
from pyfapi.layers.merging.base_merge import _Merge, _shapes

__all__ = ['Subtract', 'subtract']


class Subtract(_Merge):
    """``inputs[0] - inputs[1]``; exactly two inputs. No weights.

    Raises:
        ValueError: not exactly 2 inputs; incompatible shapes (as :class:`Add`).
    """

    def _check(self, input_shape):
        shapes = _shapes(self, input_shape)
        if len(shapes) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Layer '{self.name}' received: input_shape={shapes}")
        return super()._check(input_shape)

    def _merge(self, xs):
        return ops.subtract(xs[0], xs[1])


def subtract(inputs, **kwargs):
    """Functional interface to :class:`Subtract`."""
    return Subtract(**kwargs)(inputs)
