"""Elementwise arithmetic, matmul, reductions and comparisons (``keras.ops`` names).

Each op is one registered class with its forward (numpy or a ``pyfapi.kernels`` C++ kernel) and
its vector-Jacobian product. Binary ops broadcast as numpy does; gradients are reduced back to
each input's shape with :func:`pyfapi.autodiff.registry.unbroadcast`. Formulas are the standard
derivatives (e.g. PyTorch ``tools/autograd/derivatives.yaml``).
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register, unbroadcast
from pyfapi.kernels import gemm as _gemm
from pyfapi.ops._common import FLOAT32, as_float, broadcast_error, extremum_keepdims, norm_axes, promote, \
    reduced_shape, reduces_empty

__all__ = [
    "matmul", "add", "subtract", "multiply", "divide", "true_divide", "negative", "exp", "log",
    "log1p", "expm1", "sqrt", "square", "power", "abs", "absolute", "sign", "reciprocal",
    "maximum", "minimum", "clip", "where", "sum", "mean", "max", "min", "amax", "amin",
    "argmax", "argmin", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_not", "floor", "round", "logsumexp", "var", "std",
    "moments", "dot", "any", "all", "isnan", "isfinite",
]

_ndarray = np.ndarray
_errstate = np.errstate


# ---- binary arithmetic ---------------------------------------------------------------------------
@register
class Add(Op):
    """``y = a + b`` with numpy broadcasting and dtype promotion; VJP ``(g, g)`` unbroadcast to each
    shape.
    """
    name = "add"

    @staticmethod
    def forward(ctx, a, b):
        """Returns ``a + b``; ValueError (via broadcast_error) if the shapes do not broadcast."""
        if a.dtype is not b.dtype:
            a, b = promote(a, b)
        try:
            y = a + b
        except ValueError:
            broadcast_error("add", a, b)
        ctx.shapes = (a.shape, b.shape)
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``(unbroadcast(g, a.shape), unbroadcast(g, b.shape))``."""
        sa, sb = ctx.shapes
        return unbroadcast(g, sa), unbroadcast(g, sb)


@register
class Subtract(Op):
    """``y = a - b`` with numpy broadcasting and dtype promotion; VJP ``(g, -g)`` unbroadcast."""
    name = "subtract"

    @staticmethod
    def forward(ctx, a, b):
        """Returns ``a - b``; ValueError (via broadcast_error) if the shapes do not broadcast."""
        if a.dtype is not b.dtype:
            a, b = promote(a, b)
        try:
            y = a - b
        except ValueError:
            broadcast_error("subtract", a, b)
        ctx.shapes = (a.shape, b.shape)
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``(unbroadcast(g, a.shape), unbroadcast(-g, b.shape))`` (None if b needs no
        grad).
        """
        sa, sb = ctx.shapes
        return unbroadcast(g, sa), unbroadcast(-g, sb) if ctx.needs_input_grad[1] else None


@register
class Multiply(Op):
    """``y = a * b`` with numpy broadcasting and dtype promotion; VJP ``(g * b, g * a)``
    unbroadcast.
    """
    name = "multiply"

    @staticmethod
    def forward(ctx, a, b):
        """Returns ``a * b``; ValueError (via broadcast_error) if the shapes do not broadcast."""
        if a.dtype is not b.dtype:
            a, b = promote(a, b)
        try:
            y = a * b
        except ValueError:
            broadcast_error("multiply", a, b)
        ctx.saved = (a, b)
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``(g * b, g * a)`` unbroadcast to the input shapes (None where no grad is
        needed).
        """
        a, b = ctx.saved
        na, nb = ctx.needs_input_grad
        return (unbroadcast(g * b, a.shape) if na else None,
                unbroadcast(g * a, b.shape) if nb else None)


