"""Merge layers: Concatenate, Add, Subtract, Multiply, Average, Maximum, Minimum, and the
functional helpers concatenate / add / subtract / multiply / average / maximum / minimum
(Keras 3 semantics; source: keras/src/layers/merging/base_merge.py, concatenate.py).

Shapes are checked when the graph is built (``build`` / ``compute_output_shape``), so an
incompatible merge raises a ValueError naming the layer and every input shape before any data
flows. Element-wise merges broadcast the non-batch shapes numpy-style (right-aligned, 1 or None
broadcast); inputs of lower rank get axes inserted after the batch axis, as Keras does.
"""
from __future__ import annotations

import functools

from pyfapi import ops
from pyfapi.layers.base import Layer, is_shape_tuple

__all__ = ["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
           "concatenate", "add", "subtract", "multiply", "average", "maximum", "minimum"]


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


class Add(_Merge):
    """Element-wise sum of a list of tensors (same shapes, or broadcastable). No weights.

    Raises:
        ValueError: not a list of inputs; incompatible shapes ("Inputs have incompatible
            shapes. Received shapes ... and ...", naming the layer); different batch sizes.
    """

    def _merge(self, xs):
        return functools.reduce(ops.add, xs)


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


class Multiply(_Merge):
    """Element-wise product of a list of tensors. No weights. Errors as :class:`Add`."""

    def _merge(self, xs):
        return functools.reduce(ops.multiply, xs)


class Average(_Merge):
    """Element-wise mean of a list of tensors. No weights. Errors as :class:`Add`."""

    def _merge(self, xs):
        return ops.divide(functools.reduce(ops.add, xs), float(len(xs)))


class Maximum(_Merge):
    """Element-wise maximum of a list of tensors. No weights. Errors as :class:`Add`."""

    def _merge(self, xs):
        return functools.reduce(ops.maximum, xs)


class Minimum(_Merge):
    """Element-wise minimum of a list of tensors. No weights. Errors as :class:`Add`."""

    def _merge(self, xs):
        return functools.reduce(ops.minimum, xs)


class Concatenate(Layer):
    """Concatenates a list of tensors along ``axis`` (default -1). No weights.

    All inputs must have the same rank and the same size on every axis but ``axis`` (None matches
    anything). Output: the common shape with the sizes on ``axis`` summed (None if any is None).

    Raises:
        ValueError: "A `Concatenate` layer requires inputs with matching shapes except for the
            concatenation axis. Received: input_shape=[...]" (Keras's message, plus the layer
            name), raised when the graph is built; not a list of inputs.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.supports_masking = True

    def _error(self, shapes):
        return ValueError("A `Concatenate` layer requires inputs with matching shapes except for "
                          f"the concatenation axis. Received: input_shape={shapes} "
                          f"(layer '{self.name}', axis={self.axis})")

    def _check(self, input_shape):
        if (not isinstance(input_shape, (list, tuple)) or is_shape_tuple(input_shape)
                or not input_shape or not all(is_shape_tuple(s) for s in input_shape)):
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 "
                             f"input. Layer '{self.name}' received: input_shape={input_shape}")
        shapes = [tuple(s) for s in input_shape]
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise self._error(shapes)
        (rank,) = ranks
        if not -rank <= self.axis < rank:
            raise ValueError(f"Layer '{self.name}': concatenation axis={self.axis} is out of "
                             f"range for inputs of rank {rank}. Received: input_shape={shapes}")
        axis = self.axis % rank
        for i in range(rank):
            if i == axis:
                continue
            dims = {s[i] for s in shapes} - {None}
            if len(dims) > 1:
                raise self._error(shapes)
        return shapes, axis

    def build(self, input_shape):
        """Validates the input shapes (no weights); ValueError if they cannot be concatenated on
        ``axis``.
        """
        self._check(input_shape)

    def compute_output_shape(self, input_shape):
        """Shape of the inputs with the ``axis`` dimensions summed (None if any is None).
        Raises ValueError if ranks or the non-axis dimensions differ.
        """
        shapes, axis = self._check(input_shape)
        out = []
        for i in range(len(shapes[0])):
            dims = [s[i] for s in shapes]
            if i == axis:
                out.append(None if any(d is None for d in dims) else sum(dims))
            else:
                known = [d for d in dims if d is not None]
                out.append(known[0] if known else None)
        return tuple(out)

    def call(self, inputs, training=None):
        """Concatenates a list of tensors along ``axis``; ValueError if ``inputs`` is not a
        list/tuple or the shapes are incompatible.
        """
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A `Concatenate` layer should be called on a list of inputs. "
                             f"Layer '{self.name}' received: inputs={inputs!r}")
        self._check([tuple(x.shape) for x in inputs])
        return ops.concatenate(list(inputs), axis=self.axis)

    def get_config(self):
        """Layer config plus ``axis``."""
        config = super().get_config()
        config["axis"] = self.axis
        return config


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to :class:`Concatenate`: ``Concatenate(axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def add(inputs, **kwargs):
    """Functional interface to :class:`Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional interface to :class:`Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional interface to :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional interface to :class:`Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional interface to :class:`Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional interface to :class:`Minimum`."""
    return Minimum(**kwargs)(inputs)
