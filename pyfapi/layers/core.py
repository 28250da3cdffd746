"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Embedding (Keras 3 semantics).

Sources: keras/src/layers/core/dense.py, activation.py, embedding.py,
keras/src/layers/regularization/dropout.py, keras/src/layers/reshaping/flatten.py, reshape.py.
"""
from __future__ import annotations

import math

import numpy as np

from pyfapi import activations, initializers, ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape, check_rank
from pyfapi.layers.layer_utils import (add_bias_weight, fused_activation_name, reject_unsupported,
                                       serialize_activation, serialize_initializer,
                                       serialize_object, to_numpy)
from pyfapi.utils.random import make_rng

__all__ = ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Embedding"]


def _apply_activation(fn, y):
    return y if fn is activations.linear else fn(y)


class Dense(Layer):
    """Densely connected layer: ``activation(inputs @ kernel + bias)``.

    Input shape ``(batch, ..., input_dim)`` (rank >= 2), output ``(batch, ..., units)``;
    the kernel acts on the last axis.

    Weights (Keras order): ``kernel`` (input_dim, units), ``bias`` (units,) if ``use_bias``.
    Parameters: input_dim * units + units.

    Args:
        units: positive int.
        activation: name or callable (None: linear).
        use_bias: bool (default True).
        kernel_initializer: default "glorot_uniform". bias_initializer: default "zeros".
        kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint: optional
            callables (penalty in ``layer.losses`` / applied by optimizers; see Layer.add_weight).

    Raises:
        ValueError: units not a positive int; input rank < 2; last input axis undefined or
            different from the one the layer was built for.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        reject_unsupported("Dense", lora_rank=(lora_rank, None),
                           quantization_config=(quantization_config, None))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        """Creates ``kernel`` (input_dim, units) and, if use_bias, ``bias`` (units,), float32.
        Input shape ``(batch, ..., input_dim)`` (rank >= 2).
        Raises ValueError if the rank is < 2 or the last dimension is None.
        """
        shape = check_rank(self, input_shape, min_ndim=2)
        input_dim = shape[-1]
        if input_dim is None:
            raise ValueError(f"Layer '{self.name}': the last dimension of the inputs to `Dense` "
                             f"should be defined. Found None. Full input shape: {shape}")
        self.kernel = self.add_weight(shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = add_bias_weight(self, self.units)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs, training=None):
        """``activation(inputs @ kernel + bias)``: ``(batch, ..., input_dim)`` -> ``(batch, ...,
        units)``. Inputs of rank > 2 are flattened to 2-D for the GEMM and reshaped back.
        """
        x = inputs
        shape = tuple(x.shape)
        if len(shape) > 2:
            x = ops.reshape(x, (math.prod(shape[:-1]), shape[-1]))
        fused = fused_activation_name(self.activation)
        if fused is not None:  # bias and relu in the GEMM epilogue: one op on the tape
            y = ops.linear(x, self.kernel, self.bias, activation=fused)
        else:
            y = ops.matmul(x, self.kernel)
            if self.bias is not None:
                y = ops.add(y, self.bias)
        if len(shape) > 2:
            y = ops.reshape(y, shape[:-1] + (self.units,))
        return y if fused is not None else _apply_activation(self.activation, y)

    def compute_output_shape(self, input_shape):
        """``(batch, ..., input_dim)`` -> ``(batch, ..., units)``; ValueError if rank < 2."""
        shape = check_rank(self, input_shape, min_ndim=2)
        return shape[:-1] + (self.units,)

    def get_config(self):
        """Layer config plus units, activation, use_bias, initializers, regularizers, constraints.
        """
        config = super().get_config()
        config.update({
            "units": self.units, "activation": serialize_activation(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "kernel_regularizer": serialize_object(self.kernel_regularizer),
            "bias_regularizer": serialize_object(self.bias_regularizer),
            "kernel_constraint": serialize_object(self.kernel_constraint),
            "bias_constraint": serialize_object(self.bias_constraint),
            "quantization_config": None,
        })
        return config


class Activation(Layer):
    """Applies an activation function; output shape = input shape. No weights.

    Args:
        activation: a name of :mod:`pyfapi.activations` or a callable.

    Raises:
        ValueError: unknown activation name.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs, training=None):
        """Applies ``self.activation`` elementwise; output shape = input shape."""
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus the serialized ``activation``."""
        config = super().get_config()
        config["activation"] = serialize_activation(self.activation)
        return config


class Dropout(Layer):
    """Inverted dropout: in training, zero each entry with probability ``rate`` and scale the
    rest by ``1 / (1 - rate)``; identity when ``training`` is falsy (inference, the default).

    Random numbers come from :func:`pyfapi.utils.random.global_rng` (or a per-layer generator
    seeded with ``seed``). Output shape = input shape. No weights.

    Args:
        rate: float in [0, 1].
        noise_shape: optional shape of the keep mask, broadcast over the input (None entries take
            the input's size), as Keras.
        seed: optional int.

    Raises:
        ValueError: rate outside [0, 1].
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) \
                or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value "
                             f"between 0 and 1. Received: rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None if seed is None else make_rng(seed)
        self.built = True

    def call(self, inputs, training=None):
        """Returns ``inputs * mask`` with mask = keep / (1 - rate) when ``training`` is truthy, else
        inputs. Shape-preserving. Raises ValueError if ``noise_shape`` rank differs from the
        input rank.
        """
        if not training or self.rate == 0.0:
            return inputs
        shape = tuple(inputs.shape)
        if self.noise_shape is not None:
            if len(self.noise_shape) != len(shape):
                raise ValueError(f"Layer '{self.name}': noise_shape={self.noise_shape} must have "
                                 f"the rank of the inputs, received input shape {shape}")
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        if self.rate == 1.0:
            return ops.multiply(inputs, np.zeros(shape, np.float32))
        rng = self._rng if self._rng is not None else make_rng(None)
        keep = rng.random(shape) >= self.rate
        mask = keep.astype(np.float32) * np.float32(1.0 / (1.0 - self.rate))
        return ops.multiply(inputs, mask)

    def compute_output_shape(self, input_shape):
        """Output shape = input shape."""
        return as_shape(input_shape)

    def get_config(self):
        """Layer config plus rate, noise_shape and seed."""
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed})
        return config


class Flatten(Layer):
    """Flattens every axis but the batch: ``(batch, d1, ..., dn)`` -> ``(batch, d1*...*dn)``
    (None when any di is unknown); a rank-1 input gives ``(batch, 1)``. No weights.

    Args:
        data_format: None or "channels_last" ("channels_first" is not supported).
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Flatten: only data_format='channels_last' is supported, "
                             f"received {data_format!r}")
        self.data_format = "channels_last"
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs, training=None):
        """Reshapes ``(batch, d1, ..., dn)`` to ``(batch, d1*...*dn)``."""
        shape = tuple(inputs.shape)
        return ops.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def compute_output_shape(self, input_shape):
        """``(batch, d1, ..., dn)`` -> ``(batch, d1*...*dn)``, None if any di is None; ValueError if
        rank < 1.
        """
        shape = check_rank(self, input_shape, min_ndim=1)
        rest = shape[1:]
        flat = None if any(d is None for d in rest) else math.prod(rest)
        return (shape[0], flat)

    def get_config(self):
        """Layer config plus ``data_format`` (always "channels_last")."""
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes every axis but the batch to ``target_shape`` (one entry may be -1). No weights.

    Input ``(batch, ...)``, output ``(batch, *target_shape)``.

    Args:
        target_shape: tuple of ints (one may be -1).

    Raises:
        ValueError: target_shape not a tuple of positive ints / more than one -1; the number of
            elements of the input and of target_shape differ (at build time when known).
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            raise ValueError("Reshape: `target_shape` must be a tuple of integers. "
                             f"Received: target_shape={target_shape!r}") from None
        if sum(d == -1 for d in target) > 1 or any(d < -1 or d == 0 for d in target):
            raise ValueError("Reshape: `target_shape` must contain positive integers and at most "
                             f"one -1. Received: target_shape={target_shape!r}")
        self.target_shape = target
        self.built = True

    def _resolve(self, input_shape):
        """Target shape with -1 replaced, or None entries when the size is unknown."""
        rest = as_shape(input_shape)[1:]
        target = self.target_shape
        known = math.prod(d for d in target if d != -1)
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in target)
        total = math.prod(rest)
        if -1 in target:
            if known == 0 or total % known:
                self._size_error(input_shape)
            return tuple(total // known if d == -1 else d for d in target)
        if total != known:
            self._size_error(input_shape)
        return target

    def _size_error(self, input_shape):
        raise ValueError(f"Layer '{self.name}': the total size of the new array must be "
                         f"unchanged, input_shape = {list(as_shape(input_shape)[1:])}, "
                         f"output_shape = {list(self.target_shape)}")

    def call(self, inputs, training=None):
        """Reshapes ``(batch, ...)`` to ``(batch,) + target_shape`` (a -1 entry is inferred)."""
        shape = tuple(inputs.shape)
        return ops.reshape(inputs, (shape[0],) + self._resolve(shape))

    def compute_output_shape(self, input_shape):
        """``(batch, ...)`` -> ``(batch,) + target_shape`` with -1 resolved when the input size is
        known. Raises ValueError if the total size would change.
        """
        shape = as_shape(input_shape)
        return (shape[0],) + self._resolve(shape)

    def get_config(self):
        """Layer config plus ``target_shape``."""
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Embedding(Layer):
    """Maps integer ids to dense vectors: ``output[..., :] = embeddings[ids[...]]``.

    Input ``(batch, ...)`` of integer ids in ``[0, input_dim)`` (other dtypes are cast to int32,
    as Keras); output ``(batch, ..., output_dim)`` float32.

    Weights: ``embeddings`` (input_dim, output_dim). Parameters: input_dim * output_dim.

    Args:
        input_dim: vocabulary size (max id + 1). output_dim: embedding size.
        embeddings_initializer: default "uniform" (RandomUniform(-0.05, 0.05)).
        mask_zero: only False (masks are not supported).
        weights: optional list ``[embeddings]`` set after build (Keras 3 argument).

    Raises:
        ValueError: input_dim / output_dim not positive ints.
        IndexError: an id outside [0, input_dim); the message names the layer, the id and its
            position, and input_dim. Checked in Python before the lookup.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        reject_unsupported("Embedding", mask_zero=(mask_zero, False), lora_rank=(lora_rank, None),
                           quantization_config=(quantization_config, None))
        if "input_length" in kwargs:
            raise ValueError("Embedding: the `input_length` argument was removed in Keras 3; "
                             "use Input(shape=(input_length,)) instead.")
        super().__init__(**kwargs)
        for arg, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= 0:
                raise ValueError(f"Received an invalid value for `{arg}`, expected a positive "
                                 f"integer. Received: {arg}={v!r}")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = embeddings_regularizer
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = False
        self._initial_weights = weights

    def build(self, input_shape=None):
        """Creates ``embeddings`` (input_dim, output_dim) float32, then applies ``weights`` if
        given. The input shape is not used.
        """
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          name="embeddings",
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, inputs, training=None):
        """Gathers rows of ``embeddings``: int ids ``(batch, ...)`` -> float32 ``(batch, ...,
        output_dim)``. Non-integer ids are cast to int32. Raises IndexError for an id outside [0,
        input_dim) or a non-finite float id.
        """
        ids = to_numpy(inputs)
        if ids.dtype.kind not in "iu":
            if ids.dtype.kind == "f" and ids.size and not np.all(np.isfinite(ids)):
                raise IndexError(f"Layer '{self.name}': received non-finite ids")
            ids = ids.astype(np.int32)
        if ids.size:
            lo, hi = ids.min(), ids.max()
            if lo < 0 or hi >= self.input_dim:
                bad = hi if hi >= self.input_dim else lo
                where = tuple(int(i) for i in np.argwhere(ids == bad)[0])
                raise IndexError(
                    f"Layer '{self.name}' (Embedding): index {int(bad)} at position {where} of "
                    f"the input is out of range for input_dim={self.input_dim}; valid ids are "
                    f"in [0, {self.input_dim}).")
        return ops.take(self.embeddings, ids, axis=0)

    def compute_output_shape(self, input_shape):
        """``(batch, ...)`` -> ``(batch, ..., output_dim)``."""
        return as_shape(input_shape) + (self.output_dim,)

    def get_config(self):
        """Layer config plus input_dim, output_dim, initializer, regularizer, constraint, mask_zero.
        """
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": serialize_initializer(self.embeddings_initializer),
            "embeddings_regularizer": serialize_object(self.embeddings_regularizer),
            "embeddings_constraint": serialize_object(self.embeddings_constraint),
            "mask_zero": self.mask_zero, "quantization_config": None,
            "activity_regularizer": serialize_object(self.activity_regularizer),
        })
        return config