@register
class Divide(Op):
    """``y = a / b`` (integer operands become float32; x/0 = +-inf, 0/0 = nan as TF);
    VJP ``(g / b, -g * a / b**2)`` unbroadcast.
    """
    name = "divide"

    @staticmethod
    def forward(ctx, a, b):
        """Returns ``a / b`` without divide warnings; ValueError if the shapes do not broadcast."""
        if a.dtype is not b.dtype:
            a, b = promote(a, b)
        if a.dtype.kind in "biu" and b.dtype.kind in "biu":
            a, b = a.astype(FLOAT32), b.astype(FLOAT32)
        try:
            with _errstate(divide="ignore", invalid="ignore"):  # x/0 = +-inf, 0/0 = nan (IEEE, as TF)
                y = a / b
        except ValueError:
            broadcast_error("divide", a, b)
        ctx.saved = (a, b)
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``(g / b, -(g / b) * a / b)`` unbroadcast to the input shapes."""
        a, b = ctx.saved
        na, nb = ctx.needs_input_grad
        with _errstate(divide="ignore", invalid="ignore"):
            gb = g / b
            return (unbroadcast(gb, a.shape) if na else None,
                    unbroadcast(-gb * a / b, b.shape) if nb else None)


@register
class Power(Op):
    """``y = a ** b`` (IEEE inf/nan results, no warnings); VJP ``g * b * a**(b-1)`` for a and
    ``g * y * log(a)`` for b where a > 0 (0 elsewhere).
    """
    name = "power"

    @staticmethod
    def forward(ctx, a, b):
        """Returns ``np.power(a, b)``; ValueError if the shapes do not broadcast."""
        if a.dtype is not b.dtype:
            a, b = promote(a, b)
        try:
            # 0**-1 = inf, (-8)**(1/3) = nan, overflow = inf: IEEE results without warnings (as TF)
            with _errstate(divide="ignore", invalid="ignore", over="ignore"):
                y = np.power(a, b)
        except ValueError:
            broadcast_error("power", a, b)
        ctx.saved = (a, b, y)
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``(g * b * a**(b-1), g * where(a > 0, y * log(a), 0))`` unbroadcast."""
        a, b, y = ctx.saved
        na, nb = ctx.needs_input_grad
        ga = gb = None
        with _errstate(divide="ignore", invalid="ignore", over="ignore"):  # e.g. 0**0: 0 * 0**-1 = nan
            if na:
                ga = unbroadcast(g * b * np.power(a, b - 1), a.shape)
            if nb:
                pos = a > 0
                loga = np.log(np.where(pos, a, 1))
                gb = unbroadcast(g * np.where(pos, y * loga, 0), b.shape)
        return ga, gb


def _extremum(name_, fn, wins, tie):
    """Register the elementwise ``name_`` op ``fn(a, b)``: the gradient goes to ``a`` where
    ``wins(a, b)`` holds (ties to the first input, as TensorFlow), else to ``b``."""
    def forward(ctx, a, b):
        if a.dtype is not b.dtype:
            a, b = promote(a, b)
        try:
            y = fn(a, b)
        except ValueError:
            broadcast_error(name_, a, b)
        ctx.saved = (a, b)
        return y

    def backward(ctx, g):
        a, b = ctx.saved
        m = wins(a, b)
        return unbroadcast(np.where(m, g, 0), a.shape), unbroadcast(np.where(m, 0, g), b.shape)

    forward.__doc__ = (f"Returns ``np.{name_}(a, b)``; ValueError if the shapes do not "
                       f"broadcast.")
    backward.__doc__ = (f"Routes ``g`` to a where ``a {tie} b``, else to b; unbroadcast to each "
                        f"shape.")
    return register(type(name_.title(), (Op,), {
        "name": name_, "forward": staticmethod(forward), "backward": staticmethod(backward),
        "__module__": __name__,
        "__doc__": f"Gradient goes to ``x1`` where ``x1 {tie} x2`` (ties to the first input, as "
                   f"TensorFlow)."}))


Maximum = _extremum("maximum", np.maximum, np.greater_equal, ">=")
Minimum = _extremum("minimum", np.minimum, np.less_equal, "<=")


