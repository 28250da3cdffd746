"""Dot and its functional form ``dot`` (Keras 3: keras/src/layers/merging/dot.py)."""
from __future__ import annotations

from pyfapi import ops
from pyfapi.layers.base import Layer, is_shape_tuple

__all__ = ["Dot", "dot", "batch_dot"]

_LETTERS = "bcdefghijklmnopqrstuvwxyz"


def _subscripts(x_ndim, y_ndim, ax, ay):
    """einsum subscripts of Keras's ``batch_dot``: batch shared, ``x[ax]`` with ``y[ay]``
    contracted, then x's remaining axes, then y's."""
    letters = iter(_LETTERS)
    xs = ["a"] + [next(letters) for _ in range(x_ndim - 1)]
    ys = ["a"] + [next(letters) for _ in range(y_ndim - 1)]
    ys[ay] = xs[ax]
    out = [c for i, c in enumerate(xs) if i != ax] + [c for i, c in enumerate(ys)
                                                      if i not in (0, ay)]
    return f"{''.join(xs)},{''.join(ys)}->{''.join(out)}"


def batch_dot(x, y, axes):
    """Per-sample dot product of ``x`` (batch, ...) and ``y`` (batch, ...) over ``x`` axis
    ``axes[0]`` and ``y`` axis ``axes[1]`` (Keras's ``batch_dot``): shape x's shape without the
    contracted axis, then y's without batch and contracted axis; a result of rank 1 becomes
    (batch, 1). float32; differentiable (``ops.einsum``)."""
    ax, ay = axes
    out = ops.einsum(_subscripts(len(x.shape), len(y.shape), ax, ay), x, y)
    if len(out.shape) == 1:
        out = ops.expand_dims(out, 1)
    return out


class Dot(Layer):
    """Dot product of two tensors along ``axes``, per sample: e.g. (batch, n) and (batch, n) with
    ``axes=1`` -> (batch, 1); (batch, n, d) and (batch, m, d) with ``axes=2`` -> (batch, n, m).
    ``normalize=True`` L2-normalizes both inputs along their axes first (``ops.normalize``), so
    the output is the cosine similarity. No weights.

    Args:
        axes: an int (the same axis of both inputs; negative counts from the end) or a pair.
        normalize: L2-normalize along the dot axes first.

    Raises:
        TypeError / ValueError: ``axes`` not an int or a pair of ints.
        ValueError: not exactly two inputs, the batch axis among ``axes``, or contracted axes of
            different sizes (naming the layer and the shapes).
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Invalid type for argument `axes`: it should be a list or an "
                                f"int. Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError(f"Invalid format for argument `axes`: it should contain two "
                                 f"elements. Received: axes={axes}")
            if not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Invalid format for argument `axes`: list elements should be "
                                 f"integers. Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _axes(self, shape1, shape2):
        if isinstance(self.axes, int):
            axes = [self.axes, self.axes]
        else:
            axes = list(self.axes)
        axes = [a % len(s) if a < 0 else a for a, s in zip(axes, (shape1, shape2))]
        if 0 in axes:
            raise ValueError(f"Layer '{self.name}': cannot take the dot product over axis 0 (the "
                             f"batch axis). Received axes={self.axes} for input shapes "
                             f"{tuple(shape1)} and {tuple(shape2)}")
        return axes

    def _check(self, input_shape):
        if (not isinstance(input_shape, (list, tuple)) or is_shape_tuple(input_shape)
                or len(input_shape) != 2):
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Layer "
                             f"'{self.name}' received: input_shape={input_shape}")
        s1, s2 = (tuple(s) for s in input_shape)
        if len(s1) < 2 or len(s2) < 2:
            raise ValueError(f"Layer '{self.name}': Dot needs inputs of rank >= 2, received "
                             f"shapes {s1} and {s2}")
        a1, a2 = self._axes(s1, s2)
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(f"Incompatible input shapes: axis values {s1[a1]} (at axis {a1}) != "
                             f"{s2[a2]} (at axis {a2}). Layer '{self.name}' received "
                             f"input_shape={[s1, s2]}")
        return s1, s2, a1, a2

    def build(self, input_shape):
        """Checks the two shapes and axes."""
        self._check(input_shape)
        self.built = True

    def call(self, inputs):
        """The per-sample dot product of ``inputs[0]`` and ``inputs[1]``."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Layer "
                             f"'{self.name}' received {inputs!r:.200}")
        x1, x2 = inputs
        _, _, a1, a2 = self._check([tuple(x1.shape), tuple(x2.shape)])
        if self.normalize:
            x1 = ops.normalize(x1, axis=a1)
            x2 = ops.normalize(x2, axis=a2)
        return batch_dot(x1, x2, (a1, a2))

    def compute_output_shape(self, input_shape):
        """x's shape without the dot axis, then y's without batch and dot axis (rank >= 2)."""
        s1, s2, a1, a2 = self._check(input_shape)
        out = [d for i, d in enumerate(s1) if i != a1] + [d for i, d in enumerate(s2)
                                                          if i not in (0, a2)]
        if len(out) == 1:
            out.append(1)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        """None: the dot product drops the masks (as Keras)."""
        return None

    def get_config(self):
        """Layer config plus axes and normalize."""
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def dot(inputs, axes=-1, **kwargs):
    """Functional interface to :class:`Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)
