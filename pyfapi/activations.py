"""Activation functions by name, as ``keras.activations`` (Keras 3).

Every function takes a tensor (``Tensor``, ``Variable`` or ``numpy.ndarray``) and returns a
``Tensor`` of the same shape computed with :mod:`pyfapi.ops`, so it is differentiable on a
``GradientTape``. ``get(name)`` resolves ``"relu"``, ``"softmax"``, ... ; ``get(None)`` is
``linear``. ``serialize(fn)`` returns the name Keras stores in layer configs.

Formulas (source: keras/src/activations/activations.py):
linear(x) = x; relu(x) = max(x, 0) (with Keras's negative_slope / max_value / threshold);
sigmoid(x) = 1 / (1 + exp(-x)); tanh; softmax(x, axis=-1) = exp(x - max) / sum(exp(x - max));
elu(x, alpha=1) = x if x > 0 else alpha (exp(x) - 1);
selu(x) = 1.0507009873554805 * elu(x, 1.6732632423543772);
softplus(x) = log(1 + exp(x)) (computed as max(x, 0) + log(1 + exp(-|x|)));
softsign(x) = x / (1 + |x|); gelu(x, approximate=False) = x/2 (1 + erf(x / sqrt 2)),
approximate: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); swish = silu(x) = x sigmoid(x);
exponential(x) = exp(x); hard_sigmoid(x) = relu6(x + 3) / 6; leaky_relu(x, 0.2);
relu6 = min(max(x, 0), 6); log_softmax(x, axis=-1); mish(x) = x tanh(softplus(x));
hard_silu = hard_swish = x hard_sigmoid(x); hard_tanh = clip(x, -1, 1); log_sigmoid;
celu(x, alpha=1) = max(x, 0) + min(0, alpha (exp(x / alpha) - 1)); glu(x, axis=-1) = a sigmoid(b);
hard_shrink / soft_shrink (threshold 0.5); tanh_shrink = x - tanh x; sparse_plus; sparse_sigmoid;
squareplus(x, b=4) = (x + sqrt(x^2 + b)) / 2; sparsemax(x, axis=-1); threshold(x, t, default).
Every name of Keras 3.15's ``keras.activations`` resolves through :func:`get`.
"""
from __future__ import annotations

import math

from pyfapi import ops
from pyfapi.utils.object_registration import get_registered_name, resolve
from pyfapi.utils.serialization import get_object

__all__ = [
    "linear", "relu", "relu6", "leaky_relu", "sigmoid", "hard_sigmoid", "tanh", "softmax",
    "log_softmax", "elu", "selu", "softplus", "softsign", "gelu", "swish", "silu", "exponential",
    "mish", "hard_silu", "hard_swish", "hard_tanh", "log_sigmoid", "celu", "glu", "hard_shrink",
    "soft_shrink", "tanh_shrink", "sparse_plus", "sparse_sigmoid", "squareplus", "sparsemax",
    "threshold", "get", "serialize", "deserialize",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _op(name):
    """The pyfapi.ops function ``name`` if the op exists, else None (lets a fused op be used)."""
    return getattr(ops, name, None)


def linear(x):
    """Identity: returns ``x`` unchanged (no op recorded)."""
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0); with Keras 3's options (keras.src.activations.ReLU.static_call)::

        pos = x * (x > threshold) if threshold else relu(x);  pos = clip(pos, 0, max_value)
        y = pos - negative_slope * relu(threshold - x)
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    if threshold != 0.0:
        pos = ops.where(ops.greater(x, threshold), x, 0.0)
    elif max_value is not None and float(max_value) == 6.0:
        pos = ops.relu6(x)
        max_value = None
    else:
        pos = ops.relu(x)
    if max_value is not None:
        pos = ops.clip(pos, 0.0, float(max_value))
    if negative_slope != 0.0:
        neg = ops.relu(ops.subtract(threshold, x)) if threshold != 0.0 else ops.relu(ops.negative(x))
        pos = ops.subtract(pos, ops.multiply(negative_slope, neg))
    return pos


def relu6(x):
    """min(max(x, 0), 6)."""
    fused = _op("relu6")
    return fused(x) if fused is not None else ops.minimum(ops.relu(x), 6.0)


def leaky_relu(x, negative_slope=0.2):
    """x if x > 0 else negative_slope * x (Keras default slope 0.2)."""
    return relu(x, negative_slope=negative_slope)


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(x)