@register
class Where(Op):
    """``y = where(c, a, b)`` (c cast to bool); VJP ``(None, where(c, g, 0), where(c, 0, g))``
    unbroadcast.
    """
    name = "where"

    @staticmethod
    def forward(ctx, c, a, b):
        """Returns ``np.where(c, a, b)``; ValueError if condition, x1 and x2 do not broadcast."""
        if a.dtype is not b.dtype:
            a, b = promote(a, b)
        c = c.astype(bool, copy=False)
        try:
            y = np.where(c, a, b)
        except ValueError:
            raise ValueError(f"where: cannot broadcast condition {c.shape}, x1 {a.shape} and "
                             f"x2 {b.shape}") from None
        ctx.saved = (c, a.shape, b.shape)
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``(None, where(c, g, 0), where(c, 0, g))``, the last two unbroadcast."""
        c, sa, sb = ctx.saved
        return None, unbroadcast(np.where(c, g, 0), sa), unbroadcast(np.where(c, 0, g), sb)


# ---- matmul --------------------------------------------------------------------------------------
def _matmul_error(a, b):
    raise ValueError(f"matmul: incompatible shapes {a.shape} and {b.shape} (the last axis of x1, "
                     f"{a.shape[-1] if a.ndim else None}, must equal the "
                     f"{'first' if b.ndim == 1 else 'second-to-last'} axis of x2, "
                     f"{b.shape[0 if b.ndim == 1 else -2] if b.ndim else None})") from None


#: Run 2-D float32 matmuls (forward and backward) on the C++ SGEMM (``pyfapi.kernels.gemm``).
#: False falls back to numpy's matmul (for benchmarking the kernel against BLAS).
USE_GEMM_KERNEL = True


@register
class MatMul(Op):
    """``x1 @ x2`` (numpy semantics). 2-D float32 operands run the C++ SGEMM."""
    name = "matmul"

    @staticmethod
    def forward(ctx, a, b):
        """Returns ``a @ b``; 2-D float32 uses the C++ SGEMM. ValueError for rank-0 inputs or a
        mismatched contraction axis.
        """
        ctx.saved = (a, b)
        if a.ndim == 2 and b.ndim == 2 and a.dtype is FLOAT32 and b.dtype is FLOAT32 and USE_GEMM_KERNEL:
            if a.shape[1] != b.shape[0]:
                _matmul_error(a, b)
            if a.size and b.size:  # empty operands (K == 0 included) take numpy's path
                return _gemm(a, b)
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: inputs must be at least 1-D, got shapes {a.shape} and {b.shape}")
        if a.dtype is not b.dtype:
            a, b = promote(a, b)
            ctx.saved = (a, b)
        try:
            return np.matmul(a, b)
        except ValueError:
            _matmul_error(a, b)

    @staticmethod
    def backward(ctx, g):
        """Returns ``(g @ b.T, a.T @ g)`` (batched, 1-D operands promoted and unbroadcast as numpy).
        """
        a, b = ctx.saved
        na, nb = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2 and g.dtype is FLOAT32 and a.dtype is FLOAT32 and b.dtype is FLOAT32 \
                and USE_GEMM_KERNEL and a.size and b.size:
            return (_gemm(g, b, trans_b=True) if na else None,
                    _gemm(a, g, trans_a=True) if nb else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1 and b.ndim == 1:
            g = g.reshape(1, 1)
        elif a.ndim == 1:
            g = np.expand_dims(g, -2)
        elif b.ndim == 1:
            g = np.expand_dims(g, -1)
        ga = gb = None
        if na:
            ga = unbroadcast(np.matmul(g, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if nb:
            gb = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g), b2.shape).reshape(b.shape)
        return ga, gb


# ---- unary elementwise ---------------------------------------------------------------------------
@register
class Negative(Op):
    """``y = -x``; VJP ``-g``."""
    name = "negative"

    @staticmethod
    def forward(ctx, x):
        """Returns ``-x``."""
        return -x

    @staticmethod
    def backward(ctx, g):
        """Returns ``-g``."""
        return -g


@register
class Exp(Op):
    """``y = exp(x)`` (integers cast to float); VJP ``g * y``."""
    name = "exp"

    @staticmethod
    def forward(ctx, x):
        """Returns ``exp(x)`` and saves it."""
        y = np.exp(as_float(x))
        ctx.saved = y
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * exp(x)``."""
        return g * ctx.saved


