"""BatchNormalization (Keras 3 semantics; source: keras/src/layers/normalization/
batch_normalization.py; Ioffe & Szegedy 2015).

``y = (x - mean) / sqrt(variance + epsilon) * gamma + beta`` along ``axis``.

* ``training=True`` (and ``layer.trainable``): mean / variance are the batch statistics over
  every axis but ``axis`` (biased variance, as Keras 3's ``ops.moments``), and the moving
  statistics are updated in place, outside the gradient::

      moving_mean     = moving_mean * momentum + batch_mean * (1 - momentum)
      moving_variance = moving_variance * momentum + batch_variance * (1 - momentum)

* otherwise (inference, or ``trainable=False`` which forces inference as in Keras 3): the
  moving statistics are used and nothing is updated.
* ``synchronized=True`` (Keras 3's argument; :class:`SyncBatchNormalization` is the same layer
  with it on by default, Horovod's name): when :mod:`pyfapi.distributed` runs several ranks, the
  training statistics are those of the GLOBAL batch, ``mean = sum_r sum(x_r) / N`` and
  ``variance = sum_r sum((x_r - mean)**2) / N`` (``N`` the rows of all ranks), through
  :func:`pyfapi.ops.collective.allreduce_sum` whose gradient is an Allreduce too, so forward,
  backward and the moving statistics equal one process's on the global batch (and are identical
  on every rank). Three Allreduces of ``features`` floats in the forward, two in the backward.
  On one rank it is plain batch normalization.
"""
from __future__ import annotations

import numpy as np

from pyfapi import initializers, ops
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.layers.layer_utils import (reject_unsupported, serialize_initializer, serialize_object,
                                       to_numpy)
from pyfapi.utils import distributed_context as _dist

__all__ = ["BatchNormalization", "SyncBatchNormalization"]