def hard_sigmoid(x):
    """relu6(x + 3) / 6 (Keras 3 definition)."""
    fused = _op("hard_sigmoid")
    if fused is not None:
        return fused(x)
    return ops.divide(relu6(ops.add(x, 3.0)), 6.0)


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis`` (stabilised by the max).

    As Keras 3, the output (along the last axis) remembers its logits (``_keras_logits``):
    :func:`pyfapi.losses.categorical_crossentropy` and ``sparse_categorical_crossentropy`` then
    compute the loss from them with a fused log-softmax (see :mod:`pyfapi.losses`).

    Raises:
        ValueError: ``x`` is a scalar (Keras: softmax needs at least one axis).
    """
    if getattr(x, "ndim", 1) == 0:
        raise ValueError("softmax: cannot apply softmax to a scalar (0-D) input; it needs an "
                         "axis to normalise over")
    out = ops.softmax(x, axis=axis)
    if axis == -1 or axis == getattr(x, "ndim", 0) - 1:
        # Keras 3 (activations.softmax): cache the logits on the output; categorical / sparse
        # categorical crossentropy then use them (from_logits) instead of log(clip(p)).
        try:
            out._keras_logits = x
        except AttributeError:  # not an eager Tensor (e.g. a symbolic KerasTensor)
            pass
    return out


def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``."""
    return ops.log_softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1). exp is taken of min(x, 0) so it never overflows."""
    fused = _op("elu")
    if fused is not None:
        return fused(x, alpha=alpha)
    neg = ops.multiply(alpha, ops.subtract(ops.exp(ops.minimum(x, 0.0)), 1.0))
    return ops.where(ops.greater(x, 0.0), x, neg)


def selu(x):
    """scale * elu(x, alpha) with Klambauer et al.'s constants."""
    fused = _op("selu")
    if fused is not None:
        return fused(x)
    return ops.multiply(_SELU_SCALE, elu(x, _SELU_ALPHA))


def softplus(x):
    """log(1 + exp(x)), computed as max(x, 0) + log(1 + exp(-|x|))."""
    fused = _op("softplus")
    if fused is not None:
        return fused(x)
    return ops.add(ops.relu(x), ops.log(ops.add(1.0, ops.exp(ops.negative(ops.abs(x))))))


def softsign(x):
    """x / (1 + |x|)."""
    fused = _op("softsign")
    if fused is not None:
        return fused(x)
    return ops.divide(x, ops.add(1.0, ops.abs(x)))


def gelu(x, approximate=False):
    """Gaussian error linear unit (Hendrycks & Gimpel 2016); Keras default ``approximate=False``.

    Exact form uses ``ops.gelu`` or ``ops.erf`` when the op registry has them.

    Raises:
        NotImplementedError: exact gelu requested and neither ``ops.gelu`` nor ``ops.erf`` exists.
    """
    fused = _op("gelu")
    if fused is not None:
        return fused(x, approximate=approximate)
    if approximate:
        c = math.sqrt(2.0 / math.pi)
        inner = ops.multiply(c, ops.add(x, ops.multiply(0.044715, ops.power(x, 3.0))))
        return ops.multiply(ops.multiply(0.5, x), ops.add(1.0, ops.tanh(inner)))
    erf = _op("erf")
    if erf is None:
        raise NotImplementedError("gelu(approximate=False) needs ops.gelu or ops.erf, which "
                                  "pyfapi.ops does not provide yet")
    return ops.multiply(ops.multiply(0.5, x),
                        ops.add(1.0, erf(ops.multiply(x, 1.0 / math.sqrt(2.0)))))


def silu(x):
    """x * sigmoid(x) (a.k.a. swish)."""
    fused = _op("silu")
    if fused is not None:
        return fused(x)
    return ops.multiply(x, ops.sigmoid(x))


swish = silu


def exponential(x):
    """exp(x)."""
    return ops.exp(x)


def mish(x):
    """x * tanh(softplus(x)) (Misra 2019)."""
    return ops.multiply(x, ops.tanh(softplus(x)))


def hard_silu(x):
    """x * hard_sigmoid(x) = x * relu6(x + 3) / 6 (a.k.a. hard_swish)."""
    return ops.hard_silu(x)


hard_swish = hard_silu


def hard_tanh(x):
    """clip(x, -1, 1)."""
    return ops.clip(x, -1.0, 1.0)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return ops.log_sigmoid(x)


def celu(x, alpha=1.0):
    """max(x, 0) + min(0, alpha (exp(x / alpha) - 1)) (Barron 2017)."""
    neg = ops.multiply(alpha, ops.expm1(ops.divide(ops.minimum(x, 0.0), alpha)))
    return ops.add(ops.relu(x), neg)


def glu(x, axis=-1):
    """Gated linear unit: a * sigmoid(b) with (a, b) the two halves of x along ``axis``.

    Raises:
        ValueError: the size of ``axis`` is odd.
    """
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"glu: axis {axis} must have an even size, received shape "
                         f"{tuple(x.shape)}")
    a, b = ops.split(x, 2, axis=axis)
    return ops.multiply(a, ops.sigmoid(b))


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return ops.where(ops.greater(ops.abs(x), threshold), x, 0.0)