@register
class Expm1(Op):
    """``y = exp(x) - 1`` (integers cast to float); VJP ``g * (y + 1)``."""
    name = "expm1"

    @staticmethod
    def forward(ctx, x):
        """Returns ``expm1(x)`` and saves it."""
        y = np.expm1(as_float(x))
        ctx.saved = y
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * (y + 1)``."""
        return g * (ctx.saved + 1)


@register
class Log(Op):
    """``y = log(x)`` (integers cast to float); VJP ``g / x``."""
    name = "log"

    @staticmethod
    def forward(ctx, x):
        """Returns ``log(x)``."""
        x = as_float(x)
        ctx.saved = x
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g / x``."""
        return g / ctx.saved


@register
class Log1p(Op):
    """``y = log(1 + x)`` (integers cast to float); VJP ``g / (x + 1)``."""
    name = "log1p"

    @staticmethod
    def forward(ctx, x):
        """Returns ``log1p(x)``."""
        x = as_float(x)
        ctx.saved = x
        return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g / (x + 1)``."""
        return g / (ctx.saved + 1)


@register
class Sqrt(Op):
    """``y = sqrt(x)`` (nan for x < 0, no warning); VJP ``g / (2 * y)`` (inf at 0)."""
    name = "sqrt"

    @staticmethod
    def forward(ctx, x):
        """Returns ``sqrt(x)`` and saves it."""
        with _errstate(invalid="ignore"):  # sqrt(-1) = nan (IEEE, as TF), no RuntimeWarning
            y = np.sqrt(as_float(x))
        ctx.saved = y
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``g / (2 * sqrt(x))``."""
        with _errstate(divide="ignore", invalid="ignore"):  # at 0: g / 0 = inf (0 / 0 = nan)
            return g / (2 * ctx.saved)


@register
class Square(Op):
    """``y = x * x``; VJP ``g * 2x``."""
    name = "square"

    @staticmethod
    def forward(ctx, x):
        """Returns ``x * x``."""
        ctx.saved = x
        return x * x

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * 2 * x``."""
        return g * (2 * ctx.saved)


@register
class Reciprocal(Op):
    """``y = 1 / x`` (integers cast to float); VJP ``-g * y**2``."""
    name = "reciprocal"

    @staticmethod
    def forward(ctx, x):
        """Returns ``1 / x`` and saves it."""
        y = 1 / as_float(x)
        ctx.saved = y
        return y

    @staticmethod
    def backward(ctx, g):
        """Returns ``-g * y * y``."""
        y = ctx.saved
        return -g * y * y


@register
class Abs(Op):
    """Gradient ``sign(x)`` (0 at 0)."""
    name = "abs"

    @staticmethod
    def forward(ctx, x):
        """Returns ``|x|``."""
        ctx.saved = x
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * sign(x)``."""
        return g * np.sign(ctx.saved)