class BatchNormalization(Layer):
    """Batch normalization over one feature axis.

    Input: any rank >= 1 (``axis`` must exist); output: same shape.

    Weights (Keras order): ``gamma`` (if ``scale``), ``beta`` (if ``center``) -- trainable --
    then ``moving_mean``, ``moving_variance`` -- non-trainable -- each of shape
    ``(input_shape[axis],)``. Parameters: 4 * features (2 * features non-trainable) with the
    defaults.

    Args:
        axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
        beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
        moving_variance_initializer="ones", beta/gamma regularizers and constraints (callables),
        synchronized=False (True: statistics over all ranks of pyfapi.distributed, see the
        module docstring), renorm: only False.

    Raises:
        ValueError: axis not an int / out of range for the input rank, undefined axis size,
            momentum outside [0, 1], epsilon <= 0.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, **kwargs):
        reject_unsupported("BatchNormalization", renorm=(renorm, False),
                           renorm_clipping=(renorm_clipping, None))
        super().__init__(**kwargs)
        self.supports_masking = True  # the input mask passes through (Keras 3)
        self.renorm_momentum = float(renorm_momentum)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError("BatchNormalization: `axis` must be an integer. "
                             f"Received: axis={axis!r}")
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"BatchNormalization: `momentum` must be in [0, 1]. "
                             f"Received: momentum={momentum!r}")
        if not float(epsilon) > 0.0:
            raise ValueError(f"BatchNormalization: `epsilon` must be positive. "
                             f"Received: epsilon={epsilon!r}")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.synchronized = bool(synchronized)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.gamma = None
        self.beta = None

    def _axis_for(self, shape):
        nd = len(shape)
        if not -nd <= self.axis < nd:
            raise ValueError(f"Layer '{self.name}': axis={self.axis} is out of range for an input "
                             f"of rank {nd} (shape {shape})")
        return self.axis % nd

    def build(self, input_shape):
        """Creates ``gamma`` (if scale), ``beta`` (if center) and non-trainable ``moving_mean`` and
        ``moving_variance``, each of shape (input_shape[axis],), float32.
        Raises ValueError if ``axis`` is out of range or that dimension is None.
        """
        shape = as_shape(input_shape)
        axis = self._axis_for(shape)
        dim = shape[axis]
        if dim is None:
            raise ValueError(f"Layer '{self.name}': axis {self.axis} of the input shape {shape} "
                             "must be defined (it is None).")
        if self.scale:
            self.gamma = self.add_weight(shape=(dim,), initializer=self.gamma_initializer,
                                         name="gamma", regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=(dim,), initializer=self.beta_initializer,
                                        name="beta", regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(shape=(dim,), initializer=self.moving_mean_initializer,
                                           name="moving_mean", trainable=False)
        self.moving_variance = self.add_weight(shape=(dim,),
                                               initializer=self.moving_variance_initializer,
                                               name="moving_variance", trainable=False)
        self.input_spec = InputSpec(ndim=len(shape), axes={self.axis: dim})

    def _param_shape(self, ndim, axis):
        return tuple(-1 if i == axis else 1 for i in range(ndim))

    def _normalize(self, x, mean, variance, axis):
        """(x - mean) / sqrt(variance + eps) * gamma + beta with 1-D statistics on ``axis``."""
        fused = getattr(ops, "batch_normalization", None)
        if fused is not None:
            return fused(x, mean, variance, axis=axis, offset=self.beta, scale=self.gamma,
                         epsilon=self.epsilon)
        bshape = self._param_shape(x.ndim, axis)
        inv = ops.divide(1.0, ops.sqrt(ops.add(ops.reshape(variance, bshape), self.epsilon)))
        if self.gamma is not None:
            inv = ops.multiply(inv, ops.reshape(self.gamma, bshape))
        y = ops.multiply(ops.subtract(x, ops.reshape(mean, bshape)), inv)
        if self.beta is not None:
            y = ops.add(y, ops.reshape(self.beta, bshape))
        return y

    def call(self, inputs, training=None, mask=None):
        """``(x - mean) / sqrt(var + epsilon) * gamma + beta``; output shape = input shape. Training
        (and trainable): batch statistics over all axes but ``axis``, and the moving stats are
        updated as ``moving = moving * momentum + batch * (1 - momentum)``. Otherwise uses moving
        stats.
        """
        x = inputs
        axis = self._axis_for(tuple(x.shape))
        sync = self.synchronized and training and self.trainable and _dist.active()
        if not sync and (not (training and self.trainable) or x.size == 0):
            return self._normalize(x, self.moving_mean, self.moving_variance, axis)
        fused = getattr(ops, "batch_norm_train", None)
        if sync:
            y, mean, variance = self._global_statistics(x, axis)
        elif fused is not None and axis == x.ndim - 1:
            y, mean, variance = fused(x, self.gamma, self.beta, epsilon=self.epsilon)
        else:
            red = tuple(i for i in range(x.ndim) if i != axis)
            mean = ops.mean(x, axis=red)
            bshape = self._param_shape(x.ndim, axis)
            variance = ops.mean(ops.square(ops.subtract(x, ops.reshape(mean, bshape))), axis=red)
            y = self._normalize(x, mean, variance, axis)
        m = self.momentum
        mean_np = to_numpy(mean).astype(np.float32, copy=False)
        var_np = to_numpy(variance).astype(np.float32, copy=False)
        mm, mv = self.moving_mean.value, self.moving_variance.value
        self.moving_mean.assign(mm * np.float32(m) + mean_np * np.float32(1.0 - m))
        self.moving_variance.assign(mv * np.float32(m) + var_np * np.float32(1.0 - m))
        return y

    def _global_statistics(self, x, axis):
        """``(y, mean, variance)`` with the statistics of the batch of ALL ranks (see the module
        docstring). A rank in a weight-0 step (no rows of its own, see
        :func:`pyfapi.utils.distributed_context.step_samples`) contributes nothing."""
        from pyfapi.ops.collective import allreduce_sum
        red = tuple(i for i in range(x.ndim) if i != axis)
        bshape = self._param_shape(x.ndim, axis)
        keep = 0.0 if _dist.step_samples() == 0 else 1.0
        rows = np.array([keep * (x.size // max(1, x.shape[axis]))], np.float64)
        _dist.allreduce_(rows)
        n = float(rows[0])
        if n <= 0:
            raise ValueError(f"Layer '{self.name}': synchronized batch normalization over an "
                             f"empty global batch")
        s1 = ops.sum(x, axis=red)
        if keep == 0.0:
            s1 = ops.multiply(s1, 0.0)
        mean = ops.divide(allreduce_sum(s1), n)
        s2 = ops.sum(ops.square(ops.subtract(x, ops.reshape(mean, bshape))), axis=red)
        if keep == 0.0:
            s2 = ops.multiply(s2, 0.0)
        variance = ops.divide(allreduce_sum(s2), n)
        return self._normalize(x, mean, variance, axis), mean, variance

    def compute_output_shape(self, input_shape):
        """Output shape = input shape; ValueError if ``axis`` is out of range for its rank."""
        shape = as_shape(input_shape)
        self._axis_for(shape)
        return shape

    def get_config(self):
        """Layer config plus axis, momentum, epsilon, center, scale, initializers, regularizers,
        etc.
        """
        config = super().get_config()
        config.update({
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": serialize_initializer(self.beta_initializer),
            "gamma_initializer": serialize_initializer(self.gamma_initializer),
            "moving_mean_initializer": serialize_initializer(self.moving_mean_initializer),
            "moving_variance_initializer": serialize_initializer(
                self.moving_variance_initializer),
            "beta_regularizer": serialize_object(self.beta_regularizer),
            "gamma_regularizer": serialize_object(self.gamma_regularizer),
            "beta_constraint": serialize_object(self.beta_constraint),
            "gamma_constraint": serialize_object(self.gamma_constraint),
            "synchronized": self.synchronized, "renorm": False, "renorm_clipping": None,
            "renorm_momentum": self.renorm_momentum,
        })
        return config


class SyncBatchNormalization(BatchNormalization):
    """``BatchNormalization`` with ``synchronized=True`` by default: batch statistics over all
    ranks of :mod:`pyfapi.distributed` (Horovod's ``hvd.SyncBatchNormalization``). Same
    arguments, weights and errors as :class:`BatchNormalization` (not a Keras class name: for
    ``.keras`` files real Keras loads, use ``BatchNormalization(synchronized=True)``)."""

    def __init__(self, *args, synchronized=True, **kwargs):
        super().__init__(*args, synchronized=synchronized, **kwargs)