def soft_shrink(x, threshold=0.5):
    """x - threshold if x > threshold, x + threshold if x < -threshold, else 0."""
    return ops.where(ops.greater(x, threshold), ops.subtract(x, threshold),
                     ops.where(ops.less(x, -threshold), ops.add(x, threshold), 0.0))


def tanh_shrink(x):
    """x - tanh(x)."""
    return ops.subtract(x, ops.tanh(x))


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)^2 / 4 between."""
    mid = ops.multiply(0.25, ops.square(ops.add(x, 1.0)))
    return ops.where(ops.less_equal(x, -1.0), 0.0, ops.where(ops.greater_equal(x, 1.0), x, mid))


def sparse_sigmoid(x):
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between."""
    return ops.clip(ops.multiply(0.5, ops.add(x, 1.0)), 0.0, 1.0)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2 (So 2021)."""
    return ops.multiply(0.5, ops.add(x, ops.sqrt(ops.add(ops.square(x), float(b)))))


def sparsemax(x, axis=-1):
    """Euclidean projection of x onto the probability simplex along ``axis`` (Martins &
    Astudillo 2016)."""
    return ops.sparsemax(x, axis=axis)


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    return ops.where(ops.greater(x, threshold), x, default_value)


_BY_NAME = {
    "linear": linear, "relu": relu, "relu6": relu6, "leaky_relu": leaky_relu,
    "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid, "tanh": tanh, "softmax": softmax,
    "log_softmax": log_softmax, "elu": elu, "selu": selu, "softplus": softplus,
    "softsign": softsign, "gelu": gelu, "swish": swish, "silu": silu,
    "exponential": exponential, "mish": mish, "hard_silu": hard_silu, "hard_swish": hard_swish,
    "hard_tanh": hard_tanh, "log_sigmoid": log_sigmoid, "celu": celu, "glu": glu,
    "hard_shrink": hard_shrink, "soft_shrink": soft_shrink, "tanh_shrink": tanh_shrink,
    "sparse_plus": sparse_plus, "sparse_sigmoid": sparse_sigmoid, "squareplus": squareplus,
    "sparsemax": sparsemax, "threshold": threshold,
}
_NAME_OF = {id(fn): name for name, fn in _BY_NAME.items() if name not in ("silu", "hard_silu")}
_NAME_OF[id(silu)] = "silu"
_NAME_OF[id(hard_silu)] = "hard_silu"


def get(identifier):
    """The activation function for ``identifier``: a name, a callable (returned as is) or
    ``None`` (-> :func:`linear`).

    Raises:
        ValueError: unknown name or an object that is neither a string nor callable.
    """
    return get_object(identifier, "activation function", _BY_NAME, deserialize, none=linear)


def serialize(fn):
    """What Keras 3 stores in a layer config: a built-in activation's name, or for a custom
    function ``{"module": "builtins", "class_name": "function", "config": <registered name>,
    "registered_name": "function"}`` (found again on load through
    ``@pyfapi.saving.register_keras_serializable()``, ``custom_objects`` or
    ``custom_object_scope``).

    Raises:
        ValueError: ``fn`` is neither a built-in activation nor a named module-level function.
    """
    name = _NAME_OF.get(id(fn))
    if name is not None:
        return name
    fname = getattr(fn, "__name__", None)
    if not callable(fn) or fname is None or fname == "<lambda>":
        raise ValueError(f"Cannot serialize activation {fn!r}: use a built-in name, or a named "
                         "function registered with @pyfapi.saving.register_keras_serializable()")
    return {"module": "builtins", "class_name": "function", "config": get_registered_name(fn),
            "registered_name": "function"}


def deserialize(config, custom_objects=None):
    """A name or ``{"class_name": name, ...}`` dict -> the activation function.

    Raises:
        ValueError: an unknown name, or a custom function that is neither registered nor in
            ``custom_objects`` / a ``custom_object_scope``.
    """
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
        fn = resolve(custom_objects).get(name)
        if fn is None:
            short = name.split(">", 1)[-1] if isinstance(name, str) else name
            raise ValueError(f"Could not locate function {name!r}: register it with "
                             f"@pyfapi.saving.register_keras_serializable() or pass "
                             f"custom_objects={{{short!r}: fn}}")
        return fn
    if isinstance(config, dict):
        inner = config.get("config")
        name = inner.get("name") if isinstance(inner, dict) else inner
        if name is None:  # {"class_name": "relu", "config": {}}: the class name is the name
            name = config.get("class_name")
        if not isinstance(name, str):
            raise ValueError(f"Could not interpret activation function identifier: {config!r}")
        config = name
    return get(config)
