"""Shared base of the merge layers (Keras 3: keras/src/layers/merging/base_merge.py).

Shapes are checked when the graph is built (``build`` / ``compute_output_shape``), so an
incompatible merge raises a ValueError naming the layer and every input shape before any data
flows. Element-wise merges broadcast the non-batch shapes numpy-style (right-aligned, 1 or None
broadcast); inputs of lower rank get axes inserted after the batch axis, as Keras does.
"""
from __future__ import annotations

from pyfapi import ops
from pyfapi.layers.base import Layer, is_shape_tuple

__all__ = []


def _shapes(layer, input_shape):
    """The list of input shapes (tuples), or a ValueError if not a list of >= 1 shapes."""
    if (not isinstance(input_shape, (list, tuple)) or is_shape_tuple(input_shape)
            or not all(is_shape_tuple(s) for s in input_shape)):
        raise ValueError(f"A merge layer should be called on a list of inputs. Layer "
                         f"'{layer.name}' received: input_shape={input_shape} (not a list of "
                         "shapes)")
    shapes = [tuple(s) for s in input_shape]
    if len(shapes) < 1:
        raise ValueError(f"A merge layer should be called on a list of at least 1 input. "
                         f"Layer '{layer.name}' got {len(shapes)} inputs. "
                         f"Full input_shape received: {input_shape}")
    return shapes


class _Merge(Layer):
    """Element-wise merge of a list of tensors (output shape: broadcast of the inputs)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _elemwise_shape(self, shape1, shape2, shapes):
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1:
                out.append(i)
            elif i != j:
                raise ValueError(
                    f"Inputs have incompatible shapes. Received shapes {tuple(shape1)} and "
                    f"{tuple(shape2)}. Layer '{self.name}' ({type(self).__name__}) received "
                    f"input_shape={shapes}")
            else:
                out.append(i)
        return tuple(out)

    def _check(self, input_shape):
        shapes = _shapes(self, input_shape)
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f"Cannot merge tensors with different batch sizes. Layer "
                             f"'{self.name}' received tensors with shapes {shapes}")
        out = shapes[0][1:] if shapes[0] else ()
        for s in shapes[1:]:
            out = self._elemwise_shape(out, s[1:] if s else (), shapes)
        batch = next(iter(batch_sizes)) if batch_sizes else None
        return shapes, (batch,) + tuple(out)

    def build(self, input_shape):
        self._check(input_shape)

    def compute_output_shape(self, input_shape):
        return self._check(input_shape)[1]

    def _merge(self, inputs):  # pragma: no cover - abstract
        raise NotImplementedError

    def call(self, inputs, training=None):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Layer "
                             f"'{self.name}' received: inputs={inputs!r} (not a list)")
        self._check([tuple(x.shape) for x in inputs])
        max_ndim = max(len(x.shape) for x in inputs)
        xs = []
        for x in inputs:
            while len(x.shape) < max_ndim:
                x = ops.expand_dims(x, 1)
            xs.append(x)
        return self._merge(xs)