@register
class Clip(Op):
    """``clip(x, x_min, x_max)``; gradient passes where ``x_min <= x <= x_max`` (as TensorFlow)."""
    name = "clip"

    @staticmethod
    def forward(ctx, x, x_min=None, x_max=None):
        """Returns ``np.clip(x, x_min, x_max)`` (bounds cast to x.dtype; None means unbounded)."""
        ctx.saved = x
        ctx.bounds = (x_min, x_max)
        lo = None if x_min is None else np.asarray(x_min, dtype=x.dtype)
        hi = None if x_max is None else np.asarray(x_max, dtype=x.dtype)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g`` where ``x_min <= x <= x_max``, else 0."""
        x = ctx.saved
        lo, hi = ctx.bounds
        m = np.ones(x.shape, dtype=bool)
        if lo is not None:
            m &= x >= lo
        if hi is not None:
            m &= x <= hi
        return np.where(m, g, 0)


# ---- reductions ----------------------------------------------------------------------------------
def _expand_grad(g, shape, axes, keepdims):
    if axes is None:
        return np.full(shape, g.reshape(()), dtype=g.dtype)
    if not keepdims:
        g = g.reshape(reduced_shape(shape, axes))
    return np.broadcast_to(g, shape)


@register
class Sum(Op):
    """``y = sum(x, axis, keepdims)``; VJP broadcasts ``g`` back to x.shape."""
    name = "sum"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        """Returns the sum over ``axis`` (None: all axes); ValueError for an out-of-range axis."""
        axes = norm_axes(axis, x.ndim, "sum") if axis is not None else None
        ctx.info = (x.shape, axes, keepdims)
        return np.add.reduce(x, axis=axes, keepdims=keepdims)  # = ndarray.sum, without its wrapper

    @staticmethod
    def backward(ctx, g):
        """Returns ``g`` broadcast back to the input shape."""
        shape, axes, keepdims = ctx.info
        return _expand_grad(g, shape, axes, keepdims)


@register
class Mean(Op):
    """``y = mean(x, axis, keepdims)`` (float; NaN over an empty reduction); VJP ``g / n``
    broadcast, n = number of reduced elements.
    """
    name = "mean"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        """Returns the mean over ``axis`` (None: all axes); ValueError for an out-of-range axis."""
        axes = norm_axes(axis, x.ndim, "mean") if axis is not None else None
        x = as_float(x)
        ctx.info = (x.shape, axes, keepdims)
        if reduces_empty(x.shape, axes):
            # the mean over no element is NaN (numpy, Keras), without numpy's 'Mean of empty slice'
            shape = reduced_shape(x.shape, axes)
            if not keepdims:
                shape = tuple(n for i, n in enumerate(x.shape) if axes is not None and i not in axes)
            return np.full(shape, np.nan, dtype=x.dtype)
        if x.dtype.kind == "f" and x.dtype.itemsize >= 4:
            # np.mean's own steps (add.reduce, then divide by the count) without its wrapper
            n = 1
            for i in (range(x.ndim) if axes is None else axes):
                n *= x.shape[i]
            if n < 1 << 24:  # n exact in float32: the float32 division equals np.mean's float64 one
                return np.add.reduce(x, axis=axes, keepdims=keepdims) / n
        return x.mean(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        """Returns ``g / n`` broadcast back to the input shape (n = reduced element count)."""
        shape, axes, keepdims = ctx.info
        n = 1
        for i in (range(len(shape)) if axes is None else axes):
            n *= shape[i]
        return _expand_grad(g / n if n else g, shape, axes, keepdims)


class _Extremum(Op):
    """max/min: the gradient is shared equally between tied extreme elements (as TensorFlow)."""
    _fn = None

    @classmethod
    def _forward(cls, ctx, x, axis, keepdims, initial):
        axes = norm_axes(axis, x.ndim, cls.name) if axis is not None else None
        if initial is None and reduces_empty(x.shape, axes):
            raise ValueError(f"{cls.name}: cannot reduce over an empty axis (input shape {x.shape}, "
                             f"axis={axis}) without initial")
        if initial is None:
            y = extremum_keepdims(x, axes, cls.name == "max")
        else:
            y = cls._fn(x, axis=axes, keepdims=True, initial=initial)
        ctx.saved = (x, y)
        ctx.info = (axes, keepdims)
        return y if keepdims else y.reshape(tuple(n for i, n in enumerate(x.shape)
                                                  if axes is not None and i not in axes))

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved
        axes, keepdims = ctx.info
        m = x == y
        count = m.sum(axis=axes, keepdims=True)
        g = g.reshape(y.shape)
        return np.where(m, g / np.maximum(count, 1), 0).astype(x.dtype, copy=False)


@register
class Max(_Extremum):
    """``y = max(x, axis, keepdims, initial)``; VJP shares ``g`` equally among tied maxima (as TF).
    """
    name = "max"
    _fn = staticmethod(np.max)

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, initial=None):
        """Returns the max over ``axis``; ValueError when reducing an empty axis without
        ``initial``.
        """
        return Max._forward(ctx, x, axis, keepdims, initial)


@register
class Min(_Extremum):
    """``y = min(x, axis, keepdims, initial)``; VJP shares ``g`` equally among tied minima (as TF).
    """
    name = "min"
    _fn = staticmethod(np.min)

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, initial=None):
        """Returns the min over ``axis``; ValueError when reducing an empty axis without
        ``initial``.
        """
        return Min._forward(ctx, x, axis, keepdims, initial)


@register
class LogSumExp(Op):
    """``log(sum(exp(x)))`` over ``axis`` computed stably; gradient ``g * softmax(x)``."""
    name = "logsumexp"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        """Returns ``m + log(sum(exp(x - m)))`` over ``axis``, m the (finite) max; -inf for empty
        slices.
        """
        x = as_float(x)
        axes = norm_axes(axis, x.ndim, "logsumexp") if axis is not None else None
        m = extremum_keepdims(x, axes) if x.size else np.zeros(reduced_shape(x.shape, axes), x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):  # log(0) = -inf: an empty (or all -inf) slice
            y = np.log(np.exp(x - m).sum(axis=axes, keepdims=True)) + m
        ctx.saved = (x, y)
        ctx.info = (axes, keepdims)
        return y if keepdims else y.reshape(tuple(n for i, n in enumerate(x.shape)
                                                  if axes is not None and i not in axes))

    @staticmethod
    def backward(ctx, g):
        """Returns ``g * exp(x - y)`` (= g * softmax(x) over the reduced axes)."""
        x, y = ctx.saved
        return g.reshape(y.shape) * np.exp(x - y)


# ---- non-differentiable ops ----------------------------------------------------------------------
class _NonDiff(Op):
    differentiable = False

    @staticmethod
    def backward(ctx, *grads):  # never called: non-differentiable ops are not recorded
        raise RuntimeError("non-differentiable op has no backward")


def _cmp(name_, fn):
    def forward(ctx, a, b):
        try:
            return fn(a, b)
        except ValueError:
            broadcast_error(name_, a, b)
    return register(type(name_.title().replace("_", ""), (_NonDiff,),
                         {"name": name_, "forward": staticmethod(forward), "__module__": __name__,
                          "__doc__": f"Elementwise ``{name_}`` (bool output, not differentiable)."}))


Equal = _cmp("equal", np.equal)
NotEqual = _cmp("not_equal", np.not_equal)
Less = _cmp("less", np.less)
LessEqual = _cmp("less_equal", np.less_equal)
Greater = _cmp("greater", np.greater)
GreaterEqual = _cmp("greater_equal", np.greater_equal)
LogicalAnd = _cmp("logical_and", np.logical_and)
LogicalOr = _cmp("logical_or", np.logical_or)


def _unary_nondiff(name_, fn, doc):
    """Register a one-input, not differentiable op ``name_`` computing ``fn(x)``."""
    def forward(ctx, x):
        return fn(x)
    return register(type(name_.title().replace("_", ""), (_NonDiff,),
                         {"name": name_, "forward": staticmethod(forward), "__module__": __name__,
                          "__doc__": f"{doc} (not differentiable)."}))


LogicalNot = _unary_nondiff("logical_not", np.logical_not, "Elementwise ``not x`` (bool output)")
Sign = _unary_nondiff("sign", np.sign, "Elementwise ``sign(x)`` in {-1, 0, 1}")
Floor = _unary_nondiff("floor", np.floor, "Elementwise ``floor(x)``")


@register
class Round(_NonDiff):
    """Rounds to ``decimals`` places, half to even as numpy (not differentiable)."""
    name = "round"

    @staticmethod
    def forward(ctx, x, decimals=0):
        """Returns ``np.round(x, decimals)``."""
        return np.round(x, decimals)


@register
class ArgMax(_NonDiff):
    """Index of the maximum along ``axis`` (None: flattened), int32, not differentiable."""
    name = "argmax"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        """Returns ``np.argmax(x, axis, keepdims)`` as int32; ValueError for an out-of-range axis.
        """
        if axis is not None:
            axis = norm_axes(axis, x.ndim, "argmax")[0]
        return np.argmax(x, axis=axis, keepdims=keepdims).astype(np.int32)


@register
class ArgMin(_NonDiff):
    """Index of the minimum along ``axis`` (None: flattened), int32, not differentiable."""
    name = "argmin"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        """Returns ``np.argmin(x, axis, keepdims)`` as int32; ValueError for an out-of-range axis.
        """
        if axis is not None:
            axis = norm_axes(axis, x.ndim, "argmin")[0]
        return np.argmin(x, axis=axis, keepdims=keepdims).astype(np.int32)


# ---- public functions (keras.ops signatures) -----------------------------------------------------
def matmul(x1, x2):
    """Matrix product ``x1 @ x2`` (numpy semantics incl. batching and 1-D operands).

    2-D float32 operands run the C++ SGEMM (pyfapi.kernels.gemm).

    Raises:
        ValueError: inner dimensions differ ("matmul: incompatible shapes (a) and (b) ...").
    """
    return apply(MatMul, x1, x2)


def add(x1, x2):
    """``x1 + x2`` with broadcasting. Raises ValueError naming both shapes if they do not broadcast."""
    return apply(Add, x1, x2)


def subtract(x1, x2):
    """``x1 - x2`` with broadcasting."""
    return apply(Subtract, x1, x2)


def multiply(x1, x2):
    """``x1 * x2`` with broadcasting."""
    return apply(Multiply, x1, x2)


def divide(x1, x2):
    """True division ``x1 / x2`` with broadcasting (ints -> float32)."""
    return apply(Divide, x1, x2)


true_divide = divide


def power(x1, x2):
    """``x1 ** x2``. d/dx2 uses ``log(x1)`` and is 0 where ``x1 <= 0``."""
    return apply(Power, x1, x2)


def maximum(x1, x2):
    """Elementwise maximum (broadcasting)."""
    return apply(Maximum, x1, x2)


def minimum(x1, x2):
    """Elementwise minimum (broadcasting)."""
    return apply(Minimum, x1, x2)


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` else ``x2``; with only ``condition``, the indices of its nonzeros."""
    if x1 is None and x2 is None:
        from pyfapi.autodiff.tensor import _wrap, as_array
        return tuple(_wrap(i.astype(np.int32)) for i in np.nonzero(as_array(condition)))
    if x1 is None or x2 is None:
        raise ValueError("where: x1 and x2 must both be given (or both omitted)")
    return apply(Where, condition, x1, x2)


