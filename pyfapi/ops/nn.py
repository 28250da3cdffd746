"""Activations, softmax and fused losses (``keras.ops`` / ``keras.ops.nn`` names).

Formulas: Keras 3 ``keras/src/activations`` and ``keras/src/ops/nn.py`` definitions; derivatives
are the standard closed forms (see each op).
"""
from __future__ import annotations

import math as _math

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels import elementwise as _ew
from pyfapi.kernels import softmax as _softmax_kernels
from pyfapi.ops import math as _m  # _m.USE_GEMM_KERNEL is read per call (benchmarks switch it)
from pyfapi.ops._common import FLOAT32, as_float, extremum_keepdims, norm_axes

_sum = np.add.reduce
_errstate = np.errstate


def _clip(x, lo, hi):
    """``np.clip(x, lo, hi)`` for scalar bounds (same values, NaN kept) without its Python wrapper."""
    y = np.maximum(x, lo)
    if type(y) is not np.ndarray:  # a 0-d input gives a numpy scalar (as np.clip does)
        return np.minimum(y, hi)
    return np.minimum(y, hi, out=y)

__all__ = [
    "normalize",
    "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid", "silu",
    "swish", "hard_silu", "hard_swish", "softplus", "softsign", "tanh", "log_sigmoid", "softmax",
    "log_softmax", "one_hot", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_crossentropy", "linear",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _axis1(axis, ndim, op):
    return norm_axes(axis, ndim, op)[0]


@register
class Relu(Op):
    """``y = max(x, 0)`` (NaN in, NaN out, as keras.ops.relu and PyTorch, and as the fused GEMM /
    conv epilogues); VJP ``where(y > 0, g, 0)`` (0 at x = 0 and at NaN, as JAX)."""
    name = "relu"

    @staticmethod
    def forward(ctx, x):
        """Returns ``max(x, 0)`` (input dtype) and saves it."""
        y = np.maximum(x, 0)
        ctx.saved = y
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``where(y > 0, g, 0)`` (the fused kernels' mask: a NaN g where y <= 0 gives 0)."""
        return np.where(ctx.saved > 0, g, np.zeros((), g.dtype))


@register
class Relu6(Op):
    """``y = clip(x, 0, 6)``; VJP ``g * (0 < x < 6)``."""
    name = "relu6"

    @staticmethod
    def forward(ctx, x):
        """Returns ``clip(x, 0, 6)``."""
        ctx.saved = x
        return np.clip(x, 0, 6)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * ((x > 0) & (x < 6))``."""
        x = ctx.saved
        return g * ((x > 0) & (x < 6))


@register
class LeakyRelu(Op):
    """``y = x if x >= 0 else negative_slope * x`` (ints cast to float32); VJP ``g`` or ``g *
    slope``.
    """
    name = "leaky_relu"

    @staticmethod
    def forward(ctx, x, negative_slope=0.2):
        """Returns ``where(x >= 0, x, negative_slope * x)``."""
        x = as_float(x)  # ints -> float32 (as Keras): the slope must not be cast to an int dtype
        ctx.saved = x
        ctx.slope = negative_slope
        return np.where(x >= 0, x, x * np.asarray(negative_slope, x.dtype))

    @staticmethod
    def backward(ctx, g):
        """Returns ``where(x >= 0, g, g * negative_slope)``."""
        x = ctx.saved
        return np.where(x >= 0, g, g * np.asarray(ctx.slope, g.dtype))


@register
class Elu(Op):
    """``x`` for x > 0 else ``alpha * (exp(x) - 1)``; derivative ``alpha * exp(x)`` there."""
    name = "elu"

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        """Returns ``where(x > 0, x, alpha * expm1(x))``."""
        x = as_float(x)
        e = np.expm1(np.minimum(x, 0))
        ctx.saved = (x, e)
        ctx.alpha = alpha
        return np.where(x > 0, x, np.asarray(alpha, x.dtype) * e)

    @staticmethod
    def backward(ctx, g):
        """Returns ``where(x > 0, g, g * alpha * exp(x))``."""
        x, e = ctx.saved
        return np.where(x > 0, g, g * (np.asarray(ctx.alpha, g.dtype) * (e + 1)))


@register
class Selu(Op):
    """``scale * elu(x, alpha)`` with the SELU constants (Klambauer et al. 2017)."""
    name = "selu"

    @staticmethod
    def forward(ctx, x):
        """Returns ``scale * where(x > 0, x, alpha * expm1(x))``."""
        x = as_float(x)
        e = np.expm1(np.minimum(x, 0))
        ctx.saved = (x, e)
        return np.asarray(_SELU_SCALE, x.dtype) * np.where(x > 0, x, np.asarray(_SELU_ALPHA, x.dtype) * e)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * scale * where(x > 0, 1, alpha * exp(x))``."""
        x, e = ctx.saved
        d = np.where(x > 0, 1, _SELU_ALPHA * (e + 1)).astype(g.dtype)
        return g * (np.asarray(_SELU_SCALE, g.dtype) * d)


@register
class Sigmoid(Op):
    """``y = 1 / (1 + exp(-x))`` computed stably; VJP ``g * y * (1 - y)``."""
    name = "sigmoid"

    @staticmethod
    def forward(ctx, x):
        """Returns ``sigmoid(x)`` (exp of non-positive values only) and saves it."""
        x = as_float(x)
        # Stable for large |x|: exp of a non-positive number only.
        e = np.exp(-np.abs(x))
        y = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.saved = y
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * y * (1 - y)``."""
        y = ctx.saved
        return g * y * (1 - y)


@register
class HardSigmoid(Op):
    """Keras 3: ``relu6(x + 3) / 6``."""
    name = "hard_sigmoid"

    @staticmethod
    def forward(ctx, x):
        """Returns ``clip(x / 6 + 0.5, 0, 1)``."""
        x = as_float(x)
        ctx.saved = x
        return np.clip(x / 6 + 0.5, 0, 1)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g / 6`` where ``-3 < x < 3``, else 0."""
        x = ctx.saved
        return np.where((x > -3) & (x < 3), g / 6, 0).astype(g.dtype)


@register
class Silu(Op):
    """``x * sigmoid(x)``; derivative ``s * (1 + x * (1 - s))``."""
    name = "silu"

    @staticmethod
    def forward(ctx, x):
        """Returns ``x * sigmoid(x)`` (stable sigmoid)."""
        x = as_float(x)
        e = np.exp(-np.abs(x))
        s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.saved = (x, s)
        return x * s

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * s * (1 + x * (1 - s))``, s = sigmoid(x)."""
        x, s = ctx.saved
        return g * (s * (1 + x * (1 - s)))


@register
class HardSilu(Op):
    """Keras 3 ``hard_silu``: ``x * relu6(x + 3) / 6``."""
    name = "hard_silu"

    @staticmethod
    def forward(ctx, x):
        """Returns ``x * clip(x / 6 + 0.5, 0, 1)``."""
        x = as_float(x)
        ctx.saved = x
        return x * np.clip(x / 6 + 0.5, 0, 1)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * d``, d = 0 for x <= -3, 1 for x >= 3, else ``x / 3 + 0.5``."""
        x = ctx.saved
        d = np.where(x <= -3, 0, np.where(x >= 3, 1, x / 3 + 0.5))
        return g * d.astype(g.dtype)


@register
class Softplus(Op):
    """``log(1 + exp(x))`` computed as ``logaddexp(0, x)``; derivative ``sigmoid(x)``."""
    name = "softplus"

    @staticmethod
    def forward(ctx, x):
        """Returns ``logaddexp(0, x)`` in x's float dtype."""
        x = as_float(x)
        ctx.saved = x
        return np.logaddexp(0, x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * sigmoid(x)``."""
        x = ctx.saved
        e = np.exp(-np.abs(x))
        return g * np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@register
class LogSigmoid(Op):
    """``-softplus(-x)``; derivative ``sigmoid(-x)``."""
    name = "log_sigmoid"

    @staticmethod
    def forward(ctx, x):
        """Returns ``-logaddexp(0, -x)``."""
        x = as_float(x)
        ctx.saved = x
        return -np.logaddexp(0, -x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * sigmoid(-x)``."""
        x = -ctx.saved
        e = np.exp(-np.abs(x))
        return g * np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@register
class Softsign(Op):
    """``x / (1 + |x|)``; derivative ``1 / (1 + |x|)^2``."""
    name = "softsign"

    @staticmethod
    def forward(ctx, x):
        """Returns ``x / (1 + |x|)``."""
        x = as_float(x)
        d = 1 + np.abs(x)
        ctx.saved = d
        return x / d

    @staticmethod
    def backward(ctx, g):
        """Returns ``g / (1 + |x|)**2``."""
        d = ctx.saved
        return g / (d * d)


@register
class Tanh(Op):
    """``y = tanh(x)`` (ints cast to float); VJP ``g * (1 - y**2)``."""
    name = "tanh"

    @staticmethod
    def forward(ctx, x):
        """Returns ``tanh(x)`` and saves it."""
        y = np.tanh(as_float(x))
        ctx.saved = y
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * (1 - y * y)``."""
        y = ctx.saved
        return g * (1 - y * y)


_erf = np.vectorize(_math.erf, otypes=[np.float64])
_SQRT_2_OVER_PI = _math.sqrt(2 / _math.pi)


@register
class Gelu(Op):
    """GELU (Hendrycks & Gimpel). ``approximate=True`` (Keras default): the tanh form
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``; else ``x * Phi(x)`` with the exact erf."""
    name = "gelu"

    @staticmethod
    def forward(ctx, x, approximate=True):
        """Returns the tanh-approximate or exact-erf GELU of x."""
        x = as_float(x)
        ctx.approximate = approximate
        if approximate:
            u = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
            t = np.tanh(u)
            ctx.saved = (x, t)
            return 0.5 * x * (1 + t)
        cdf = (0.5 * (1 + _erf(x / _math.sqrt(2)))).astype(x.dtype, copy=False)
        ctx.saved = (x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx, g):
        """Tanh form: ``g * (0.5 (1 + t) + 0.5 x (1 - t^2) du/dx)``; exact: ``g * (Phi(x) + x *
        phi(x))``.
        """
        x, t = ctx.saved
        if ctx.approximate:
            du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        pdf = np.exp(-0.5 * x * x) / _math.sqrt(2 * _math.pi)
        return g * (t + x * pdf)


def _normalization_axes(axis, ndim, op):
    """Softmax / log_softmax axes: a tuple of non-negative axes; None means every axis."""
    return tuple(range(ndim)) if axis is None else norm_axes(axis, ndim, op)


@register
class Softmax(Op):
    """``exp(x - max) / sum(exp(x - max))`` along ``axis``; VJP ``y * (g - sum(g * y))``.
    float32 over the last axis runs the fused C++ row kernels (pyfapi.kernels.softmax)."""
    name = "softmax"

    @staticmethod
    def forward(ctx, x, axis=-1):
        """Returns softmax along ``axis`` (None: all axes); ValueError for an out-of-range axis."""
        x = as_float(x)
        ctx.axis = axis = _normalization_axes(axis, x.ndim, "softmax")
        if x.size == 0:  # nothing to normalise (numpy's max has no identity for an empty axis)
            ctx.saved = e = np.empty_like(x)
            return e
        if x.dtype == FLOAT32 and axis == (x.ndim - 1,):  # the fused C++ row kernel
            ctx.saved = e = _softmax_kernels.softmax_forward(x)
            return e
        with _errstate(invalid="ignore"):  # an all -inf (or inf/nan) row: -inf - -inf -> nan, as TF
            e = np.exp(x - extremum_keepdims(x, axis))
            e /= _sum(e, axis=axis, keepdims=True)
        ctx.saved = e
        return e

    @staticmethod
    def backward(ctx, g):
        """Returns ``y * (g - sum(g * y, axis))``."""
        y = ctx.saved
        if y.dtype == FLOAT32 and ctx.axis == (y.ndim - 1,) and y.size:
            return _softmax_kernels.softmax_backward(g, y)
        gy = g * y
        gy -= y * _sum(gy, axis=ctx.axis, keepdims=True)
        return gy


@register
class LogSoftmax(Op):
    """``x - logsumexp(x)`` along ``axis``; VJP ``g - softmax(x) * sum(g)``."""
    name = "log_softmax"

    @staticmethod
    def forward(ctx, x, axis=-1):
        """Returns ``z - log(sum(exp(z)))``, ``z = x - max(x)``, along ``axis`` (None: all axes)."""
        x = as_float(x)
        ctx.axis = axis = _normalization_axes(axis, x.ndim, "log_softmax")
        if x.size == 0:  # nothing to normalise (numpy's max has no identity for an empty axis)
            ctx.saved = y = np.empty_like(x)
            return y
        with _errstate(invalid="ignore"):  # an all -inf (or inf/nan) row: nan, as TF
            z = x - extremum_keepdims(x, axis)
            y = z - np.log(_sum(np.exp(z), axis=axis, keepdims=True))
        ctx.saved = y
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``g - exp(y) * sum(g, axis)``."""
        y = ctx.saved
        return g - np.exp(y) * g.sum(axis=ctx.axis, keepdims=True)


@register
class OneHot(Op):
    """``one_hot(x, num_classes, axis=-1, dtype="float32")``; out-of-range indices give zeros."""
    name = "one_hot"
    differentiable = False

    @staticmethod
    def forward(ctx, x, num_classes, axis=-1, dtype="float32"):
        """Returns ``(x[..., None] == arange(num_classes))`` as ``dtype``, moved to ``axis``.
        Raises TypeError if x holds non-integer values.
        """
        if x.dtype.kind not in "iu":
            if x.dtype.kind == "f" and np.all(x == np.round(x)):
                x = x.astype(np.int64)
            else:
                raise TypeError(f"one_hot: x must hold integers, got dtype {x.dtype}")
        y = (x[..., None] == np.arange(num_classes)).astype(dtype)
        if axis != -1 and axis != x.ndim:
            y = np.moveaxis(y, -1, axis)
        return y

    @staticmethod
    def backward(ctx, g):  # pragma: no cover
        """Never called (one_hot is not differentiable); raises RuntimeError."""
        raise RuntimeError("one_hot is not differentiable")


@register
class CategoricalCrossentropy(Op):
    """Per-sample ``-sum(target * log(p))`` along ``axis`` (Keras ``categorical_crossentropy``).

    ``from_logits=True``: ``p = softmax(output)`` computed stably via log_softmax; gradient w.r.t.
    logits ``g * (softmax * sum(target) - target)``. Else ``output`` is rescaled to sum 1 and
    clipped to ``[eps, 1 - eps]`` (eps = 1e-7) as Keras does.
    """
    name = "categorical_crossentropy"

    @staticmethod
    def forward(ctx, target, output, from_logits=False, axis=-1):
        """target, output same shape ``(..., classes)`` -> per-sample loss (axis removed).
        ValueError if the shapes differ or ``axis`` is out of range.
        """
        output = as_float(output)
        target = target.astype(output.dtype, copy=False)
        if target.shape != output.shape:
            raise ValueError(f"categorical_crossentropy: target shape {target.shape} and output "
                             f"shape {output.shape} must be equal")
        axis = norm_axes(axis, output.ndim, "categorical_crossentropy")[0]
        ctx.from_logits = from_logits
        ctx.axis = axis
        ctx.kernel = False
        if from_logits and output.ndim == 2 and axis == 1 and output.dtype == np.float32:
            # the fused kernel (csrc/softmax/xent.cpp): softmax, log-sum-exp and losses
            loss, y, lse = _softmax_kernels.xent_forward(output, target)
            ctx.kernel = True
            ctx.saved = (target, output, y, lse)
            return loss
        if from_logits:
            if output.size == 0:  # no class / no sample: nothing to normalise (empty max raises)
                logp = np.empty_like(output)
            else:
                z = output - extremum_keepdims(output, (axis,))
                logp = z - np.log(_sum(np.exp(z), axis=axis, keepdims=True))
            ctx.saved = (target, logp)
            return -_sum(target * logp, axis=axis)
        s = _sum(output, axis=axis, keepdims=True)
        with _errstate(divide="ignore", invalid="ignore"):  # an all-zero row: 0/0 = nan, as Keras (TF)
            p = output / s
        eps = 1e-7
        pc = _clip(p, eps, 1 - eps)
        ctx.saved = (target, output, s, p, pc)
        return -_sum(target * np.log(pc), axis=axis)

    @staticmethod
    def backward(ctx, g):
        """Returns ``(d target = -g * log p, d output)``; see the class docstring for the output
        gradient.
        """
        axis = ctx.axis
        nt, no = ctx.needs_input_grad
        if ctx.kernel:
            target, output, y, lse = ctx.saved
            go = _softmax_kernels.xent_backward(g, y, target) if no else None
            gt = -g[:, None] * (output - lse[:, None]) if nt else None  # -g log softmax
            return gt, go
        g = g.reshape(g.shape[:axis] + (1,) + g.shape[axis:])  # expand_dims(g, axis)
        if ctx.from_logits:
            target, logp = ctx.saved
            go = g * (np.exp(logp) * target.sum(axis=axis, keepdims=True) - target) if no else None
            gt = -g * logp if nt else None
            return gt, go
        target, output, s, p, pc = ctx.saved
        gt = -g * np.log(pc) if nt else None
        go = None
        if no:
            # p inside [eps, 1 - eps] <=> clip left it unchanged (NaN: False either way)
            gp = np.where(p == pc, -g * target / pc, 0)
            # p = output / s  ->  d/d output = (gp - sum(gp * p)) / s
            with _errstate(divide="ignore", invalid="ignore"):  # an all-zero row (s = 0)
                go = (gp - _sum(gp * p, axis=axis, keepdims=True)) / s
        return gt, go


@register
class SparseCategoricalCrossentropy(Op):
    """Per-sample ``-log(p[target])`` (Keras ``sparse_categorical_crossentropy``); integer target
    of the output's shape without ``axis``. ``from_logits`` as in categorical_crossentropy."""
    name = "sparse_categorical_crossentropy"

    @staticmethod
    def forward(ctx, target, output, from_logits=False, axis=-1):
        """Integer target (output shape without ``axis``, or size 1 there) -> per-sample loss.
        ValueError for a shape mismatch or a target outside [0, classes).
        """
        output = as_float(output)
        axis = norm_axes(axis, output.ndim, "sparse_categorical_crossentropy")[0]
        if target.ndim == output.ndim and target.shape[axis] == 1:
            target = np.squeeze(target, axis)
        expect = output.shape[:axis] + output.shape[axis + 1:]
        if target.shape != expect:
            raise ValueError(f"sparse_categorical_crossentropy: target shape {target.shape} does not "
                             f"match output shape {output.shape} without axis {axis} ({expect})")
        if target.dtype.kind not in "iu":
            target = target.astype(np.int64)
        n = output.shape[axis]
        if from_logits and output.ndim == 2 and axis == 1 and output.dtype == np.float32:
            # the fused kernel (csrc/softmax/xent.cpp): labels checked, softmax and
            # per-sample losses in one call
            loss, p = _softmax_kernels.sparse_xent_forward(output, target)
            ctx.fast = (None, target, p)
            ctx.from_logits = True
            ctx.axis = axis
            return loss
        if target.size and (target.min() < 0 or target.max() >= n):
            raise ValueError(f"sparse_categorical_crossentropy: target values must be in [0, {n}), "
                             f"got range [{target.min()}, {target.max()}]")
        ctx.axis = axis
        ctx.from_logits = from_logits
        if from_logits and output.size == 0:  # no sample (target is empty too): empty max raises
            ctx.fast = None
            ctx.saved = (np.expand_dims(target, axis), np.empty_like(output))
            return np.zeros(expect, output.dtype)
        if from_logits and output.ndim == 2 and axis == 1:
            # Fast path for (batch, classes) logits: fancy indexing instead of take_along_axis.
            rows = np.arange(output.shape[0])
            z = output - output.max(axis=1, keepdims=True)
            e = np.exp(z)
            s = e.sum(axis=1)
            e /= s[:, None]
            ctx.fast = (rows, target, e)
            return np.log(s) - z[rows, target]
        ctx.fast = None
        idx = np.expand_dims(target, axis)
        if from_logits:
            z = output - output.max(axis=axis, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
            ctx.saved = (idx, logp)
            return -np.take_along_axis(logp, idx, axis).squeeze(axis)
        # Keras 3 (TensorFlow backend): clip the probabilities to [eps, 1 - eps], take their log
        # and apply the softmax cross-entropy to it, i.e. -log(pc[t] / sum(pc)): the row is
        # renormalised AFTER clipping, so an all-zero row gives log(n_classes), not NaN.
        eps = 1e-7
        pc = _clip(output, eps, 1 - eps)
        s = pc.sum(axis=axis, keepdims=True)
        ctx.saved = (idx, output, s, pc)
        return (np.log(s) - np.log(np.take_along_axis(pc, idx, axis))).squeeze(axis)

    @staticmethod
    def backward(ctx, g):
        """Returns ``(None, d output)``; logits: ``g * (softmax - onehot(target))``."""
        if ctx.fast is not None:
            rows, target, p = ctx.fast
            if rows is None:  # the fused kernel's forward
                return None, _softmax_kernels.sparse_xent_backward(g, p, target)
            go = p * g[:, None]
            go[rows, target] -= g
            return None, go
        axis = ctx.axis
        g = np.expand_dims(g, axis)
        if ctx.from_logits:
            idx, logp = ctx.saved
            go = np.exp(logp)
            go *= g
            np.put_along_axis(go, idx, np.take_along_axis(go, idx, axis) - g, axis)
            return None, go
        idx, output, s, pc = ctx.saved
        eps = 1e-7
        # d/d pc_j [log(sum pc) - log(pc_t)] = 1/s - [j == t] / pc_t; clip passes the gradient
        # where eps <= output <= 1 - eps (as tf.clip_by_value), zero elsewhere
        gpc = np.broadcast_to(g / s, pc.shape).astype(pc.dtype)
        np.put_along_axis(gpc, idx, np.take_along_axis(gpc, idx, axis) - g / np.take_along_axis(pc, idx, axis),
                          axis)
        go = np.where((output >= eps) & (output <= 1 - eps), gpc, 0).astype(pc.dtype, copy=False)
        return None, go


@register
class BinaryCrossentropy(Op):
    """Elementwise ``-(t log p + (1 - t) log(1 - p))`` (Keras ``binary_crossentropy``, no mean).

    ``from_logits=True``: stable form ``max(x, 0) - x t + log(1 + exp(-|x|))``; gradient
    ``sigmoid(x) - t``. Else ``p`` is clipped to ``[1e-7, 1 - 1e-7]`` as Keras does.
    """
    name = "binary_crossentropy"

    @staticmethod
    def forward(ctx, target, output, from_logits=False):
        """Elementwise loss, same shape as ``output``; ValueError if target and output shapes
        differ.
        """
        output = as_float(output)
        target = target.astype(output.dtype, copy=False)
        if target.shape != output.shape:
            raise ValueError(f"binary_crossentropy: target shape {target.shape} and output shape "
                             f"{output.shape} must be equal")
        ctx.from_logits = from_logits
        if from_logits:
            ctx.saved = (target, output)
            return np.maximum(output, 0) - output * target + np.log1p(np.exp(-np.abs(output)))
        eps = 1e-7
        pc = _clip(output, eps, 1 - eps)
        ctx.saved = (target, output, pc)
        return -(target * np.log(pc) + (1 - target) * np.log(1 - pc))

    @staticmethod
    def backward(ctx, g):
        """Returns ``(d target, d output)``; logits: ``d output = g * (sigmoid(x) - t)``."""
        nt, no = ctx.needs_input_grad
        if ctx.from_logits:
            t, x = ctx.saved
            e = np.exp(-np.abs(x))
            s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
            return (-g * x if nt else None), (g * (s - t) if no else None)
        t, p, pc = ctx.saved
        eps = 1e-7
        gt = -g * (np.log(pc) - np.log(1 - pc)) if nt else None
        go = None
        if no:
            go = np.where((p >= eps) & (p <= 1 - eps), g * (-t / pc + (1 - t) / (1 - pc)), 0)
        return gt, go


@register
class Linear(Op):
    """Fused dense layer ``act(x @ kernel + bias)`` with ``act`` None or ``"relu"``.

    ``x``: (..., in) (leading axes flattened), ``kernel``: (in, out), ``bias``: (out,) or omitted.
    2-D float32 operands run one C++ SGEMM with the bias and ReLU in its epilogue; backward uses
    ``g' = g * (y > 0)`` (relu), ``dx = g' kernel^T``, ``dkernel = x^T g'``, ``dbias = sum(g', 0)``.
    """
    name = "linear"

    @staticmethod
    def forward(ctx, x, kernel, bias=None, activation=None):
        """Returns ``act(x @ kernel + bias)``, shape ``(..., out)``. ValueError for an unsupported
        activation, incompatible x/kernel shapes or a bias not of shape (out,).
        """
        if activation not in (None, "linear", "relu"):
            raise ValueError(f"linear: activation must be None, 'linear' or 'relu', got {activation!r}")
        relu = activation == "relu"
        if x.ndim < 1 or kernel.ndim != 2 or x.shape[-1] != kernel.shape[0]:
            raise ValueError(f"linear: incompatible shapes {x.shape} and {kernel.shape} (x's last axis must "
                             f"equal kernel's first axis; kernel must be 2-D)")
        if bias is not None and bias.shape != (kernel.shape[1],):
            raise ValueError(f"linear: bias has shape {bias.shape}, expected {(kernel.shape[1],)} for a "
                             f"kernel of shape {kernel.shape}")
        lead = x.shape[:-1]
        # explicit row count: reshape(-1, 0) is ambiguous for an empty input (numpy refuses it)
        x2 = x.reshape(_math.prod(lead), x.shape[-1]) if x.ndim != 2 else x
        if (_m.USE_GEMM_KERNEL and x2.dtype is FLOAT32 and kernel.dtype is FLOAT32
                and (bias is None or bias.dtype is FLOAT32) and x2.size and kernel.size):
            y = _m._gemm(x2, kernel, bias=bias, activation="relu" if relu else None)
        else:
            y = x2 @ kernel
            if bias is not None:
                y += bias
            if relu:
                np.maximum(y, 0, out=y)
        ctx.saved = (x2, kernel, y if relu else None)
        ctx.info = (x.shape, bias is not None)
        return y.reshape(lead + (kernel.shape[1],)) if x.ndim != 2 else y

    @staticmethod
    def backward(ctx, g):
        """Returns ``(dx, dkernel, dbias)`` (no dbias without a bias), formulas as in the class
        docstring.
        """
        x2, kernel, y = ctx.saved
        xshape, has_bias = ctx.info
        needs = ctx.needs_input_grad
        g = g.reshape(x2.shape[0], kernel.shape[1]) if g.ndim != 2 else g
        gb = None
        if g.dtype is FLOAT32 and (y is None or y.dtype is FLOAT32) and (y is not None or (
                has_bias and needs[2])):  # relu mask + bias gradient in one C++ pass
            g, gb = _ew.bias_act_backward(g, y, bias_grad=has_bias and needs[2], op="linear")
        else:
            if y is not None:
                g = np.where(y > 0, g, np.zeros((), g.dtype))  # as the C++ mask
            if has_bias and needs[2]:
                gb = _sum(g, axis=0)
        fast = (_m.USE_GEMM_KERNEL and g.dtype is FLOAT32 and x2.dtype is FLOAT32 and kernel.dtype is FLOAT32
                and x2.size and kernel.size)
        gx = gk = None
        if needs[0]:
            gx = (_m._gemm(g, kernel, trans_b=True) if fast else g @ kernel.T).reshape(xshape)
        if needs[1]:
            gk = _m._gemm(x2, g, trans_a=True) if fast else x2.T @ g
        return (gx, gk, gb) if has_bias else (gx, gk)


# ---- public functions ----------------------------------------------------------------------------
def relu(x):
    """``max(x, 0)``; gradient 0 at 0."""
    return apply(Relu, x)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return apply(Relu6, x)


def leaky_relu(x, negative_slope=0.2):
    """``x`` for x >= 0 else ``negative_slope * x`` (Keras default slope 0.2)."""
    return apply(LeakyRelu, x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """Exponential linear unit."""
    return apply(Elu, x, alpha=alpha)


def selu(x):
    """Scaled ELU (alpha 1.67326..., scale 1.05070...)."""
    return apply(Selu, x)


def gelu(x, approximate=True):
    """Gaussian error linear unit (tanh approximation by default, as keras.ops.gelu)."""
    return apply(Gelu, x, approximate=bool(approximate))


def sigmoid(x):
    """``1 / (1 + exp(-x))`` (numerically stable)."""
    return apply(Sigmoid, x)


def hard_sigmoid(x):
    """``relu6(x + 3) / 6`` (Keras 3 definition)."""
    return apply(HardSigmoid, x)


def silu(x):
    """``x * sigmoid(x)`` (a.k.a. swish)."""
    return apply(Silu, x)


swish = silu


def hard_silu(x):
    """``x * hard_sigmoid(x)``."""
    return apply(HardSilu, x)


hard_swish = hard_silu


def softplus(x):
    """``log(1 + exp(x))`` (stable)."""
    return apply(Softplus, x)


def log_sigmoid(x):
    """``log(sigmoid(x))`` (stable)."""
    return apply(LogSigmoid, x)


def softsign(x):
    """``x / (1 + |x|)``."""
    return apply(Softsign, x)


def tanh(x):
    """Hyperbolic tangent."""
    return apply(Tanh, x)


def softmax(x, axis=-1):
    """Softmax along ``axis`` (int, tuple, or None for all axes)."""
    return apply(Softmax, x, axis=axis)


def log_softmax(x, axis=-1):
    """``log(softmax(x))`` along ``axis``, computed stably."""
    return apply(LogSoftmax, x, axis=axis)


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    """One-hot encoding of integer ``x`` with ``num_classes`` classes (not differentiable)."""
    return apply(OneHot, x, num_classes=int(num_classes), axis=axis, dtype=dtype)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per-sample categorical cross-entropy, shape ``output.shape`` without ``axis``."""
    return apply(CategoricalCrossentropy, target, output, from_logits=bool(from_logits), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per-sample cross-entropy with integer class targets.

    Raises:
        ValueError: target shape does not match, or a class index is out of range.
    """
    return apply(SparseCategoricalCrossentropy, target, output, from_logits=bool(from_logits), axis=axis)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy (Keras ``keras.ops.binary_crossentropy``)."""
    return apply(BinaryCrossentropy, target, output, from_logits=bool(from_logits))


def linear(x, kernel, bias=None, activation=None):
    """Fused ``activation(x @ kernel + bias)`` (activation None or ``"relu"``), one op on the tape.

    Raises:
        ValueError: mismatched shapes (naming both) or an unsupported activation.
    """
    if bias is None:
        return apply(Linear, x, kernel, activation=activation)
    return apply(Linear, x, kernel, bias, activation=activation)


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its L-``order`` norm along ``axis`` (Keras 3 ``ops.normalize``).

    For ``order=2``: ``x * min(rsqrt(sum(x^2)), 1 / epsilon)``, written as
    ``x / sqrt(max(sum(x^2), epsilon^2))`` (the same values, and a finite gradient at 0); other
    orders: ``x / max(||x||_order, epsilon)``. ``epsilon`` defaults to ``keras.config.epsilon()``.
    Shape and dtype of ``x``; differentiable.

    Raises:
        ValueError: ``order`` not an int >= 1.
    """
    from pyfapi import _config
    from pyfapi.ops.core import cast
    from pyfapi.ops.shape_ops import expand_dims

    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    eps = _config.epsilon() if epsilon is None else float(epsilon)
    if getattr(x, "ndim", 1) == 0:
        x = expand_dims(x, 0)
    dtype = str(getattr(x, "dtype", "float32"))
    if dtype == "float16":  # epsilon^2 underflows in float16: compute in float32, cast back
        x = cast(x, "float32")
    if order == 2:
        s = _m.sum(_m.square(x), axis=axis, keepdims=True)
        out = _m.divide(x, _m.sqrt(_m.maximum(s, eps * eps)))
    else:
        norm = _m.power(_m.sum(_m.power(_m.abs(x), order), axis=axis, keepdims=True),
                        1.0 / order)
        out = _m.divide(x, _m.maximum(norm, eps))
    return cast(out, "float16") if dtype == "float16" else out
