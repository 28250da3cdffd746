"""Normalization (Keras 3: keras/src/layers/preprocessing/normalization.py)."""
from __future__ import annotations

import math

import numpy as np

from pyfapi import ops
from pyfapi.layers.preprocessing.base_preprocessing import (
    PreprocessingLayer,
    iter_adapt_batches,
    to_numpy,
)

__all__ = ["Normalization"]

_EPSILON = 1e-7  # keras.backend.epsilon()


class Normalization(PreprocessingLayer):
    """Shift and scale inputs: ``(x - mean) / max(sqrt(variance), 1e-7)`` per index of ``axis``.

    ``invert=True`` computes ``mean + x * max(sqrt(variance), 1e-7)`` instead. Output float32 of the
    input's shape. The statistics come from ``mean`` / ``variance`` (broadcast to the kept axes) or
    from ``adapt``.

    Args:
        axis: int, tuple of ints or None; the axes with their own mean/variance (None: one scalar
            mean and variance over everything). Default -1.
        mean, variance: optional values (both or neither), broadcastable to the kept axes.
        invert: apply the inverse transformation.

    State (non-trainable weights, Keras order, only when adapted rather than given): ``mean`` and
    ``variance`` (float32, shape of the kept axes) and ``count`` (int32 scalar, kept at 0 as Keras).
    These are what ``.keras`` / ``.weights.h5`` files hold (``vars/0..2``).

    Raises:
        ValueError: only one of mean/variance, shapes that differ, an axis out of range or of
            unknown size, ``call`` before ``adapt`` / build, adapt data of another feature shape.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)):
            axis = (int(axis),)
        else:
            axis = tuple(int(a) for a in axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self.mean = None
        self.variance = None
        self._adapted = False
        if (mean is not None) != (variance is not None):
            raise self._err("when setting values directly, both `mean` and `variance` must be "
                            f"set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise self._err("`mean` and `variance` must have the same shape. Received: mean "
                                f"shape {np.shape(mean)} and variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise self._err(f"the rank of `mean` must be less than or equal to the number of "
                                f"axes ({len(self.axis)}). Received: mean shape {np.shape(mean)} "
                                f"for axis {self.axis}")

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise self._err(f"all `axis` values must be in the range [-ndim, ndim). Received "
                            f"inputs with ndim={ndim}, while axis={self.axis}")
        self._keep_axis = tuple(sorted(d % ndim for d in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise self._err(f"all `axis` values to be kept must have a known shape. Received "
                                f"axis={self.axis}, inputs.shape={input_shape}, with unknown "
                                f"axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1
                                      for d in range(ndim))
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        self._build_input_shape = input_shape
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance",
                                                  shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                         initializer=_int_zeros, trainable=False)
            self.built = True
            self.finalize_state()
        else:
            mean = np.asarray(self.input_mean, dtype=np.float64)
            variance = np.asarray(self.input_variance, dtype=np.float64)
            if mean.ndim:
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                try:
                    mean = mean.reshape(expanded)
                    variance = variance.reshape(expanded)
                except ValueError:
                    raise self._err(f"mean of shape {np.shape(self.input_mean)} cannot be "
                                    f"broadcast to the kept axes {self._mean_and_var_shape} of "
                                    f"inputs of shape {input_shape}") from None
            try:
                self.mean = np.broadcast_to(mean, self._broadcast_shape).astype(np.float32)
                self.variance = np.broadcast_to(variance,
                                                self._broadcast_shape).astype(np.float32)
            except ValueError:
                raise self._err(f"mean of shape {np.shape(self.input_mean)} cannot be broadcast "
                                f"to {self._broadcast_shape} (inputs of shape {input_shape}, "
                                f"axis={self.axis})") from None
            self._set_scale()
            self.built = True

    def _set_scale(self):
        self._scale = np.maximum(np.sqrt(self.variance), np.float32(_EPSILON)).astype(np.float32)

    @property
    def is_adapted(self):
        """True once the statistics exist (given, adapted, or loaded)."""
        return self.mean is not None

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of ``data`` over the reduced axes (Keras 3 rule).

        One array (``batch_size`` None): mean and population variance of the whole array, as
        Keras (accumulated in float64 by a C++ kernel, csrc/preprocessing). Batches (an
        iterable, or an array with ``batch_size``): each batch's mean / variance merged with
        Keras's running formula (weights ``count / total``).

        Args:
            data: array, list of batches, generator, PyDataset or ``(x, y)`` batches.
            batch_size: split an array into batches of this many rows.
            steps: use at most this many batches.

        Raises:
            ValueError: an empty iterable; a batch whose kept axes differ from the layer's.
        """
        batches = iter_adapt_batches(self, data, batch_size=batch_size, steps=steps)
        first = self._as_float(next(batches))
        if not self.built:
            self.build(first.shape)
        if self.input_mean is not None:
            raise self._err("cannot adapt a Normalization layer created with `mean` and "
                            "`variance`")
        self._check_batch(first)
        second = next(batches, None)
        if second is None:  # one array: mean / population variance of the whole data
            total_mean, total_var = self._moments(first)
        else:
            total_mean = np.zeros(self._mean_and_var_shape, np.float32)
            total_var = np.zeros(self._mean_and_var_shape, np.float32)
            count = 0
            for batch in _chain(first, _chain(second, batches)):
                batch = self._as_float(batch)
                self._check_batch(batch)
                total_mean, total_var, count = self._merge(batch, total_mean, total_var, count)
        self.adapt_mean.assign(np.asarray(total_mean, np.float32).reshape(
            self._mean_and_var_shape))
        self.adapt_variance.assign(np.asarray(total_var, np.float32).reshape(
            self._mean_and_var_shape))
        self.finalize_state()

    def _merge(self, batch, total_mean, total_var, total_count):
        batch_mean, batch_var = self._moments(batch)
        batch_count = math.prod(batch.shape[d] for d in self._reduce_axis) \
            if self._reduce_axis else 1
        total_count += batch_count
        if total_count == 0:
            return total_mean, total_var, total_count
        batch_weight = float(batch_count) / total_count
        existing_weight = 1.0 - batch_weight
        new_mean = total_mean * existing_weight + batch_mean * batch_weight
        total_var = ((total_var + (total_mean - new_mean) ** 2) * existing_weight
                     + (batch_var + (batch_mean - new_mean) ** 2) * batch_weight)
        return new_mean, total_var, total_count

    def _moments(self, x):
        """Mean and population variance over the reduced axes (float64 accumulation in C++;
        Keras computes np.mean / np.var in the data's dtype: equal to float32 rounding)."""
        from pyfapi.kernels.preprocessing import moments
        if x.size == 0:
            raise self._err(f"adapt() received an empty batch of shape {x.shape}")
        return moments(x, self._keep_axis)

    def _as_float(self, x):
        x = to_numpy(x)
        if x.dtype.kind not in "biuf":
            raise self._err(f"expected numeric data, received an array of dtype {x.dtype}")
        return x

    def _check_batch(self, batch):
        if batch.ndim != len(self._build_input_shape) or any(
                batch.shape[d] != self._build_input_shape[d] for d in self._keep_axis):
            raise self._err(f"the layer was built with input_shape={self._build_input_shape}, "
                            f"but adapt() received data of incompatible shape {batch.shape}")

    def finalize_state(self):
        """Recompute the broadcast mean / variance from the adapted weights (after adapt/load)."""
        if self.input_mean is not None or not self.built:
            return
        self.mean = to_numpy(self.adapt_mean.value).reshape(self._broadcast_shape).astype(
            np.float32)
        self.variance = to_numpy(self.adapt_variance.value).reshape(
            self._broadcast_shape).astype(np.float32)
        self._set_scale()

    def set_weights(self, weights):
        super().set_weights(weights)
        self.finalize_state()

    def load_own_variables(self, store):
        """Keras hook: assign the stored variables then refresh the statistics."""
        for i, w in enumerate(self.weights):
            w.assign(np.asarray(store[str(i)]))
        self.finalize_state()

    def _check_input(self, first):
        shape = getattr(first, "shape", None)
        built = self._build_input_shape
        if shape is None or built is None:
            return
        shape = tuple(shape)
        if len(shape) != len(built) or any(
                shape[d] is not None and shape[d] != built[d] for d in self._keep_axis):
            raise self._err(f"expected inputs of rank {len(built)} with size "
                            f"{[built[d] for d in self._keep_axis]} on axes {self._keep_axis} "
                            f"(built for {tuple(built)}), received shape {shape}")

    def call(self, inputs):
        """Normalized (or, with ``invert``, de-normalized) float32 inputs, same shape."""
        if self.mean is None:
            raise self._err("You must call `.build(input_shape)` (or `adapt`) on the layer "
                            "before using it.")
        if self.input_mean is None:
            self.finalize_state()  # weights may have been assigned by a loader or set_weights
        x = inputs
        if isinstance(x, np.ndarray) and x.dtype != np.float32:
            if x.dtype.kind not in "biuf":
                raise self._err(f"expected a numeric input, received dtype {x.dtype}")
            x = x.astype(np.float32)
        if self.invert:
            return ops.add(ops.multiply(x, self._scale), self.mean)
        return ops.divide(ops.subtract(x, self.mean), self._scale)

    def compute_output_shape(self, input_shape):
        """Same as the input shape."""
        return tuple(input_shape)

    def get_config(self):
        """Keras keys: axis, invert, mean, variance (the given values, not adapted ones)."""
        config = super().get_config()
        config.update({"axis": list(self.axis), "invert": self.invert,
                       "mean": _listify(self.input_mean),
                       "variance": _listify(self.input_variance)})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return cls(**config)

    def get_build_config(self):
        if self._build_input_shape is not None:
            return {"input_shape": [None if d is None else int(d)
                                    for d in self._build_input_shape]}
        return None

    def build_from_config(self, config):
        if config and not self.built:
            self.build(tuple(config["input_shape"]))


def _int_zeros(shape, dtype="int32"):
    return np.zeros(shape, dtype=dtype)


def _listify(v):
    if v is None:
        return None
    return np.asarray(v).tolist()


def _chain(first, rest):
    yield first
    yield from rest