def negative(x):
    """``-x``."""
    return apply(Negative, x)


def exp(x):
    """``e ** x`` (ints -> float32)."""
    return apply(Exp, x)


def expm1(x):
    """``exp(x) - 1``, accurate near 0."""
    return apply(Expm1, x)


def log(x):
    """Natural logarithm (ints -> float32)."""
    return apply(Log, x)


def log1p(x):
    """``log(1 + x)``, accurate near 0."""
    return apply(Log1p, x)


def sqrt(x):
    """Square root (ints -> float32)."""
    return apply(Sqrt, x)


def square(x):
    """``x * x``."""
    return apply(Square, x)


def reciprocal(x):
    """``1 / x``."""
    return apply(Reciprocal, x)


def abs(x):  # noqa: A001 - keras.ops name
    """``|x|``; gradient ``sign(x)``."""
    return apply(Abs, x)


absolute = abs


def sign(x):
    """Sign of x (-1, 0, 1); not differentiable."""
    return apply(Sign, x)


def floor(x):
    """Floor; not differentiable."""
    return apply(Floor, x)


def round(x, decimals=0):  # noqa: A001 - keras.ops name
    """Round half to even; not differentiable."""
    return apply(Round, x, decimals=decimals)


def clip(x, x_min, x_max):
    """Clamp ``x`` to ``[x_min, x_max]`` (Python/numpy scalars; either may be None)."""
    return apply(Clip, x, x_min=_scalar(x_min), x_max=_scalar(x_max))


