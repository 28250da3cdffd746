"""pyfapi.random: seeded random tensors, as ``keras.random`` (Keras 3).

Every function takes ``seed``:

* ``None``: draws from pyfapi's global generator (:func:`pyfapi.utils.random.global_rng`,
  reseeded by :func:`pyfapi.utils.set_random_seed`);
* an ``int``: the same numbers at every call (Keras 3's behaviour for an integer seed);
* a :class:`SeedGenerator`: a new draw at every call, reproducible from the generator's seed
  (its state is a Variable, so it is saved with the layer or model that owns it).

Results are float32 Tensors unless ``dtype`` says otherwise (``randint``: int32). Drawn with
numpy's PCG64 generator, so the numbers differ from Keras's backends for the same seed.
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff import Variable
from pyfapi.autodiff.tensor import Tensor, _wrap, as_array
from pyfapi.utils.random import global_rng

__all__ = ["SeedGenerator", "normal", "uniform", "randint", "truncated_normal", "dropout",
           "shuffle", "categorical", "gamma", "binomial", "beta"]


class SeedGenerator:
    """A stream of random seeds (Keras 3 ``keras.random.SeedGenerator``).

    Args:
        seed: int (default: drawn from the global generator).
        name: name of the state variable.

    Attributes:
        state: a non-trainable int64 Variable ``[seed, counter]``; each :meth:`next` draws from
            ``numpy.random.default_rng([seed, counter])`` and increments the counter.

    Raises:
        TypeError: a seed that is not an int.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs.pop("backend", None) is not None or kwargs:
            raise TypeError(f"SeedGenerator: unexpected arguments {sorted(kwargs)}")
        if seed is None:
            seed = int(global_rng().integers(0, 2**31 - 1))
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"SeedGenerator: seed must be an int, received {seed!r}")
        self._initial_seed = int(seed)
        self.name = name or "seed_generator"
        self.state = Variable(np.array([int(seed), 0], dtype=np.int64), name="seed_generator_state",
                              trainable=False, dtype="int64")

    def next(self, ordered=True):
        """A fresh :class:`numpy.random.Generator` for one draw (advances the state)."""
        seed, counter = (int(v) for v in self.state.value)
        self.state.assign(np.array([seed, counter + 1], dtype=np.int64))
        return np.random.default_rng([seed & 0xFFFFFFFF, counter])

    def get_config(self):
        """``{"seed": the initial seed}``."""
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``."""
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator seed={self._initial_seed}, counter={int(self.state.value[1])}>"


def _rng(seed):
    if seed is None:
        return global_rng()
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    raise TypeError(f"seed must be None, an int or a pyfapi.random.SeedGenerator; received "
                    f"{seed!r} (type {type(seed).__name__})")


def _shape(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(getattr(s, "value", s)) for s in shape)


def _float(dtype):
    dt = np.dtype(dtype or "float32")
    if dt.kind != "f":
        raise ValueError(f"Expected a float dtype, received dtype={dtype!r}")
    return dt


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev**2), shape ``shape``."""
    dt = _float(dtype)
    return _wrap(_rng(seed).normal(mean, stddev, _shape(shape)).astype(dt))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of U[minval, maxval).

    Raises:
        ValueError: an integer dtype (use :func:`randint`, as Keras).
    """
    dt = _float(dtype)
    return _wrap(_rng(seed).uniform(minval, maxval, _shape(shape)).astype(dt))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform in ``[minval, maxval)`` (int32 by default)."""
    return _wrap(_rng(seed).integers(minval, maxval, _shape(shape)).astype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """N(mean, stddev**2) samples redrawn until within two standard deviations of the mean."""
    dt = _float(dtype)
    rng = _rng(seed)
    shape = _shape(shape)
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return _wrap((mean + stddev * out).astype(dt))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class indices per row of the ``(batch, classes)`` ``logits``."""
    lg = as_array(logits).astype(np.float64)
    if lg.ndim != 2:
        raise ValueError(f"categorical: logits must have shape (batch, classes), received "
                         f"{lg.shape}")
    p = np.exp(lg - lg.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    rng = _rng(seed)
    out = np.stack([rng.choice(p.shape[1], size=int(num_samples), p=row) for row in p])
    return _wrap(out.astype(dtype))


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(alpha, 1) samples."""
    return _wrap(_rng(seed).gamma(alpha, 1.0, _shape(shape)).astype(_float(dtype)))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial(counts, probabilities) samples (float32 by default, as Keras)."""
    return _wrap(_rng(seed).binomial(counts, probabilities, _shape(shape))
                 .astype(_float(dtype)))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta(alpha, beta) samples."""
    return _wrap(_rng(seed).beta(alpha, beta, _shape(shape)).astype(_float(dtype)))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Inverted dropout: each entry zeroed with probability ``rate``, the others scaled by
    ``1 / (1 - rate)``; differentiable in ``inputs``.

    Raises:
        ValueError: ``rate`` outside [0, 1).
    """
    from pyfapi import ops
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), received {rate!r}")
    x = inputs if isinstance(inputs, Tensor) else as_array(inputs)
    shape = tuple(x.shape)
    if noise_shape is not None:
        shape = tuple(s if n is None else int(n) for n, s in zip(noise_shape, shape))
    from pyfapi.kernels.dropout import draw_seed, dropout_mask
    return ops.multiply(x, dropout_mask(shape, rate, draw_seed(_rng(seed))))


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` in a random order (a new Tensor)."""
    a = as_array(x)
    perm = _rng(seed).permutation(a.shape[axis])
    return _wrap(np.take(a, perm, axis=axis))
