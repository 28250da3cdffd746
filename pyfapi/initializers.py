"""Weight initializers, as ``keras.initializers`` (Keras 3 names, arguments and formulas).

An initializer is called as ``init(shape, dtype="float32")`` and returns a new C-contiguous
``numpy.ndarray`` of that shape and dtype (``add_weight`` wraps it in a ``Variable``).

Randomness: an initializer built with ``seed=None`` draws from the global generator
(:func:`pyfapi.utils.random.global_rng`, reseeded by ``pyfapi.utils.set_random_seed``), so two
layers get different values and a whole model is reproducible after ``set_random_seed``. With an
integer ``seed`` every call returns the same values (Keras 3 documents the same for seeded
initializers).

Formulas (source: keras/src/initializers/random_initializers.py, Keras 3):
fans of a shape: () -> (1, 1); (n,) -> (n, n); (a, b) -> (a, b);
(k..., a, b) -> (a*prod(k), b*prod(k)).
VarianceScaling: ``n`` = fan_in / fan_out / their mean by ``mode``; ``s = scale / max(1, n)``;
truncated_normal: std = sqrt(s) / .87962566103423978 cut at 2 std; untruncated_normal: std =
sqrt(s); uniform: U(-sqrt(3 s), sqrt(3 s)).
GlorotUniform = VS(1, fan_avg, uniform); GlorotNormal = VS(1, fan_avg, truncated_normal);
HeNormal = VS(2, fan_in, truncated_normal); HeUniform = VS(2, fan_in, uniform);
LecunNormal = VS(1, fan_in, truncated_normal); LecunUniform = VS(1, fan_in, uniform).
Orthogonal: QR of a (max(r, c), min(r, c)) standard normal matrix, r = prod(shape[:-1]),
c = shape[-1], Q's columns multiplied by sign(diag(R)), transposed when r < c, times ``gain``.
"""
from __future__ import annotations

import math

import numpy as np

from pyfapi.utils.random import make_rng
from pyfapi.utils.serialization import (Configurable, deserialize_object, get_object,
                                       serialize_object)

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
    "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal",
    "LecunUniform", "Orthogonal", "Identity", "get", "serialize", "deserialize", "compute_fans",
    "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
    "variance_scaling", "orthogonal", "identity", "glorot_uniform", "glorot_normal", "he_normal",
    "he_uniform", "lecun_normal", "lecun_uniform", "IdentityInitializer", "OrthogonalInitializer",
]


def _check_shape(shape, who):
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"{who}: shape must be a tuple of integers, received {shape!r}") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{who}: shape must have non-negative dimensions, received {shape}")
    return shape


def _check_dtype(dtype, who):
    dtype = np.dtype("float32" if dtype is None else dtype)
    if dtype.kind != "f":
        raise ValueError(f"{who}: only floating dtypes can be initialized, received {dtype}")
    return dtype


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape, as Keras 3's ``compute_fans``; when both
    ``input_axes`` and ``output_axes`` are given, the fans are the products of those axes."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (int(math.prod(shape[a] for a in input_axes)),
                int(math.prod(shape[a] for a in output_axes)))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _truncated_normal(rng, shape, mean, stddev):
    """Normal(mean, stddev) samples redrawn until inside mean +- 2 stddev (as TF/Keras)."""
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out * stddev + mean