def _scalar(v):
    if v is None:
        return None
    from pyfapi.autodiff.tensor import as_array
    v = as_array(v)
    if v.ndim:
        return v
    return v.item()


def sum(x, axis=None, keepdims=False):  # noqa: A001 - keras.ops name
    """Sum over ``axis`` (None: all axes; int or tuple). Raises ValueError for a bad axis."""
    return apply(Sum, x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (None: all axes; int or tuple). Ints -> float32."""
    return apply(Mean, x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - keras.ops name
    """Maximum over ``axis``; gradient shared equally among ties."""
    return apply(Max, x, axis=axis, keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - keras.ops name
    """Minimum over ``axis``; gradient shared equally among ties."""
    return apply(Min, x, axis=axis, keepdims=keepdims, initial=initial)


amax = max
amin = min


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum (int32; flattened when ``axis`` is None); not differentiable."""
    return apply(ArgMax, x, axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum (int32); not differentiable."""
    return apply(ArgMin, x, axis=axis, keepdims=keepdims)


def equal(x1, x2):
    """``x1 == x2`` elementwise (bool)."""
    return apply(Equal, x1, x2)


def not_equal(x1, x2):
    """``x1 != x2`` elementwise (bool)."""
    return apply(NotEqual, x1, x2)


def less(x1, x2):
    """``x1 < x2`` elementwise (bool)."""
    return apply(Less, x1, x2)


def less_equal(x1, x2):
    """``x1 <= x2`` elementwise (bool)."""
    return apply(LessEqual, x1, x2)


def greater(x1, x2):
    """``x1 > x2`` elementwise (bool)."""
    return apply(Greater, x1, x2)


def greater_equal(x1, x2):
    """``x1 >= x2`` elementwise (bool)."""
    return apply(GreaterEqual, x1, x2)


def logical_and(x1, x2):
    """Elementwise logical and (bool)."""
    return apply(LogicalAnd, x1, x2)


def logical_or(x1, x2):
    """Elementwise logical or (bool)."""
    return apply(LogicalOr, x1, x2)


def logical_not(x):
    """Elementwise logical not (bool)."""
    return apply(LogicalNot, x)


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x), axis))``, numerically stable."""
    return apply(LogSumExp, x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    """Population variance ``mean((x - mean(x))**2)`` (composite of registered ops)."""
    return mean(square(subtract(x, mean(x, axis=axis, keepdims=True))), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Population standard deviation ``sqrt(var(x))``."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def moments(x, axes, keepdims=False):
    """``(mean, variance)`` over ``axes`` (keras.ops.moments), differentiable."""
    m = mean(x, axis=axes, keepdims=True)
    v = mean(square(subtract(x, m)), axis=axes, keepdims=keepdims)
    if not keepdims:
        from pyfapi.ops.shape_ops import squeeze
        m = squeeze(m, axis=axes)
    return m, v


def dot(x1, x2):
    """numpy ``dot`` for 1-D/2-D operands (= matmul there); scalars multiply."""
    from pyfapi.autodiff.tensor import as_array
    n1 = x1.ndim if hasattr(x1, "ndim") else as_array(x1).ndim
    n2 = x2.ndim if hasattr(x2, "ndim") else as_array(x2).ndim
    if n1 == 0 or n2 == 0:
        return multiply(x1, x2)
    if n1 > 2 or n2 > 2:
        raise ValueError(f"dot: only 1-D/2-D operands are supported (use matmul/tensordot), got ranks "
                         f"{n1} and {n2}")
    return matmul(x1, x2)


@register
class Any(_NonDiff):
    """Logical OR reduction over ``axis`` (bool output, not differentiable)."""
    name = "any"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        """Returns ``np.any(x, axis, keepdims)``."""
        return np.any(x, axis=norm_axes(axis, x.ndim, "any"), keepdims=keepdims)


@register
class All(_NonDiff):
    """Logical AND reduction over ``axis`` (bool output, not differentiable)."""
    name = "all"

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        """Returns ``np.all(x, axis, keepdims)``."""
        return np.all(x, axis=norm_axes(axis, x.ndim, "all"), keepdims=keepdims)


@register
class IsNan(_NonDiff):
    """Elementwise ``isnan(x)`` (bool output, not differentiable)."""
    name = "isnan"

    @staticmethod
    def forward(ctx, x):
        """Returns ``np.isnan(x)``."""
        return np.isnan(x)


@register
class IsFinite(_NonDiff):
    """Elementwise ``isfinite(x)`` (bool output, not differentiable)."""
    name = "isfinite"

    @staticmethod
    def forward(ctx, x):
        """Returns ``np.isfinite(x)``."""
        return np.isfinite(x)


def any(x, axis=None, keepdims=False):  # noqa: A001 - keras.ops name
    """Logical OR reduction (bool)."""
    return apply(Any, x, axis=axis, keepdims=keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001 - keras.ops name
    """Logical AND reduction (bool)."""
    return apply(All, x, axis=axis, keepdims=keepdims)


def isnan(x):
    """Elementwise NaN test (bool)."""
    return apply(IsNan, x)


def isfinite(x):
    """Elementwise finiteness test (bool)."""
    return apply(IsFinite, x)