class Initializer(Configurable):
    """Base class: subclasses implement ``__call__(shape, dtype=None)`` and ``get_config``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(_check_shape(shape, "Zeros"), dtype=_check_dtype(dtype, "Zeros"))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(_check_shape(shape, "Ones"), dtype=_check_dtype(dtype, "Ones"))


class Constant(Initializer):
    """All equal to ``value`` (a scalar). ``Constant(value=0.0)`` as Keras."""

    def __init__(self, value=0.0):
        if np.ndim(value) != 0:
            raise ValueError(f"Constant: value must be a scalar, received shape {np.shape(value)}")
        self.value = float(value)

    def __call__(self, shape, dtype=None):
        return np.full(_check_shape(shape, "Constant"), self.value,
                       dtype=_check_dtype(dtype, "Constant"))

    def get_config(self):
        """``{"value"}``."""
        return {"value": self.value}


class _Random(Initializer):
    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"{type(self).__name__}: seed must be None or an integer, "
                             f"received {seed!r}")
        self.seed = None if seed is None else int(seed)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(_Random):
    """Normal(mean, stddev). Keras defaults ``mean=0.0, stddev=0.05``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None):
        shape, dtype = _check_shape(shape, "RandomNormal"), _check_dtype(dtype, "RandomNormal")
        return (make_rng(self.seed).standard_normal(shape) * self.stddev + self.mean).astype(dtype)

    def get_config(self):
        """``{"mean", "stddev", "seed"}``."""
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Random):
    """Uniform[minval, maxval). Keras defaults ``minval=-0.05, maxval=0.05``."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, dtype=None):
        shape, dtype = _check_shape(shape, "RandomUniform"), _check_dtype(dtype, "RandomUniform")
        return make_rng(self.seed).uniform(self.minval, self.maxval, shape).astype(dtype)

    def get_config(self):
        """``{"minval", "maxval", "seed"}``."""
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Random):
    """Normal(mean, stddev) truncated at 2 stddev (redrawn). Keras defaults ``0.0, 0.05``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None):
        shape = _check_shape(shape, "TruncatedNormal")
        dtype = _check_dtype(dtype, "TruncatedNormal")
        return _truncated_normal(make_rng(self.seed), shape, self.mean, self.stddev).astype(dtype)

    def get_config(self):
        """``{"mean", "stddev", "seed"}``."""
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Random):
    """Scale-aware initializer (see the module docstring for the formulas).

    Args:
        scale: positive float (default 1.0).
        mode: "fan_in" (default), "fan_out" or "fan_avg".
        distribution: "truncated_normal" (default), "untruncated_normal" or "uniform".
        seed: None or int.
        input_axes, output_axes: optional lists of axes whose sizes multiply to fan_in /
            fan_out (Keras 3.15; both or neither).

    Raises:
        ValueError: non-positive scale, unknown mode or distribution.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        super().__init__(seed)
        self.input_axes = None if input_axes is None else [int(a) for a in input_axes]
        self.output_axes = None if output_axes is None else [int(a) for a in output_axes]
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: scale must be positive, received {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError("VarianceScaling: mode must be one of 'fan_in', 'fan_out', "
                             f"'fan_avg', received {mode!r}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError("VarianceScaling: distribution must be one of 'truncated_normal', "
                             f"'untruncated_normal', 'uniform', received {distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def __call__(self, shape, dtype=None):
        name = type(self).__name__
        shape, dtype = _check_shape(shape, name), _check_dtype(dtype, name)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        s = self.scale / max(1.0, n)
        rng = make_rng(self.seed)
        if self.distribution == "truncated_normal":
            out = _truncated_normal(rng, shape, 0.0, math.sqrt(s) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            out = rng.standard_normal(shape) * math.sqrt(s)
        else:
            limit = math.sqrt(3.0 * s)
            out = rng.uniform(-limit, limit, shape)
        return out.astype(dtype)

    def get_config(self):
        """``{"scale", "mode", "distribution", "seed", "input_axes", "output_axes"}``."""
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _FixedVS(VarianceScaling):
    _args = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(*self._args, seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_FixedVS):
    """U(-l, l), l = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio 2010). Keras kernel default."""
    _args = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVS):
    """Truncated normal, std = sqrt(2 / (fan_in + fan_out)) / .8796 (before truncation)."""
    _args = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_FixedVS):
    """Truncated normal, std = sqrt(2 / fan_in) / .8796 (He et al. 2015)."""
    _args = (2.0, "fan_in", "truncated_normal")


class HeUniform(_FixedVS):
    """U(-l, l), l = sqrt(6 / fan_in) (He et al. 2015)."""
    _args = (2.0, "fan_in", "uniform")


class LecunNormal(_FixedVS):
    """Truncated normal, std = sqrt(1 / fan_in) / .8796 (LeCun 1998)."""
    _args = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVS):
    """U(-l, l), l = sqrt(3 / fan_in)."""
    _args = (1.0, "fan_in", "uniform")


class Orthogonal(_Random):
    """Orthogonal matrix (Saxe et al. 2014), reshaped to ``shape``; Keras's LSTM recurrent default.

    Raises:
        ValueError: ``shape`` has fewer than 2 dimensions.
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        shape, dtype = _check_shape(shape, "Orthogonal"), _check_dtype(dtype, "Orthogonal")
        if len(shape) < 2:
            raise ValueError("Orthogonal: the tensor to initialize must be at least "
                             f"two-dimensional, received shape {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        if rows == 0 or cols == 0:
            return np.zeros(shape, dtype=dtype)
        a = make_rng(self.seed).standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        d = np.sign(np.diag(r))
        d[d == 0] = 1.0
        q = q * d
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        """``{"gain", "seed"}``."""
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        shape, dtype = _check_shape(shape, "Identity"), _check_dtype(dtype, "Identity")
        if len(shape) != 2:
            raise ValueError(f"Identity: shape must be 2-D, received {shape}")
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self):
        """``{"gain"}``."""
        return {"gain": self.gain}


_CLASSES = {c.__name__: c for c in (
    Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
    GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, Orthogonal,
    Identity)}
_ALIASES = {
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "random_normal": RandomNormal, "normal": RandomNormal, "random_uniform": RandomUniform,
    "uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
    "identity": Identity,
}

# keras.initializers' lower-case names are the classes themselves (``glorot_uniform(seed=1)``),
# as are Keras's longer class aliases
zeros, ones, constant = Zeros, Ones, Constant
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_uniform, glorot_normal, he_normal, he_uniform = GlorotUniform, GlorotNormal, HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal


def serialize(initializer):
    """Keras 3 config ``{"module": "keras.initializers", "class_name", "config",
    "registered_name"}`` of an :class:`Initializer` (None -> None; other callables as is)."""
    return serialize_object(initializer, Initializer, "keras.initializers")


def deserialize(config, custom_objects=None):
    """Inverse of :func:`serialize` (Keras 2 ``{"class_name", "config"}`` dicts too).

    Raises:
        ValueError: not a config dict, or an unknown class name (lists the known ones).
    """
    return deserialize_object(config, "initializer", _CLASSES, _ALIASES, custom_objects)


def get(identifier):
    """An initializer from None, a name (``'glorot_uniform'`` or ``'GlorotUniform'``), a config
    dict, a class, an instance or any callable ``f(shape, dtype=None)`` (returned as is).

    Raises:
        ValueError: an unknown name or an identifier that is not callable.
    """
    return get_object(identifier, "initializer", (_ALIASES, _CLASSES), deserialize)
