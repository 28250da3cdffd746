"""Property-based tests over EVERY registered op (issue 10) and the GEMM kernel's ``out=``.

For each op in :data:`pyfapi.autodiff.registry.REGISTRY` (after importing every pyfapi module),
:data:`SPECS` holds a hypothesis strategy drawing a call of the public ``pyfapi.ops`` function:
random ranks and sizes (0 and 1 included), dtypes (float16/32/64, int32/64, bool where a user may
pass them), memory layouts (C, Fortran, strided and negative-stride views: tests/strategies.py),
and attributes (axes, strides, paddings, dilations, ...). Each case is checked against a plain numpy
float64 reference:

* the reference succeeds -> the op returns the same shape and values (tolerance from the result
  dtype, scaled by the magnitude), no NaN/inf where the reference is finite;
* the reference raises (bad axis, shapes that do not broadcast, index out of range, ...) -> the op
  raises ValueError / TypeError / IndexError whose message names the op or the argument;
* cases marked ``may_raise`` (inputs Keras itself rejects, e.g. an empty 'valid' convolution
  output) may do either, but an error must still be one of those three and name the op.

A segfault or hang kills the run (and .ci/sanitize runs this file under ASan/UBSan).
``test_every_registered_op_has_a_spec`` fails for a newly registered op without a spec here,
``test_every_public_op_is_walked`` for a public ``pyfapi.ops`` function (a composite of registered
ops) with neither a spec nor an entry in :data:`NOT_WALKED`, and ``test_no_spec_for_an_unknown_op``
for a spec whose op is neither registered nor public -- except the kernel ops listed in
:data:`PENDING`, reported as skipped with the reason until they are registered.
"""
from __future__ import annotations

import importlib
import math
import pkgutil
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pyfapi
from pyfapi import ops
from pyfapi.autodiff import GradientTape, Tensor
from pyfapi.autodiff.registry import REGISTRY
from references import layers_ref as lref
from strategies import (FLOAT_DTYPES, INPUT_DTYPES, LAYOUTS, arrays, assert_matches, check_error,
                        shapes, value, with_layout)

for _m in pkgutil.walk_packages(pyfapi.__path__, "pyfapi."):
    importlib.import_module(_m.name)

#: kernel ops whose spec is written before the op is merged (skipped, with the reason, until it is
#: registered; then this set must drop them). Empty: every spec'd kernel op is registered.
PENDING: frozenset = frozenset()

NUMERIC = (np.float32, np.float64, np.float16, np.int32, np.int64)


@dataclass
class Case:
    """One drawn call: ``call()`` runs pyfapi, ``ref()`` the numpy float64 reference."""
    call: Callable
    ref: Callable
    names: tuple            # strings an error message may name (op name, argument names)
    rtol: float = 2e-5
    may_raise: bool = False
    scale: float | None = None
    info: dict = field(default_factory=dict)


def _f64(x):
    return np.asarray(x).astype(np.float64)


def _result_rtol(*arrays, floor=2e-5):
    """Tolerance for a result computed in the widest float dtype of the inputs (ints -> float32)."""
    kinds = [np.dtype(a.dtype) for a in arrays if np.dtype(a.dtype).kind == "f"]
    if not kinds:
        return floor
    if any(k == np.float16 for k in kinds):
        return 1e-2
    if any(k == np.float64 for k in kinds) and all(k != np.float16 for k in kinds) \
            and all(k != np.float32 for k in kinds):
        return 1e-9
    return max(floor, 2e-5)


def _kernel_rtol(*arrays):
    """C++ kernel ops compute in float32 (float64 inputs are converted once): float32 tolerance."""
    return 1e-2 if any(np.dtype(a.dtype) == np.float16 for a in arrays) else 1e-4


def _ref_quiet(fn):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn()


def run_case(case: Case):
    try:
        expected = _ref_quiet(case.ref)
        ref_error = None
    except (ValueError, TypeError, IndexError) as e:  # numpy's AxisError is both
        expected, ref_error = None, e
    try:
        got = case.call()
    except (ValueError, TypeError, IndexError) as e:
        if ref_error is None and not case.may_raise:
            raise AssertionError(f"op raised {type(e).__name__}: {e} but the reference succeeds "
                                 f"({case.info})") from e
        check_error(e, *case.names)
        return
    assert ref_error is None, (f"op accepted inputs the reference rejects ({ref_error!r}): "
                               f"{case.info}")
    if isinstance(expected, tuple):
        assert isinstance(got, (tuple, list)) and len(got) == len(expected), case.info
        for i, (g, e) in enumerate(zip(got, expected)):
            if e is not None:
                assert_matches(value(g), e, case.rtol, f"{case.info} output {i}", case.scale)
    else:
        assert_matches(value(got), expected, case.rtol, str(case.info), case.scale)


# ---- strategies per op family ---------------------------------------------------------------
def _dtype(allowed=INPUT_DTYPES):
    return st.sampled_from(allowed)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _gelu_erf(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))) if x.size else x


_SELU_A, _SELU_S = 1.6732632423543772, 1.0507009873554805

# name -> (reference on float64 values, value range, allowed dtypes, attribute strategy or None)
UNARY = {
    "abs": (np.abs, (-3, 3), INPUT_DTYPES[:-1], None),
    "absolute": (np.abs, (-3, 3), INPUT_DTYPES[:-1], None),
    "negative": (np.negative, (-3, 3), INPUT_DTYPES[:-1], None),
    "exp": (np.exp, (-3, 3), INPUT_DTYPES, None),
    "log2": (np.log2, (0.1, 3), INPUT_DTYPES[:-1], None),
    "log10": (np.log10, (0.1, 3), INPUT_DTYPES[:-1], None),
    "ceil": (np.ceil, (-3, 3), INPUT_DTYPES[:-1], None),
    "sin": (np.sin, (-4, 4), INPUT_DTYPES, None),
    "cos": (np.cos, (-4, 4), INPUT_DTYPES, None),
    "rsqrt": (lambda x: 1.0 / np.sqrt(x), (0.25, 3), INPUT_DTYPES, None),
    "expm1": (np.expm1, (-3, 3), INPUT_DTYPES, None),
    "log": (np.log, (0.1, 3), INPUT_DTYPES[:-1], None),
    "log1p": (np.log1p, (0, 3), INPUT_DTYPES[:-1], None),
    "sqrt": (np.sqrt, (0, 3), INPUT_DTYPES, None),
    "square": (np.square, (-3, 3), INPUT_DTYPES[:-1], None),
    "reciprocal": (np.reciprocal, (0.25, 3), FLOAT_DTYPES, None),
    "sign": (np.sign, (-3, 3), INPUT_DTYPES[:-1], None),
    "floor": (np.floor, (-3, 3), INPUT_DTYPES[:-1], None),
    "round": (np.round, (-3, 3), INPUT_DTYPES[:-1], None),
    "relu": (lambda x: np.maximum(x, 0), (-3, 3), INPUT_DTYPES, None),
    "relu6": (lambda x: np.clip(x, 0, 6), (-3, 8), INPUT_DTYPES, None),
    "sigmoid": (_sig, (-6, 6), INPUT_DTYPES, None),
    "tanh": (np.tanh, (-3, 3), INPUT_DTYPES, None),
    "softplus": (_softplus, (-3, 3), INPUT_DTYPES, None),
    "softsign": (lambda x: x / (1 + np.abs(x)), (-3, 3), INPUT_DTYPES, None),
    "silu": (lambda x: x * _sig(x), (-3, 3), INPUT_DTYPES, None),
    "swish": (lambda x: x * _sig(x), (-3, 3), INPUT_DTYPES, None),
    "selu": (lambda x: _SELU_S * np.where(x > 0, x, _SELU_A * np.expm1(np.minimum(x, 0))),
             (-3, 3), INPUT_DTYPES, None),
    "elu": (None, (-3, 3), INPUT_DTYPES, st.fixed_dictionaries({"alpha": st.sampled_from([1.0, 0.5, 2.0])})),
    "gelu": (None, (-3, 3), INPUT_DTYPES, st.fixed_dictionaries({"approximate": st.booleans()})),
    "hard_sigmoid": (lambda x: np.clip(x / 6 + 0.5, 0, 1), (-5, 5), INPUT_DTYPES, None),
    "hard_silu": (lambda x: x * np.clip(x / 6 + 0.5, 0, 1), (-5, 5), INPUT_DTYPES, None),
    "hard_swish": (lambda x: x * np.clip(x / 6 + 0.5, 0, 1), (-5, 5), INPUT_DTYPES, None),
    "leaky_relu": (None, (-3, 3), INPUT_DTYPES,
                   st.fixed_dictionaries({"negative_slope": st.sampled_from([0.2, 0.01, 0.5])})),
    "log_sigmoid": (lambda x: -_softplus(-x), (-3, 3), INPUT_DTYPES, None),
    "identity": (lambda x: x, (-3, 3), INPUT_DTYPES, None),
    "stop_gradient": (lambda x: x, (-3, 3), INPUT_DTYPES, None),
    "isnan": (np.isnan, (-3, 3), FLOAT_DTYPES + (np.int32,), None),
    "isfinite": (np.isfinite, (-3, 3), FLOAT_DTYPES + (np.int32,), None),
    "logical_not": (lambda x: np.logical_not(x), (-2, 2), INPUT_DTYPES, None),
}


def _unary_ref(name, x, attrs):
    fn = UNARY[name][0]
    if name == "elu":
        a = attrs["alpha"]
        return np.where(x > 0, x, a * np.expm1(np.minimum(x, 0)))
    if name == "gelu":
        return (_gelu_tanh if attrs["approximate"] else _gelu_erf)(x)
    if name == "leaky_relu":
        return np.where(x >= 0, x, attrs["negative_slope"] * x)
    return fn(x)


def unary(name):
    _, (lo, hi), dts, attr_st = UNARY[name]

    @st.composite
    def strat(draw):
        x = draw(arrays(_dtype(dts), shapes(), lo, hi))
        attrs = draw(attr_st) if attr_st is not None else {}
        fn = getattr(ops, name)
        exact = name in ("abs", "absolute", "negative", "sign", "floor", "round", "relu", "relu6", "identity",
                         "stop_gradient", "isnan", "isfinite", "logical_not")
        return Case(call=lambda: fn(x, **attrs), ref=lambda: _unary_ref(name, _f64(x), attrs),
                    names=(name,), rtol=0 if exact and x.dtype != np.float16 else _result_rtol(x),
                    info={"op": name, "x": (x.shape, x.dtype.name, x.strides), **attrs})
    return strat()


def _pair_dtypes(allowed):
    return st.tuples(st.sampled_from(allowed), st.sampled_from(allowed))


@st.composite
def _two_shapes(draw):
    """Mostly broadcast-compatible shape pairs; sometimes arbitrary (maybe incompatible) ones."""
    if draw(st.integers(0, 4)) == 0:
        return draw(shapes(max_dims=3)), draw(shapes(max_dims=3))
    sh = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, min_side=0, max_side=4))
    return sh.input_shapes


BINARY = {
    "add": (np.add, NUMERIC), "subtract": (np.subtract, NUMERIC),
    "multiply": (np.multiply, NUMERIC), "divide": (np.divide, NUMERIC),
    "true_divide": (np.true_divide, NUMERIC),
    "power": (np.power, FLOAT_DTYPES), "maximum": (np.maximum, NUMERIC),
    "minimum": (np.minimum, NUMERIC), "equal": (np.equal, NUMERIC),
    "not_equal": (np.not_equal, NUMERIC), "less": (np.less, NUMERIC),
    "less_equal": (np.less_equal, NUMERIC), "greater": (np.greater, NUMERIC),
    "greater_equal": (np.greater_equal, NUMERIC),
    "logical_and": (np.logical_and, INPUT_DTYPES), "logical_or": (np.logical_or, INPUT_DTYPES),
    "floor_divide": (np.floor_divide, FLOAT_DTYPES), "mod": (np.mod, FLOAT_DTYPES),
}


def binary(name):
    ref, dts = BINARY[name]

    @st.composite
    def strat(draw):
        sa, sb = draw(_two_shapes())
        da, db = draw(_pair_dtypes(dts))
        a = draw(arrays(da, sa, 0.5 if name == "power" else -3, 2 if name == "power" else 3))
        div = name in ("divide", "true_divide", "floor_divide", "mod")
        lo_b = 0.5 if div else -2
        b = draw(arrays(db, sb, lo_b, 3 if div else 2))
        if draw(st.integers(0, 5)) == 0:  # a Python scalar operand
            # (values exact in float16, so the op's weak-typed cast of the scalar is exact)
            b = draw(st.sampled_from([0.5, 2.0, 1.25] + ([] if div or name == "power"
                                                         else [0.0, -1.5])))
        fn = getattr(ops, name)
        exact = name not in ("divide", "true_divide", "power", "add", "subtract", "multiply",
                             "floor_divide", "mod")
        return Case(call=lambda: fn(a, b), ref=lambda: ref(_f64(a), _f64(b)),
                    names=(name, "divide") if name == "true_divide" else (name,),
                    # (a Python scalar is weakly typed: it does not widen the result dtype)
                    rtol=0 if exact and np.float16 not in (a.dtype, np.asarray(b).dtype)
                    else _result_rtol(a, *([b] if isinstance(b, np.ndarray) else [])),
                    info={"op": name, "a": (a.shape, a.dtype.name), "b": np.shape(b)})
    return strat()


@st.composite
def _axis(draw, ndim, allow_tuple=True, allow_none=True):
    choices = [st.integers(-ndim - 1, ndim)]
    if allow_none:
        choices.append(st.none())
    if allow_tuple and ndim:
        choices.append(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                                unique_by=lambda a: a % ndim).map(tuple))
    return draw(st.one_of(*choices))


def _lse(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros([1] * x.ndim)
    m = np.where(np.isfinite(m), m, 0)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis) if axis is not None else r.reshape(())


REDUCE = {
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "logsumexp": _lse,
    "argmax": np.argmax, "argmin": np.argmin, "any": np.any, "all": np.all,
    "amax": np.max, "amin": np.min, "std": np.std, "var": np.var,
}


def _np_axis(axis, ndim):
    if isinstance(axis, int) and not -ndim <= axis < ndim:
        raise ValueError("axis out of range")
    return axis


def reduction(name):
    ref = REDUCE[name]

    @st.composite
    def strat(draw):
        x = draw(arrays(_dtype(INPUT_DTYPES if name in ("any", "all", "sum", "max", "min", "amax",
                                                        "amin") else NUMERIC), shapes()))
        single = name in ("argmax", "argmin")
        axis = draw(_axis(x.ndim, allow_tuple=not single))
        keepdims = draw(st.booleans())
        fn = getattr(ops, name)

        def reference():
            ax = _np_axis(axis, x.ndim)
            if single and x.ndim == 0 and ax is not None:
                raise ValueError("axis on a 0-d array")
            return ref(_f64(x), axis=ax, keepdims=keepdims)
        return Case(call=lambda: fn(x, axis=axis, keepdims=keepdims), ref=reference,
                    names=(name, "axis"), rtol=0 if name in ("max", "min", "amax", "amin", "argmax",
                                                             "argmin", "any", "all") else
                    _result_rtol(x, floor=1e-4),
                    info={"op": name, "x": (x.shape, x.dtype.name), "axis": axis,
                          "keepdims": keepdims})
    return strat()


# ---- shape / indexing ops -------------------------------------------------------------------
def _case(name, call, ref, rtol=0, names=(), may_raise=False, **info):
    return Case(call=call, ref=ref, names=(name, *names), rtol=rtol, may_raise=may_raise,
                info={"op": name, **info})


@st.composite
def s_reshape(draw):
    x = draw(arrays(_dtype(), shapes()))
    if draw(st.booleans()) and x.ndim:
        perm = draw(st.permutations(list(x.shape)))
        new = list(perm)
        if draw(st.booleans()) and x.size:
            new[draw(st.integers(0, len(new) - 1))] = -1
        new = tuple(new)
    else:
        new = draw(shapes(max_dims=3))
    return _case("reshape", lambda: ops.reshape(x, new), lambda: np.reshape(_f64(x), new),
                 names=("newshape", "shape"), x=x.shape, new=new)


@st.composite
def s_transpose(draw):
    x = draw(arrays(_dtype(), shapes()))
    axes = draw(st.one_of(st.none(), st.permutations(list(range(x.ndim))).map(tuple),
                          st.lists(st.integers(-3, 4), max_size=4).map(tuple)))
    return _case("transpose", lambda: ops.transpose(x, axes),
                 lambda: np.transpose(_f64(x), axes), names=("axes",), x=x.shape, axes=axes)


@st.composite
def s_expand_dims(draw):
    x = draw(arrays(_dtype(), shapes()))
    axis = draw(st.integers(-x.ndim - 2, x.ndim + 1))
    return _case("expand_dims", lambda: ops.expand_dims(x, axis),
                 lambda: np.expand_dims(_f64(x), axis), names=("axis",), x=x.shape, axis=axis)


@st.composite
def s_squeeze(draw):
    x = draw(arrays(_dtype(), shapes(min_side=1, max_side=2)))
    axis = draw(st.one_of(st.none(), st.integers(-x.ndim - 1, x.ndim)))
    # numpy accepts axis=0 / -1 on a 0-d array; rejecting it (as Keras/TF) is fine too
    return _case("squeeze", lambda: ops.squeeze(x, axis), lambda: np.squeeze(_f64(x), axis),
                 names=("axis",), may_raise=x.ndim == 0, x=x.shape, axis=axis)


@st.composite
def s_broadcast_to(draw):
    sh = draw(hnp.mutually_broadcastable_shapes(num_shapes=1, max_dims=4, max_side=4))
    x = draw(arrays(_dtype(), sh.input_shapes[0]))
    target = sh.result_shape if draw(st.integers(0, 3)) else draw(shapes(max_dims=3))
    return _case("broadcast_to", lambda: ops.broadcast_to(x, target),
                 lambda: np.broadcast_to(_f64(x), target), names=("shape",), x=x.shape,
                 target=target)


@st.composite
def _joinable(draw, stack=False):
    base = draw(shapes(min_dims=0 if stack else 1, max_dims=3))
    n = draw(st.integers(1, 3))
    axis = draw(st.integers(-len(base) - 1 - stack, len(base) + stack))
    xs = []
    for _ in range(n):
        s = list(base)
        if not stack and base and -len(base) <= axis < len(base):
            s[axis] = draw(st.integers(0, 3))
        if draw(st.integers(0, 9)) == 0 and s:  # a mismatching member
            s[0] += 1
        xs.append(draw(arrays(_dtype(FLOAT_DTYPES + (np.int32,)), tuple(s))))
    return xs, axis


@st.composite
def s_concatenate(draw):
    xs, axis = draw(_joinable())
    return _case("concatenate", lambda: ops.concatenate(xs, axis=axis),
                 lambda: np.concatenate([_f64(x) for x in xs], axis=axis), names=("axis", "shape"),
                 rtol=1e-3, shapes=[x.shape for x in xs], axis=axis)


@st.composite
def s_stack(draw):
    xs, axis = draw(_joinable(stack=True))
    return _case("stack", lambda: ops.stack(xs, axis=axis),
                 lambda: np.stack([_f64(x) for x in xs], axis=axis), names=("axis", "shape"),
                 rtol=1e-3, shapes=[x.shape for x in xs], axis=axis)


@st.composite
def s_split(draw):
    x = draw(arrays(_dtype(), shapes(min_dims=1)))
    axis = draw(st.integers(-x.ndim - 1, x.ndim))
    ios = draw(st.one_of(st.integers(1, 4), st.lists(st.integers(0, 5), max_size=3).map(sorted)))

    def ref():
        ax = _np_axis(axis, x.ndim)
        return tuple(np.split(_f64(x), ios, axis=ax))
    return _case("split", lambda: ops.split(x, ios, axis=axis), ref,
                 names=("axis", "indices_or_sections", "split"), x=x.shape, ios=ios, axis=axis)


@st.composite
def s_unstack(draw):
    x = draw(arrays(_dtype(), shapes(min_dims=1)))
    axis = draw(st.integers(-x.ndim - 1, x.ndim))

    def ref():
        ax = _np_axis(axis, x.ndim)
        return tuple(np.moveaxis(_f64(x), ax, 0))
    return _case("unstack", lambda: ops.unstack(x, axis=axis), ref, names=("axis",), x=x.shape,
                 axis=axis)


@st.composite
def s_tile(draw):
    x = draw(arrays(_dtype(), shapes(max_dims=3)))
    reps = draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=4).map(tuple)))
    return _case("tile", lambda: ops.tile(x, reps), lambda: np.tile(_f64(x), reps),
                 names=("repeats",), x=x.shape, reps=reps)


@st.composite
def s_repeat(draw):
    x = draw(arrays(_dtype(), shapes(max_dims=3)))
    axis = draw(st.one_of(st.none(), st.integers(-x.ndim - 1, x.ndim)))
    reps = draw(st.integers(0, 3))
    return _case("repeat", lambda: ops.repeat(x, reps, axis=axis),
                 lambda: np.repeat(_f64(x), reps, axis=_np_axis(axis, x.ndim)),
                 names=("axis", "repeats"), x=x.shape, reps=reps, axis=axis)


@st.composite
def s_cumsum(draw):
    x = draw(arrays(_dtype(NUMERIC), shapes(max_dims=3)))
    axis = draw(st.one_of(st.none(), st.integers(-x.ndim - 1, x.ndim)))

    def ref():
        if axis is None:
            return np.cumsum(_f64(x).ravel())
        return np.cumsum(_f64(x), axis=_np_axis(axis, x.ndim))
    return _case("cumsum", lambda: ops.cumsum(x, axis=axis), ref, names=("axis",),
                 rtol=max(_result_rtol(x), 1e-5), x=x.shape, axis=axis)


@st.composite
def s_flip(draw):
    x = draw(arrays(_dtype(), shapes(max_dims=3)))
    axis = draw(st.one_of(st.none(), st.integers(-x.ndim - 1, x.ndim)))
    return _case("flip", lambda: ops.flip(x, axis=axis),
                 lambda: np.flip(_f64(x), axis=None if axis is None else _np_axis(axis, x.ndim)),
                 names=("axis",), x=x.shape, axis=axis)


@st.composite
def s_sorting(draw):
    """argsort / sort / top_k against numpy's stable sort (top_k: of the negated values)."""
    x = draw(arrays(_dtype(NUMERIC), shapes(max_dims=3)))
    which = draw(st.sampled_from(["argsort", "sort", "top_k"]))
    if which == "top_k":
        k = draw(st.integers(0, (x.shape[-1] if x.ndim else 0) + 1))

        def ref():
            if x.ndim == 0 or k > x.shape[-1]:
                raise ValueError("k out of range")
            order = np.argsort(-_f64(x), axis=-1, kind="stable")[..., :k]
            return np.take_along_axis(_f64(x), order, -1)
        return _case("top_k", lambda: ops.top_k(x, k)[0], ref, names=("k", "rank"),
                     x=x.shape, k=k)
    axis = draw(st.integers(-x.ndim - 1, max(x.ndim, 1)))

    def ref2():
        if x.ndim == 0:
            return _f64(x) if which == "sort" else np.zeros((), np.int32)
        ax = _np_axis(axis, x.ndim)
        out = np.argsort(_f64(x), axis=ax, kind="stable")
        return np.sort(_f64(x), axis=ax) if which == "sort" else out
    return _case(which, lambda: getattr(ops, which)(x, axis=axis), ref2, names=("axis",),
                 x=x.shape, axis=axis)


@st.composite
def s_roll(draw):
    x = draw(arrays(_dtype(), shapes(max_dims=3)))
    shift = draw(st.integers(-4, 4))
    axis = draw(st.one_of(st.none(), st.integers(-x.ndim - 1, x.ndim)))
    return _case("roll", lambda: ops.roll(x, shift, axis=axis),
                 lambda: np.roll(_f64(x), shift, None if axis is None else _np_axis(axis, x.ndim)),
                 names=("axis",), x=x.shape, shift=shift, axis=axis)


@st.composite
def s_linspace(draw):
    a, b = draw(st.floats(-5, 5)), draw(st.floats(-5, 5))
    num = draw(st.integers(-1, 9))
    endpoint = draw(st.booleans())

    def ref():
        if num < 0:
            raise ValueError("num < 0")
        return np.linspace(a, b, num, endpoint=endpoint)
    return _case("linspace", lambda: ops.linspace(a, b, num, endpoint=endpoint), ref,
                 names=("num",), rtol=1e-5, a=a, b=b, num=num)


@st.composite
def s_isinf(draw):
    x = draw(arrays(st.sampled_from([np.float32, np.float64]), shapes(max_dims=2)))
    x = x.copy()
    if x.size:
        x.flat[0] = draw(st.sampled_from([np.inf, -np.inf, np.nan, 1.0]))
    return _case("isinf", lambda: ops.isinf(x), lambda: np.isinf(x), names=(), x=x.shape)


def triangle_spec(name):
    @st.composite
    def strat(draw):
        x = draw(arrays(_dtype(), shapes(max_dims=4)))
        k = draw(st.integers(-3, 3))

        def ref():
            if x.ndim < 2:
                raise ValueError("rank < 2")
            return getattr(np, name)(_f64(x), k)
        return _case(name, lambda: getattr(ops, name)(x, k=k), ref, names=("rank",),
                     x=x.shape, k=k)
    return strat()


@st.composite
def s_pad(draw):
    x = draw(arrays(_dtype(NUMERIC), shapes(max_dims=3)))
    pw = draw(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=x.ndim,
                       max_size=x.ndim + (draw(st.integers(0, 5)) == 0)))
    cv = draw(st.sampled_from([None, 0, 1.5]))
    kw = {} if cv is None else {"constant_values": cv}
    return _case("pad", lambda: ops.pad(x, pw, constant_values=cv),
                 lambda: _f64(np.pad(x, pw, **kw)),  # constant cast to x's dtype, as numpy
                 names=("pad_width",), rtol=_result_rtol(x), x=x.shape, pad_width=pw, cv=cv)


@st.composite
def _basic_key(draw, ndim, shape):
    key = []
    dims = 0
    for i in range(draw(st.integers(0, ndim + 1))):
        kind = draw(st.sampled_from(["int", "slice", "none", "ellipsis"]))
        n = shape[dims] if dims < ndim else 1
        if kind == "int":
            key.append(draw(st.integers(-n - 1, n)))
            dims += 1
        elif kind == "slice":
            key.append(slice(draw(st.one_of(st.none(), st.integers(-n - 1, n + 1))),
                             draw(st.one_of(st.none(), st.integers(-n - 1, n + 1))),
                             draw(st.one_of(st.none(), st.sampled_from([1, 2, -1, -2])))))
            dims += 1
        elif kind == "none":
            key.append(None)
        elif Ellipsis not in key:
            key.append(Ellipsis)
    return tuple(key)


@st.composite
def s_get_item(draw):
    x = draw(arrays(_dtype(), shapes(max_dims=3)))
    if draw(st.integers(0, 3)) == 0 and x.ndim:  # integer-array (gather) key on the first axis
        key = draw(hnp.arrays(np.int64, draw(st.integers(0, 4)),
                              elements=st.integers(-x.shape[0] - 1, x.shape[0])))
    else:
        key = draw(_basic_key(x.ndim, x.shape))
    return _case("get_item", lambda: ops.get_item(x, key), lambda: _f64(x)[key],
                 names=("index", "key", "out of range", "out of bounds", "indices"),
                 x=x.shape, key=key)


@st.composite
def s_take(draw):
    x = draw(arrays(_dtype(), shapes(min_dims=1, max_dims=3)))
    axis = draw(st.one_of(st.none(), st.integers(-x.ndim - 1, x.ndim)))
    n = x.size if axis is None else (x.shape[axis] if -x.ndim <= axis < x.ndim else 1)
    idx = draw(arrays(st.sampled_from([np.int32, np.int64]), shapes(max_dims=2, max_side=4),
                      -n - 1, n))
    return _case("take", lambda: ops.take(x, idx, axis=axis),
                 lambda: np.take(_f64(x), idx, axis=_np_axis(axis, x.ndim)),
                 names=("indices", "index", "axis", "out of range", "out of bounds"),
                 # numpy does not bounds-check indices into an empty axis when the result is empty
                 may_raise=x.size == 0, x=x.shape, idx=idx.shape, axis=axis)


@st.composite
def s_take_along_axis(draw):
    x = draw(arrays(_dtype(), shapes(min_dims=1, max_dims=3)))
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    ishape = list(x.shape)
    ishape[axis] = draw(st.integers(0, 3))
    n = x.shape[axis]
    idx = draw(arrays(np.int64, tuple(ishape), -n, max(n - 1, 0)))
    assume(n > 0 or idx.size == 0)
    return _case("take_along_axis", lambda: ops.take_along_axis(x, idx, axis=axis),
                 lambda: np.take_along_axis(_f64(x), idx, axis=axis),
                 names=("indices", "axis"), x=x.shape, idx=idx.shape, axis=axis)


@st.composite
def s_where(draw):
    sh = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    c = draw(arrays(np.bool_, sh.input_shapes[0]))
    a = draw(arrays(_dtype(NUMERIC), sh.input_shapes[1]))
    b = draw(arrays(_dtype(NUMERIC), sh.input_shapes[2]))
    return _case("where", lambda: ops.where(c, a, b), lambda: np.where(c, _f64(a), _f64(b)),
                 names=("shape",), rtol=_result_rtol(a, b), c=c.shape, a=a.shape, b=b.shape)


@st.composite
def s_clip(draw):
    x = draw(arrays(_dtype(NUMERIC), shapes()))
    lo = draw(st.sampled_from([-1.0, -0.5, 0.0]))
    hi = draw(st.sampled_from([0.5, 1.0, 2.0]))
    # Keras: the result keeps x's dtype (ints: the clipped float truncated, as np.astype)
    return _case("clip", lambda: ops.clip(x, lo, hi),
                 lambda: np.clip(_f64(x), lo, hi).astype(x.dtype if x.dtype.kind in "iu" else np.float64),
                 rtol=_result_rtol(x), x=(x.shape, x.dtype.name), lo=lo, hi=hi)


@st.composite
def s_allreduce_sum(draw):
    """pyfapi.ops.collective.allreduce_sum: the identity in one process (two ranks are checked
    by tests/distributed)."""
    from pyfapi.ops.collective import allreduce_sum
    x = draw(arrays(_dtype((np.float32, np.float64, np.float16)), shapes()))
    return _case("allreduce_sum", lambda: allreduce_sum(x), lambda: _f64(x),
                 x=(x.shape, x.dtype.name))


@st.composite
def s_cast(draw):
    x = draw(arrays(_dtype(), shapes()))
    dt = draw(st.sampled_from(["float32", "float64", "float16", "int32", "bool"]))
    return _case("cast", lambda: ops.cast(x, dt),
                 lambda: _f64(x).astype(dt) if dt != "float16" else x.astype(dt),
                 rtol=1e-3 if dt == "float16" else 0, x=(x.shape, x.dtype.name), dtype=dt)


@st.composite
def s_matmul(draw):
    ra, rb = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    m, k, n = draw(st.integers(0, 6)), draw(st.integers(0, 6)), draw(st.integers(0, 6))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    sa = (k,) if ra == 1 else (*batch.input_shapes[0][: ra - 2], m, k)
    kb = k if draw(st.integers(0, 9)) else k + 1  # sometimes mismatched inner dims
    sb = (kb,) if rb == 1 else (*batch.input_shapes[1][: rb - 2], kb, n)
    a = draw(arrays(_dtype(NUMERIC), sa))
    b = draw(arrays(_dtype(NUMERIC), sb))
    return _case("matmul", lambda: ops.matmul(a, b), lambda: np.matmul(_f64(a), _f64(b)),
                 names=("shape", "x1", "x2"), rtol=_result_rtol(a, b, floor=1e-4),
                 a=(a.shape, a.dtype.name, a.strides), b=(b.shape, b.dtype.name, b.strides))


@st.composite
def s_linear(draw):
    batch = draw(shapes(min_dims=0, max_dims=2, max_side=4))
    k, n = draw(st.integers(0, 6)), draw(st.integers(1, 6))
    x = draw(arrays(_dtype(FLOAT_DTYPES), (*batch, k)))
    kk = k if draw(st.integers(0, 9)) else k + 1
    w = draw(arrays(_dtype(FLOAT_DTYPES), (kk, n)))
    bias = draw(st.one_of(st.none(), arrays(_dtype(FLOAT_DTYPES), (n,))))
    act = draw(st.sampled_from([None, "relu"]))

    def ref():
        y = np.matmul(_f64(x), _f64(w))
        if bias is not None:
            y = y + _f64(bias)
        return np.maximum(y, 0) if act == "relu" else y
    return _case("linear", lambda: ops.linear(x, w, bias, act), ref,
                 names=("shape", "kernel"), rtol=_result_rtol(x, w, floor=1e-4),
                 x=x.shape, w=w.shape, bias=None if bias is None else bias.shape, act=act)


def _softmax(x, axis):
    if x.shape[axis] == 0:
        return x.copy()  # an empty axis: empty result (as Keras)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_like(name):
    @st.composite
    def strat(draw):
        x = draw(arrays(_dtype(NUMERIC), shapes(min_dims=1)))
        axis = draw(st.integers(-x.ndim - 1, x.ndim))

        def ref():
            ax = _np_axis(axis, x.ndim)
            s = _softmax(_f64(x), ax)
            return s if name == "softmax" else np.log(s)
        return _case(name, lambda: getattr(ops, name)(x, axis=axis), ref, names=("axis",),
                     rtol=_result_rtol(x), x=(x.shape, x.dtype.name), axis=axis)
    return strat()


@st.composite
def s_normalize(draw):
    x = draw(arrays(_dtype(NUMERIC), shapes(min_dims=0)))
    nd = max(x.ndim, 1)
    axis = draw(st.integers(-nd - 1, nd))
    order = draw(st.sampled_from([2, 2, 1, 3, 0]))

    def ref():
        if order < 1:
            raise ValueError("order must be an int >= 1")
        v = _f64(x).reshape(x.shape or (1,))
        ax = _np_axis(axis, v.ndim)
        if order == 2:
            return v / np.sqrt(np.maximum((v * v).sum(axis=ax, keepdims=True), _EPS * _EPS))
        norm = (np.abs(v) ** order).sum(axis=ax, keepdims=True) ** (1.0 / order)
        return v / np.maximum(norm, _EPS)
    return _case("normalize", lambda: ops.normalize(x, axis=axis, order=order), ref,
                 names=("axis", "order"), rtol=max(_result_rtol(x), 1e-4),
                 x=(x.shape, x.dtype.name), axis=axis, order=order)


@st.composite
def s_one_hot(draw):
    nc = draw(st.integers(1, 5))
    x = draw(arrays(st.sampled_from([np.int32, np.int64]), shapes(max_dims=2), -1, nc))
    return _case("one_hot", lambda: ops.one_hot(x, nc),
                 lambda: (np.arange(nc) == x[..., None]).astype(np.float64),
                 names=("num_classes",), x=x.shape, nc=nc)


_EPS = 1e-7


def _bce(t, p, logits):
    if logits:
        return np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p)))
    p = np.clip(p, _EPS, 1 - _EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


@st.composite
def s_bce(draw):
    sh = draw(shapes(max_dims=3))
    logits = draw(st.booleans())
    t = draw(arrays(_dtype(FLOAT_DTYPES), sh, 0, 1))
    p = draw(arrays(_dtype(FLOAT_DTYPES), sh, -3 if logits else 0.05, 3 if logits else 0.95))
    return _case("binary_crossentropy", lambda: ops.binary_crossentropy(t, p, from_logits=logits),
                 lambda: _bce(_f64(t), _f64(p), logits), rtol=_result_rtol(t, p, floor=1e-4),
                 t=t.shape, logits=logits)


@st.composite
def s_cce(draw):
    sh = draw(shapes(min_dims=1, max_dims=3, min_side=1))
    logits = draw(st.booleans())
    t = draw(arrays(_dtype(FLOAT_DTYPES), sh, 0, 1))
    p = draw(arrays(_dtype(FLOAT_DTYPES), sh, -3 if logits else 0.05, 3 if logits else 0.95))

    def ref():
        tt, pp = _f64(t), _f64(p)
        if logits:
            return -(tt * np.log(_softmax(pp, -1))).sum(-1)
        pp = np.clip(pp / pp.sum(-1, keepdims=True), _EPS, 1 - _EPS)
        return -(tt * np.log(pp)).sum(-1)
    return _case("categorical_crossentropy",
                 lambda: ops.categorical_crossentropy(t, p, from_logits=logits), ref,
                 rtol=_result_rtol(t, p, floor=1e-4), t=t.shape, logits=logits)


@st.composite
def s_scce(draw):
    sh = draw(shapes(min_dims=1, max_dims=3, min_side=1))
    logits = draw(st.booleans())
    nc = sh[-1]
    t = draw(arrays(st.sampled_from([np.int32, np.int64]), sh[:-1], 0, nc - 1))
    p = draw(arrays(_dtype(FLOAT_DTYPES), sh, -3 if logits else 0.05, 3 if logits else 0.95))

    def ref():
        pp = _f64(p)
        pp = _softmax(pp, -1) if logits else np.clip(pp / pp.sum(-1, keepdims=True), _EPS, 1 - _EPS)
        return -np.log(np.take_along_axis(pp, t[..., None].astype(np.int64), -1))[..., 0]
    return _case("sparse_categorical_crossentropy",
                 lambda: ops.sparse_categorical_crossentropy(t, p, from_logits=logits), ref,
                 rtol=_result_rtol(p, floor=1e-4), p=p.shape, logits=logits)


# ---- kernel ops (conv / pool / lstm / embedding / batchnorm) --------------------------------
def _tuple_or_int(draw, nd, lo, hi):
    if draw(st.booleans()):
        return draw(st.integers(lo, hi))
    return tuple(draw(st.integers(lo, hi)) for _ in range(nd))


def _as_tuple(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


@st.composite
def _conv_geometry(draw, depthwise=False):
    nd = draw(st.integers(1, 2))
    batch = draw(st.integers(0, 3))
    spatial = tuple(draw(st.integers(1, 8)) for _ in range(nd))
    cin = draw(st.integers(1, 4))
    ks = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    cout = draw(st.integers(1, 4))
    strides = _tuple_or_int(draw, nd, 1, 3)
    dil = _tuple_or_int(draw, nd, 1, 2)
    padding = draw(st.sampled_from(["valid", "same"] + (["causal"] if nd == 1 and not depthwise else [])))
    dt = draw(_dtype(FLOAT_DTYPES + (np.int32,)))
    x = draw(arrays(dt, (batch, *spatial, cin)))
    kcin = cin if draw(st.integers(0, 9)) else cin + 1  # sometimes mismatched channels
    w = draw(arrays(_dtype(FLOAT_DTYPES), (*ks, kcin, cout)))
    outs = [lref.out_len(n, k, s, d, padding) for n, k, s, d in
            zip(spatial, ks, _as_tuple(strides, nd), _as_tuple(dil, nd))]
    return x, w, strides, padding, dil, outs


def _conv_ref(x, w, strides, padding, dil):
    if w.shape[-2] != x.shape[-1]:
        raise ValueError("channels")
    return lref.conv(_f64(x), _f64(w), None, strides, padding, dil)


def _depthwise_ref(x, w, strides, padding, dil):
    if w.shape[-2] != x.shape[-1]:
        raise ValueError("channels")
    outs = [lref.conv(_f64(x)[..., c:c + 1], _f64(w)[..., c:c + 1, :], None, strides, padding, dil)
            for c in range(x.shape[-1])]
    return np.concatenate(outs, axis=-1)


_CONV_NAMES = ("conv", "kernel", "channels", "stride", "dilation", "output", "padding", "input")


def conv_like(name):
    @st.composite
    def strat(draw):
        x, w, strides, padding, dil, outs = draw(_conv_geometry(depthwise=name == "depthwise_conv"))
        ref = _depthwise_ref if name == "depthwise_conv" else _conv_ref
        kw = dict(strides=strides, padding=padding, dilation_rate=dil)
        if name == "conv_bias_activation":
            cout = w.shape[-1]
            bias = draw(arrays(_dtype(FLOAT_DTYPES), (cout,)))
            act = draw(st.sampled_from([None, "relu"]))
            call = lambda: ops.conv_bias_activation(x, w, bias, activation=act, **kw)  # noqa: E731

            def reference():
                y = _conv_ref(x, w, strides, padding, dil) + _f64(bias)
                return np.maximum(y, 0) if act == "relu" else y
        else:
            call = lambda: getattr(ops, name)(x, w, **kw)  # noqa: E731
            reference = lambda: ref(x, w, strides, padding, dil)  # noqa: E731
        s_gt_1 = any(s > 1 for s in _as_tuple(strides, len(outs)))
        d_gt_1 = any(d > 1 for d in _as_tuple(dil, len(outs)))
        return Case(call=call, ref=reference, names=(name, *_CONV_NAMES),
                    rtol=_kernel_rtol(x, w),
                    # Keras rejects an empty 'valid' output and strides > 1 with dilation > 1
                    may_raise=min(outs) < 1 or (s_gt_1 and d_gt_1),
                    info={"op": name, "x": (x.shape, x.dtype.name, x.strides), "w": w.shape, **kw})
    return strat()


def pool_like(name):
    mode = "max" if name == "max_pool" else "avg"

    @st.composite
    def strat(draw):
        nd = draw(st.integers(1, 2))
        x = draw(arrays(_dtype(FLOAT_DTYPES + (np.int32,)),
                        (draw(st.integers(0, 3)), *[draw(st.integers(1, 7)) for _ in range(nd)],
                         draw(st.integers(1, 4)))))
        ps = _tuple_or_int(draw, nd, 1, 4)
        strides = draw(st.one_of(st.none(), st.integers(1, 3),
                                 st.tuples(*[st.integers(1, 3)] * nd)))
        padding = draw(st.sampled_from(["valid", "same"]))
        pst = _as_tuple(ps, nd)
        sst = pst if strides is None else _as_tuple(strides, nd)
        outs = [lref.out_len(n, k, s, 1, padding) for n, k, s in zip(x.shape[1:-1], pst, sst)]
        return Case(call=lambda: getattr(ops, name)(x, ps, strides, padding),
                    ref=lambda: lref.pool(_f64(x), ps, strides, padding, mode),
                    names=(name, "pool_size", "strides", "output", "padding", "input"),
                    rtol=_kernel_rtol(x),
                    may_raise=min(outs) < 1,
                    info={"op": name, "x": (x.shape, x.dtype.name, x.strides), "pool_size": ps,
                          "strides": strides, "padding": padding})
    return strat()


@st.composite
def s_lstm(draw):
    n, t, f, u = (draw(st.integers(0, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4)),
                  draw(st.integers(1, 4)))
    dt = _dtype(FLOAT_DTYPES)
    x = draw(arrays(dt, (n, t, f), -1, 1))
    ff = f if draw(st.integers(0, 9)) else f + 1
    k = draw(arrays(dt, (ff, 4 * u), -1, 1))
    rk = draw(arrays(dt, (u, 4 * u), -1, 1))
    b = draw(st.one_of(st.none(), arrays(dt, (4 * u,), -1, 1)))
    state = draw(st.one_of(st.none(), st.tuples(arrays(dt, (n, u), -1, 1), arrays(dt, (n, u), -1, 1))))
    rs = draw(st.booleans())

    def ref():
        if ff != f:
            raise ValueError("features")
        h0, c0 = (None, None) if state is None else map(_f64, state)
        seq, h, c = lref.lstm(_f64(x), _f64(k), _f64(rk), 0.0 if b is None else _f64(b), h0, c0)
        return (seq if rs else h), h, c
    return Case(call=lambda: ops.lstm(x, k, rk, b, None if state is None else list(state), rs),
                ref=ref, names=("lstm", "kernel", "features", "shape"),
                rtol=_kernel_rtol(x, k),
                info={"op": "lstm", "x": x.shape, "k": k.shape, "bias": b is not None,
                      "state": state is not None, "return_sequences": rs})


@st.composite
def s_gru(draw):
    from references.rnn_ref import gru_ref
    n, t, u = draw(st.integers(0, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    dt = _dtype(FLOAT_DTYPES)
    gg = 3 * u if draw(st.integers(0, 9)) else 3 * u + 1
    xp = draw(arrays(dt, (n, t, gg), -1, 1))
    rk = draw(arrays(dt, (u, 3 * u), -1, 1))
    ra, rs, zero = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    b = draw(st.one_of(st.none(), arrays(dt, (3 * u,), -1, 1))) if ra else None
    h0 = draw(st.one_of(st.none(), arrays(dt, (n, u), -1, 1)))
    mask = draw(st.one_of(st.none(), arrays(np.bool_, (n, t), 0, 1)))

    def ref():
        if gg != 3 * u:
            raise ValueError("shape")
        bias = None if b is None else np.stack([np.zeros(3 * u), _f64(b)])
        seq, h = gru_ref(_f64(xp), np.eye(3 * u), _f64(rk), bias,
                         None if h0 is None else _f64(h0), mask, ra, zero_output_for_mask=zero)
        return (seq if rs else seq[:, -1]), h
    return Case(call=lambda: ops.gru(xp, rk, b, h0, mask, reset_after=ra,
                                     zero_output_for_mask=zero, return_sequences=rs),
                ref=ref, names=("gru", "shape", "projection"), rtol=_kernel_rtol(xp, rk),
                info={"op": "gru", "xp": xp.shape, "u": u, "bias": b is not None,
                      "state": h0 is not None, "mask": mask is not None, "ra": ra})


@st.composite
def s_rnn_gate_projection(draw):
    from pyfapi.ops.rnn import gate_projection
    n, t, d = draw(st.integers(0, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    k, u = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    dt = _dtype(FLOAT_DTYPES)
    x = draw(arrays(dt, (n, t, d), -1, 1))
    dd = d if draw(st.integers(0, 9)) else d + 1
    w = draw(arrays(dt, (dd, k * u), -1, 1))
    b = draw(st.one_of(st.none(), arrays(dt, (k * u,), -1, 1)))
    masks = draw(arrays(np.float32, (k, n, d), 0, 2))

    def ref():
        if dd != d:
            raise ValueError("shape")
        out = np.concatenate([(_f64(x) * _f64(masks[q])[:, None, :]) @ _f64(w)[:, q * u:(q + 1) * u]
                              for q in range(k)], axis=-1)
        return out if b is None else out + _f64(b)
    return Case(call=lambda: gate_projection(x, w, b, masks), ref=ref,
                names=("rnn_gate_projection", "shape", "match"), rtol=_kernel_rtol(x, w),
                info={"op": "rnn_gate_projection", "x": x.shape, "w": w.shape, "k": k})


@st.composite
def s_simple_rnn(draw):
    from references.rnn_ref import simple_rnn_ref
    n, t, u = draw(st.integers(0, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    dt = _dtype(FLOAT_DTYPES)
    xp = draw(arrays(dt, (n, t, u), -1, 1))
    uu = u if draw(st.integers(0, 9)) else u + 1
    rk = draw(arrays(dt, (uu, uu), -1, 1))
    act = draw(st.sampled_from(["tanh", "relu", "linear"]))
    rs = draw(st.booleans())
    h0 = draw(st.one_of(st.none(), arrays(dt, (n, u), -1, 1)))
    mask = draw(st.one_of(st.none(), arrays(np.bool_, (n, t), 0, 1)))

    def ref():
        if uu != u:
            raise ValueError("shape")
        seq, h = simple_rnn_ref(_f64(xp), np.eye(u), _f64(rk), None,
                                None if h0 is None else _f64(h0), mask, act)
        return (seq if rs else seq[:, -1]), h
    return Case(call=lambda: ops.simple_rnn(xp, rk, h0, mask, activation=act,
                                            return_sequences=rs),
                ref=ref, names=("simple_rnn", "shape", "projection"), rtol=_kernel_rtol(xp, rk),
                info={"op": "simple_rnn", "xp": xp.shape, "u": u, "act": act})


@st.composite
def s_embedding_lookup(draw):
    v, d = draw(st.integers(1, 6)), draw(st.integers(0, 4))
    table = draw(arrays(_dtype(FLOAT_DTYPES), (v, d)))
    wrap = draw(st.booleans())
    idx = draw(arrays(st.sampled_from([np.int32, np.int64]), shapes(max_dims=3, max_side=4),
                      -v - 1, v))

    def ref():
        if idx.size and (idx.max() >= v or idx.min() < (-v if wrap else 0)):
            raise IndexError("index out of range")
        return _f64(table)[idx]
    return _case("embedding_lookup", lambda: ops.embedding_lookup(table, idx, wrap), ref,
                 names=("index", "indices", "input_dim"), rtol=_kernel_rtol(table),
                 table=table.shape, idx=idx.shape,
                 wrap=wrap)


@st.composite
def s_batch_normalization(draw):
    x = draw(arrays(_dtype(FLOAT_DTYPES), shapes(min_dims=1, max_dims=4)))
    axis = draw(st.integers(-x.ndim - 1, x.ndim))
    c = x.shape[axis] if -x.ndim <= axis < x.ndim else 1
    cc = c if draw(st.integers(0, 9)) else c + 1
    mean = draw(arrays(np.float32, (cc,)))
    var = draw(arrays(np.float32, (cc,), 0, 3))
    offset = draw(st.one_of(st.none(), arrays(np.float32, (cc,))))
    scale = draw(st.one_of(st.none(), arrays(np.float32, (cc,))))
    eps = draw(st.sampled_from([1e-3, 1e-5, 0.1]))

    def ref():
        ax = _np_axis(axis, x.ndim) % x.ndim
        if cc != x.shape[ax]:
            raise ValueError("length")
        shp = [1] * x.ndim
        shp[ax] = cc
        r = lambda v: _f64(v).reshape(shp)  # noqa: E731
        y = (_f64(x) - r(mean)) / np.sqrt(r(var) + eps)
        if scale is not None:
            y = y * r(scale)
        return y + r(offset) if offset is not None else y
    return _case("batch_normalization",
                 lambda: ops.batch_normalization(x, mean, var, axis, offset, scale, eps), ref,
                 names=("axis", "mean", "variance", "shape"), rtol=_kernel_rtol(x),
                 scale=max(1.0, 1 / math.sqrt(eps) * 3 * 3),
                 x=(x.shape, x.dtype.name), axis=axis, c=cc)


@st.composite
def s_batch_norm_train(draw):
    x = draw(arrays(_dtype(FLOAT_DTYPES), shapes(min_dims=1, max_dims=4)))
    c = x.shape[-1]
    scale = draw(st.one_of(st.none(), arrays(np.float32, (c,))))
    offset = draw(st.one_of(st.none(), arrays(np.float32, (c,))))
    eps = draw(st.sampled_from([1e-3, 0.1]))

    def ref():
        xx = _f64(x).reshape(int(np.prod(x.shape[:-1])), c)
        if xx.shape[0] == 0:
            raise ValueError("empty batch")
        m, v = xx.mean(0), xx.var(0)
        y = (_f64(x) - m) / np.sqrt(v + eps)
        if scale is not None:
            y = y * _f64(scale)
        if offset is not None:
            y = y + _f64(offset)
        return y, m, v
    return _case("batch_norm_train", lambda: ops.batch_norm_train(x, scale, offset, eps), ref,
                 names=("batch", "shape", "scale", "offset", "rank"),
                 rtol=1e-2 if x.dtype == np.float16 else 1e-3,
                 x=(x.shape, x.dtype.name))


@st.composite
def s_layer_normalization(draw):
    x = draw(arrays(_dtype(FLOAT_DTYPES), shapes(min_dims=1, max_dims=4)))
    axis = draw(st.integers(-x.ndim - 1, x.ndim))
    c = x.shape[axis] if -x.ndim <= axis < x.ndim else 1
    cc = c if draw(st.integers(0, 9)) else c + 1
    gamma = draw(st.one_of(st.none(), arrays(np.float32, (cc,))))
    beta = draw(st.one_of(st.none(), arrays(np.float32, (cc,))))
    eps = draw(st.sampled_from([1e-3, 0.1]))

    def ref():
        ax = _np_axis(axis, x.ndim) % x.ndim
        if cc != x.shape[ax] and (gamma is not None or beta is not None):
            raise ValueError("gamma")
        if x.size == 0:
            return _f64(x)  # (an empty normalized axis may also raise: may_raise)
        xx = _f64(x)
        m = xx.mean(ax, keepdims=True)
        y = (xx - m) / np.sqrt(((xx - m) ** 2).mean(ax, keepdims=True) + eps)
        shp = [1] * x.ndim
        shp[ax] = -1
        if gamma is not None:
            y = y * _f64(gamma).reshape(shp)
        return y + _f64(beta).reshape(shp) if beta is not None else y
    return _case("layer_normalization",
                 lambda: ops.layer_normalization(x, gamma, beta, axis, eps), ref,
                 names=("axis", "gamma", "beta", "shape", "normalized"), rtol=_kernel_rtol(x),
                 scale=max(1.0, 1 / math.sqrt(eps) * 3 * 3), may_raise=x.size == 0,
                 x=(x.shape, x.dtype.name), axis=axis, c=cc)


# ---- public ops that compose registered ops (walked like them) -----------------------------------
@st.composite
def s_moments(draw):
    x = draw(arrays(_dtype(FLOAT_DTYPES), shapes(min_dims=1)))
    axes = draw(st.one_of(st.integers(-x.ndim - 1, x.ndim),
                          st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=x.ndim,
                                   unique_by=lambda a: a % x.ndim).map(tuple)))
    keepdims = draw(st.booleans())

    def ref():
        ax = _np_axis(axes, x.ndim)
        xx = _f64(x)
        return np.mean(xx, axis=ax, keepdims=keepdims), np.var(xx, axis=ax, keepdims=keepdims)
    return _case("moments", lambda: ops.moments(x, axes, keepdims=keepdims), ref,
                 names=("axis", "axes"), rtol=_result_rtol(x, floor=1e-4),
                 x=(x.shape, x.dtype.name), axes=axes, keepdims=keepdims)


@st.composite
def s_dot(draw):
    ra, rb = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    m, k, n = draw(st.integers(0, 5)), draw(st.integers(0, 5)), draw(st.integers(0, 5))
    kb = k if draw(st.integers(0, 9)) else k + 1  # sometimes mismatched inner dims
    sa = {0: (), 1: (k,), 2: (m, k)}[ra]
    sb = {0: (), 1: (kb,), 2: (kb, n)}[rb]
    a = draw(arrays(_dtype(NUMERIC), sa))
    b = draw(arrays(_dtype(NUMERIC), sb))
    return _case("dot", lambda: ops.dot(a, b), lambda: np.dot(_f64(a), _f64(b)),
                 names=("shape", "x1", "x2"), rtol=_result_rtol(a, b, floor=1e-4),
                 a=(a.shape, a.dtype.name), b=(b.shape, b.dtype.name))


@st.composite
def s_moveaxis(draw):
    x = draw(arrays(_dtype(), shapes()))
    src, dst = (draw(st.integers(-x.ndim - 1, x.ndim)) for _ in range(2))
    return _case("moveaxis", lambda: ops.moveaxis(x, src, dst),
                 lambda: np.moveaxis(_f64(x), src, dst), names=("axis", "source", "destination"),
                 x=x.shape, source=src, destination=dst)


@st.composite
def s_swapaxes(draw):
    x = draw(arrays(_dtype(), shapes()))
    a1, a2 = (draw(st.integers(-x.ndim - 1, x.ndim)) for _ in range(2))
    return _case("swapaxes", lambda: ops.swapaxes(x, a1, a2),
                 lambda: np.swapaxes(_f64(x), a1, a2), names=("axis", "axis1", "axis2"),
                 x=x.shape, axis1=a1, axis2=a2)


@st.composite
def s_flatten(draw):
    x = draw(arrays(_dtype(), shapes()))
    return _case("flatten", lambda: ops.flatten(x), lambda: np.ravel(_f64(x)), x=x.shape)


@st.composite
def s_slice(draw):
    x = draw(arrays(_dtype(), shapes(min_dims=1)))
    start = tuple(draw(st.integers(0, d)) for d in x.shape)
    size = tuple(draw(st.integers(0, d - s0 + (1 if draw(st.integers(0, 9)) == 0 else 0)))
                 for d, s0 in zip(x.shape, start))

    def ref():
        if any(s0 + n > d for s0, n, d in zip(start, size, x.shape)):
            raise ValueError("slice beyond the input")
        return _f64(x)[tuple(slice(s0, s0 + n) for s0, n in zip(start, size))]
    return _case("slice", lambda: ops.slice(x, start, size), ref,
                 names=("start_indices", "shape", "slice"), may_raise=True, x=x.shape,
                 start=start, size=size)


def like(name):
    @st.composite
    def strat(draw):
        x = draw(arrays(_dtype(), shapes()))
        if name == "full_like":
            v = draw(st.sampled_from([0.5, -2.0, 3.0]))
            # (x's dtype, as numpy / Keras: an int x truncates the fill value)
            return _case(name, lambda: ops.full_like(x, v), lambda: _f64(np.full_like(x, v)),
                         x=(x.shape, x.dtype.name), fill_value=v)
        fill = 0.0 if name == "zeros_like" else 1.0
        return _case(name, lambda: getattr(ops, name)(x), lambda: np.full(x.shape, fill),
                     x=x.shape)
    return strat()


#: public ``pyfapi.ops`` functions that are neither registered ops nor composites with a spec:
#: each with the reason it is not fuzzed here (a new public op must get a spec or an entry).
NOT_WALKED = {
    "array": "conversion (tests/test_custom_components.py)",
    "tensordot": "an einsum equation built from axes; einsum is walked "
                 "(tests/test_custom_components.py, gradcheck_cases_contractions.py)",
    "arange": "creation, no input array (tests/test_ops.py)",
    "eye": "creation, no input array (tests/test_ops.py)",
    "full": "creation, no input array (tests/test_ops.py)",
    "ones": "creation, no input array (tests/test_ops.py)",
    "zeros": "creation, no input array (tests/test_ops.py)",
    "shape": "metadata, no computation", "ndim": "metadata, no computation",
    "size": "metadata, no computation", "dtype": "metadata, no computation",
    "is_tensor": "type test, no computation",
    "convert_to_numpy": "conversion, no computation",
    "convert_to_tensor": "conversion, no computation",
    "register_take_kernels": "installs the embedding kernels (pyfapi.kernels), not an op",
}

@st.composite
def s_einsum(draw):
    eq, shapes_ = draw(st.sampled_from([
        ("ij,jk->ik", [("i", "j"), ("j", "k")]), ("bij,bjk->bik", [("b", "i", "j"), ("b", "j", "k")]),
        ("abcd,aecd->acbe", [("a", "b", "c", "d"), ("a", "e", "c", "d")]),
        ("...j,jk->...k", [("x", "y", "j"), ("j", "k")]), ("ij->j", [("i", "j")]),
        ("i,i->", [("i",), ("i",)]), ("ij,kj", [("i", "j"), ("k", "j")]),
        ("ab,b->a", [("a", "b"), ("b",)])]))
    sizes = {c: draw(st.integers(0, 3)) for c in "abcdeijkxy"}
    bad = draw(st.integers(0, 9)) == 0
    arrs = []
    for n, shp in enumerate(shapes_):
        dims = [sizes[c] + (1 if bad and n == 1 and j == 0 else 0) for j, c in enumerate(shp)]
        arrs.append(draw(arrays(_dtype(FLOAT_DTYPES), tuple(dims))))
    return _case("einsum", lambda: ops.einsum(eq, *arrs),
                 lambda: np.einsum(eq, *[_f64(a) for a in arrs]),
                 names=("subscripts", "letter", "shape", "operand"),
                 rtol=1e-2 if any(a.dtype == np.float16 for a in arrs) else 1e-4,
                 eq=eq, shapes=[a.shape for a in arrs])


@st.composite
def s_sparsemax(draw):
    x = draw(arrays(_dtype(NUMERIC), shapes(min_dims=1), -3, 3))
    axis = draw(st.integers(-x.ndim - 1, x.ndim))

    def ref():
        ax = _np_axis(axis, x.ndim)
        z = np.moveaxis(_f64(x), ax, -1)
        if z.shape[-1] == 0:
            return _f64(x)
        zs = -np.sort(-z, -1)
        k = np.arange(1, z.shape[-1] + 1)
        cs = np.cumsum(zs, -1)
        kk = np.sum(1 + k * zs > cs, -1, keepdims=True)
        tau = (np.take_along_axis(cs, kk - 1, -1) - 1) / kk
        return np.moveaxis(np.maximum(z - tau, 0), -1, ax)
    return _case("sparsemax", lambda: ops.sparsemax(x, axis=axis), ref, names=("axis",),
                 rtol=1e-2 if x.dtype == np.float16 else 1e-4, x=(x.shape, x.dtype.name),
                 axis=axis)


@st.composite
def s_masked_softmax(draw):
    from pyfapi.ops.masked_softmax import masked_softmax
    x = draw(arrays(_dtype(NUMERIC), shapes(min_dims=1), -4, 4))
    kind = draw(st.sampled_from(["none", "bool", "add", "bad"]))
    uniform = draw(st.booleans())
    mshape = tuple(d if draw(st.booleans()) else 1 for d in x.shape)[draw(st.integers(0, x.ndim)):]
    if kind == "bad":
        mshape = mshape[:-1] + (mshape[-1] + 2,) if mshape else (x.shape[-1] + 2,)
    mask = None if kind == "none" else (
        draw(arrays(np.bool_, mshape)) if kind in ("bool", "bad") else draw(arrays(np.float32, mshape)))

    def ref():
        if kind == "bad":
            raise ValueError("does not broadcast")
        v = _f64(x)
        n = v.shape[-1]
        if n == 0:
            return v
        keep = np.broadcast_to(mask, v.shape) if kind == "bool" else np.ones(v.shape, bool)
        if kind == "add":
            v = v + np.broadcast_to(mask.astype(np.float64), v.shape)
        out = np.zeros(v.shape)
        for idx in np.ndindex(*v.shape[:-1]):
            k = keep[idx]
            if not k.any():
                out[idx] = 1.0 / n if uniform else 0.0
                continue
            e = np.exp(v[idx][k] - v[idx][k].max())
            out[idx][k] = e / e.sum()
        return out
    return _case("masked_softmax", lambda: masked_softmax(x, mask, uniform), ref,
                 names=("mask", "shape"), rtol=1e-2 if x.dtype == np.float16 else 1e-5,
                 x=(x.shape, x.dtype.name), kind=kind, mask=mshape, uniform=uniform)


@st.composite
def s_fused_attention(draw):
    from pyfapi.ops.fused_attention import fused_attention
    b, t, s_, nh = (draw(st.integers(0 if i == 0 else 1, 4)) for i in range(4))
    h, hv = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    dt = _dtype((np.float32, np.float64))
    q = draw(arrays(dt, (b, t, nh, h)))
    k = draw(arrays(dt, (b, s_ + draw(st.sampled_from([0, 0, 0, 1])), nh, h)))
    v = draw(arrays(dt, (b, s_, nh, hv)))
    mshape = draw(st.sampled_from([None, (t, s_), (b, 1, t, s_), (1, s_), (t, s_ + 1)]))
    mask = None if mshape is None else draw(arrays(np.bool_, mshape))
    uniform = draw(st.booleans())

    def ref():
        if k.shape[1] != v.shape[1] or (mshape is not None and mshape[-1] not in (s_, 1)):
            raise ValueError("shapes do not match")
        q64, k64, v64 = _f64(q), _f64(k), _f64(v)
        sc = np.einsum("btnh,bsnh->bnts", q64, k64)
        keep = np.ones(sc.shape, bool) if mask is None else np.broadcast_to(mask, sc.shape)
        p = np.zeros(sc.shape)
        for idx in np.ndindex(*sc.shape[:-1]):
            m = keep[idx]
            if not m.any():
                p[idx] = 1.0 / sc.shape[-1] if uniform else 0.0
                continue
            e = np.exp(sc[idx][m] - sc[idx][m].max())
            p[idx][m] = e / e.sum()
        return np.einsum("bnts,bsnh->btnh", p, v64)
    return _case("fused_attention", lambda: fused_attention(q, k, v, mask, uniform), ref,
                 names=("mask", "shape", "match"), rtol=1e-4, q=q.shape, k=k.shape, v=v.shape,
                 mask=mshape, uniform=uniform)


@st.composite
def s_conv_transpose(draw):
    from references.conv_transpose_ref import conv_transpose_ref
    from pyfapi.kernels.conv_transpose import conv_transpose_geometry
    nd = draw(st.integers(1, 2))
    n, cin, f = draw(st.integers(0, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    ks = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dil = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    padding = draw(st.sampled_from(["valid", "same"]))
    opad = draw(st.one_of(st.none(), st.just(tuple(draw(st.integers(0, 2)) for _ in range(nd)))))
    x = draw(arrays(_dtype(FLOAT_DTYPES), (n, *spatial, cin)))
    kin = cin if draw(st.integers(0, 9)) else cin + 1
    k = draw(arrays(_dtype(FLOAT_DTYPES), (*ks, f, kin)))

    def ref():
        if kin != cin:
            raise ValueError("in_channels")
        if opad is not None and any(p >= s for p, s in zip(opad, strides)):
            raise ValueError("output_padding")
        g = conv_transpose_geometry(x.shape, k.shape, strides, padding, opad, dil)
        if any(o < 1 for o in g.output_shape[1:-1]):
            raise ValueError("output size")
        pads = [g.args[4], g.args[5]] if nd == 2 else [g.args[5]]
        return conv_transpose_ref(_f64(x), _f64(k), strides, g.output_shape[1:-1], pads, dil)
    return _case("conv_transpose",
                 lambda: ops.conv_transpose(x, k, strides, padding, output_padding=opad,
                                            dilation_rate=dil), ref,
                 names=("in_channels", "output_padding", "output size", "shape"),
                 rtol=_kernel_rtol(x, k), x=x.shape, k=k.shape, strides=strides,
                 padding=padding, opad=opad, dil=dil)


SPECS = {
    **{n: unary(n) for n in UNARY},
    **{n: binary(n) for n in BINARY},
    **{n: reduction(n) for n in REDUCE},
    "reshape": s_reshape(), "transpose": s_transpose(), "expand_dims": s_expand_dims(),
    "squeeze": s_squeeze(), "broadcast_to": s_broadcast_to(), "concatenate": s_concatenate(),
    "stack": s_stack(), "unstack": s_unstack(), "split": s_split(), "tile": s_tile(), "repeat": s_repeat(),
    "argsort": s_sorting(), "sort": s_sorting(), "top_k": s_sorting(), "roll": s_roll(),
    "linspace": s_linspace(), "isinf": s_isinf(),
    "cumsum": s_cumsum(), "flip": s_flip(), "tril": triangle_spec("tril"),
    "triu": triangle_spec("triu"),
    "pad": s_pad(), "get_item": s_get_item(), "take": s_take(),
    "take_along_axis": s_take_along_axis(), "where": s_where(), "clip": s_clip(),
    "cast": s_cast(), "matmul": s_matmul(), "linear": s_linear(),
    "softmax": softmax_like("softmax"), "log_softmax": softmax_like("log_softmax"), "normalize": s_normalize(),
    "one_hot": s_one_hot(), "binary_crossentropy": s_bce(), "categorical_crossentropy": s_cce(),
    "sparse_categorical_crossentropy": s_scce(),
    "conv": conv_like("conv"), "depthwise_conv": conv_like("depthwise_conv"),
    "conv_bias_activation": conv_like("conv_bias_activation"),
    "max_pool": pool_like("max_pool"), "average_pool": pool_like("average_pool"),
    "lstm": s_lstm(), "embedding_lookup": s_embedding_lookup(),
    "gru": s_gru(), "simple_rnn": s_simple_rnn(), "rnn_gate_projection": s_rnn_gate_projection(),
    "batch_normalization": s_batch_normalization(), "batch_norm_train": s_batch_norm_train(),
    "allreduce_sum": s_allreduce_sum(),
    "layer_normalization": s_layer_normalization(), "einsum": s_einsum(),
    "sparsemax": s_sparsemax(), "conv_transpose": s_conv_transpose(),
    "masked_softmax": s_masked_softmax(), "fused_attention": s_fused_attention(),
    # public composites of registered ops
    "moments": s_moments(), "dot": s_dot(), "moveaxis": s_moveaxis(), "swapaxes": s_swapaxes(),
    "flatten": s_flatten(), "slice": s_slice(),
    **{n: like(n) for n in ("zeros_like", "ones_like", "full_like")},
}


#: every public function of ``pyfapi.ops`` (``ops.__all__``): each is a registered op or a
#: composite with a spec above, or is listed in :data:`NOT_WALKED` with its reason.
PUBLIC_OPS = frozenset(n for n in ops.__all__ if callable(getattr(ops, n))
                       and not isinstance(getattr(ops, n), type(ops)))


def require_registered(name):
    if name in REGISTRY or name in PUBLIC_OPS:
        return
    assert name in PENDING, f"spec for an op that is neither registered nor public: {name!r}"
    pytest.skip(f"op {name!r} is not registered yet (kernel branch not merged); "
                f"its fuzz spec runs automatically once it is")


def test_every_registered_op_has_a_spec():
    missing = sorted(set(REGISTRY) - set(SPECS))
    assert not missing, f"registered ops without a fuzz spec in tests/test_fuzz_ops.py: {missing}"


def test_every_public_op_is_walked():
    missing = sorted(PUBLIC_OPS - set(SPECS) - set(NOT_WALKED))
    assert not missing, (f"public pyfapi.ops functions without a fuzz spec in "
                         f"tests/test_fuzz_ops.py (add one to SPECS, or to NOT_WALKED with the "
                         f"reason it needs none): {missing}")
    stale = sorted(set(NOT_WALKED) - PUBLIC_OPS)
    assert not stale, f"NOT_WALKED names that are not public pyfapi.ops functions: {stale}"
    assert not set(NOT_WALKED) & set(SPECS), "an op is both walked and exempt"


def test_no_spec_for_an_unknown_op():
    unknown = sorted(set(SPECS) - set(REGISTRY) - PUBLIC_OPS - PENDING)
    assert not unknown, f"fuzz specs for ops that are neither registered nor public: {unknown}"
    stale = sorted(PENDING & set(REGISTRY))
    assert not stale, f"PENDING ops that are registered now (drop them from PENDING): {stale}"


@pytest.mark.parametrize("name", sorted(SPECS))
@given(data=st.data())
def test_op_matches_reference_or_raises_cleanly(name, data):
    require_registered(name)
    run_case(data.draw(SPECS[name], label=name))


# ---- backward of the kernel ops: a directional finite-difference check --------------------------
@st.composite
def _kernel_grad_case(draw, name):
    """(fn(*tensors) -> Tensor, float64 reference fn(*arrays), list of inputs) for ``name``."""
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    layout = draw(st.sampled_from(LAYOUTS))
    nd = draw(st.integers(1, 2))
    n = draw(st.integers(0, 3))
    spatial = tuple(draw(st.integers(1, 6)) for _ in range(nd))
    c = draw(st.integers(1, 3))
    x = with_layout(rng.standard_normal((n, *spatial, c)).astype(np.float32), layout)
    if name in ("max_pool", "average_pool"):
        ps = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        strides = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        padding = draw(st.sampled_from(["valid", "same"]))
        assume(all(lref.out_len(m, k, s, 1, padding) > 0 for m, k, s in zip(spatial, ps, strides)))
        mode = "max" if name == "max_pool" else "avg"
        return (lambda t: getattr(ops, name)(t, ps, strides, padding),
                lambda a: lref.pool(a, ps, strides, padding, mode), [x])
    if name in ("conv", "depthwise_conv"):
        ks = tuple(draw(st.integers(1, 3)) for _ in range(nd))
        strides = tuple(draw(st.integers(1, 2)) for _ in range(nd))
        padding = draw(st.sampled_from(["valid", "same"]))
        assume(all(lref.out_len(m, k, s, 1, padding) > 0 for m, k, s in zip(spatial, ks, strides)))
        w = rng.standard_normal((*ks, c, draw(st.integers(1, 3)))).astype(np.float32)
        ref = _depthwise_ref if name == "depthwise_conv" else _conv_ref
        return (lambda t, k: getattr(ops, name)(t, k, strides, padding),
                lambda a, k: ref(a, k, strides, padding, 1), [x, w])
    if name == "embedding_lookup":
        v = draw(st.integers(1, 5))
        table = rng.standard_normal((v, c)).astype(np.float32)
        idx = rng.integers(0, v, size=(n, *spatial)).astype(np.int32)  # many duplicate rows
        return (lambda tb: ops.embedding_lookup(tb, idx), lambda tb: tb[idx], [table])
    raise AssertionError(name)


GRAD_KERNEL_OPS = ("max_pool", "average_pool", "conv", "depthwise_conv", "embedding_lookup")


@pytest.mark.parametrize("name", GRAD_KERNEL_OPS)
@given(data=st.data())
def test_kernel_backward_directional_derivative(name, data):
    """<dy, J v> from the tape equals the central difference of the float64 reference along a
    random direction v: exercises the backward kernels (col2im, pooling scatter, embedding
    scatter-add) on fuzzed geometries and layouts."""
    require_registered(name)
    fn, ref, inputs = data.draw(_kernel_grad_case(name), label=name)
    rng = np.random.default_rng(0)
    ts = [Tensor(np.asarray(a)) for a in inputs]
    with GradientTape() as tape:
        tape.watch(ts)
        y = fn(*ts)
        dy = rng.standard_normal(value(y).shape)
        loss = ops.sum(ops.multiply(y, dy.astype(np.float32)))
    grads = tape.gradient(loss, ts)
    # max_pool is piecewise linear: a small step keeps the difference inside one linear piece
    eps = 1e-6 if name == "max_pool" else 1e-3
    vs = [rng.standard_normal(np.shape(a)) for a in inputs]
    plus = ref(*[_f64(a) + eps * v for a, v in zip(inputs, vs)])
    minus = ref(*[_f64(a) - eps * v for a, v in zip(inputs, vs)])
    fd = float(np.sum(dy * (plus - minus)) / (2 * eps))
    for g, a in zip(grads, inputs):
        assert g is not None and value(g).shape == np.shape(a)
        assert np.isfinite(value(g)).all()
    analytic = float(sum(np.sum(_f64(value(g)) * v) for g, v in zip(grads, vs)))
    tol = 1e-3 * (1 + sum(np.abs(_f64(value(g))).sum() for g in grads))
    assert abs(analytic - fd) <= tol, (name, analytic, fd)


# ---- GEMM kernel: out= views inside a canary buffer -----------------------------------------
@st.composite
def _gemm_case(draw):
    m, k, n = (draw(st.integers(0, 9)), draw(st.integers(0, 9)), draw(st.integers(0, 9)))
    ta, tb = draw(st.booleans()), draw(st.booleans())
    a = draw(arrays(_dtype(FLOAT_DTYPES), (k, m) if ta else (m, k)))
    b = draw(arrays(_dtype(FLOAT_DTYPES), (n, k) if tb else (k, n)))
    alpha = draw(st.sampled_from([1.0, 0.5, -2.0, 0.0]))
    beta = draw(st.sampled_from([0.0, 1.0, -0.5]))
    bias = draw(st.one_of(st.none(), arrays(np.float32, (n,))))
    act = draw(st.sampled_from([None, "linear", "relu"]))
    # out: an (m, n) window of a bigger float32 buffer filled with a canary value
    r0, c0 = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    extra_r, extra_c = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    return m, k, n, ta, tb, a, b, alpha, beta, bias, act, (r0, c0, extra_r, extra_c)


CANARY = np.float32(-12345.5)


@given(case=_gemm_case())
def test_gemm_out_view_writes_only_its_window(case):
    m, k, n, ta, tb, a, b, alpha, beta, bias, act, (r0, c0, er, ec) = case
    big = np.full((r0 + m + er, c0 + n + ec), CANARY, np.float32)
    out = big[r0:r0 + m, c0:c0 + n]
    rng = np.random.default_rng(m * 100 + n)
    init = rng.standard_normal((m, n)).astype(np.float32)
    out[...] = init
    got = pyfapi.kernels.gemm(a, b, trans_a=ta, trans_b=tb, alpha=alpha, beta=beta, out=out,
                              bias=bias, activation=act)
    assert got is out or np.shares_memory(got, big)
    ref = alpha * (_f64(a).T if ta else _f64(a)) @ (_f64(b).T if tb else _f64(b)) + beta * _f64(init)
    if bias is not None:
        ref = ref + _f64(bias)
    if act == "relu":
        ref = np.maximum(ref, 0)
    if m and n:
        assert_matches(out, ref, 1e-4 if np.float16 not in (a.dtype, b.dtype) else 1e-2,
                       f"gemm {a.shape} {b.shape} ta={ta} tb={tb}")
    mask = np.ones(big.shape, bool)
    mask[r0:r0 + m, c0:c0 + n] = False
    assert (big[mask] == CANARY).all(), "gemm wrote outside its out= window"


@given(data=st.data())
def test_gemm_rejects_bad_out_cleanly(data):
    m, n, k = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    a = np.ones((m, k), np.float32)
    b = np.ones((k, n), np.float32)
    kind = data.draw(st.sampled_from(["shape", "dtype", "readonly", "colstride", "negrow"]))
    big = np.full((m + 2, 2 * n + 2), CANARY, np.float32)
    if kind == "shape":
        out = big[: m + 1, :n]
    elif kind == "dtype":
        out = np.zeros((m, n), np.float64)
    elif kind == "readonly":
        big.flags.writeable = False
        out = big[:m, :n]
    elif kind == "colstride":
        out = big[:m, : 2 * n : 2] if n > 1 else big[:m, :n][:, :0]
    else:
        out = big[m - 1::-1, :n] if m > 1 else big[:0, :n]
    before = big.copy()
    with pytest.raises((ValueError, TypeError)) as ei:
        pyfapi.kernels.gemm(a, b, out=out)
    check_error(ei.value, "out")
    np.testing.assert_array_equal(big, before)


# ---- known bugs found by the fuzzers (strict xfail: they XPASS -> fail once fixed; then delete the
# xfail marker and the exclusion in the strategy that points here) ---------------------------------
def test_leaky_relu_int_input():
    """Regression (KNOWN BUG 1, fixed in ops/nn.py LeakyRelu.forward): an integer input is cast to
    float32 first, so negative_slope is no longer truncated to the int dtype (-1 -> 0)."""
    y = value(ops.leaky_relu(np.array([-1, 2], np.int32)))
    np.testing.assert_allclose(y, [-0.2, 2.0], rtol=1e-6)


def test_linear_1d_empty_inner():
    """Regression (KNOWN BUG 2, fixed in ops/nn.py Linear.forward): a 1-D input with 0 features no
    longer raises numpy's 'cannot reshape array of size 0 into shape (0)'."""
    y = value(ops.linear(np.zeros((0,), np.float32), np.zeros((0, 3), np.float32)))
    np.testing.assert_array_equal(y, np.zeros(3))


@pytest.mark.parametrize("name", ["mean", "logsumexp"])
def test_empty_reduction_does_not_warn(name):
    """Regression (KNOWN BUG 3, fixed in ops/math.py Mean / LogSumExp.forward): no numpy
    RuntimeWarning ('Mean of empty slice', 'divide by zero in log') for an empty input."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            y = value(getattr(ops, name)(np.zeros((0,), np.float32)))
        except ValueError as e:  # a clear error naming the op is fine too
            check_error(e, name)
            return
    assert y.shape == ()


@pytest.mark.parametrize("shape,pad_width", [((), []), ((3,), [(0, 0), (1, 1)]),
                                             ((2, 3), [(1, 1)] * 3)])
def test_pad_width_length_error_message(shape, pad_width):
    """Regression (KNOWN BUG 4, fixed in ops/shape_ops.py Pad.forward): a pad_width that does not
    give one pair per axis raises a ValueError naming pad_width, not numpy's broadcast error."""
    with pytest.raises(ValueError) as ei:
        ops.pad(np.ones(shape, np.float32), pad_width)
    check_error(ei.value, "pad_width")


def test_gemm_empty_out_view():
    """Regression (found by this fuzzer, fixed by the gemm merge): an empty out= view is accepted."""
    big = np.zeros((0, 2), np.float32)
    out = pyfapi.kernels.gemm(np.zeros((0, 0), np.float32), np.zeros((0, 2), np.float32),
                              out=big[0:0, 0:2])
    assert out.shape == (0, 2)


def test_gemm_empty_inner_dimension_strided_operand():
    """Regression (found by this fuzzer, fixed by the gemm merge): K == 0 with an empty operand
    whose strides are not the C ones gives zeros instead of a C++ 'rows must be contiguous'."""
    b = np.zeros((0, 4), np.float32)[:, ::2]  # shape (0, 2), strides (0, 0)
    out = pyfapi.kernels.gemm(np.zeros((1, 0), np.float32), b)
    np.testing.assert_array_equal(out, np.zeros((1, 2)))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape", [(0,), (2, 0)])
def test_softmax_empty_axis(name, shape):
    """Regression (KNOWN BUG 7, fixed in ops/nn.py Softmax / LogSoftmax.forward): an empty axis
    gives the empty result instead of numpy's 'zero-size array to reduction operation maximum'."""
    assert value(getattr(ops, name)(np.zeros(shape, np.float32))).shape == shape


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_of_empty_batch(name):
    """Regression (KNOWN BUG 8, fixed in ops/math.py _Extremum._forward): an empty array whose
    reduced axes are not empty (an empty batch, as GlobalMaxPooling sees) reduces to an empty result."""
    assert value(getattr(ops, name)(np.zeros((0, 3), np.float32), axis=1)).shape == (0,)


# ---- the raw C++ bindings: their own checks are the last guard --------------------------------------
# pyfapi.kernels validates everything before calling _C, but the bindings promise to raise rather than
# touch memory when handed inconsistent arrays / geometry directly. Outputs are passed as views into
# canary buffers (one extra image before and after) that must stay untouched; out-of-bounds READS are
# caught when .ci/sanitize runs this under AddressSanitizer.
def _canary_view(shape):
    big = np.full((shape[0] + 2, *shape[1:]), CANARY, np.float32)
    return big, big[1:1 + shape[0]]


def _check_canary(big, n):
    assert (big[0] == CANARY).all() and (big[n + 1] == CANARY).all(), \
        "C++ kernel wrote outside its output array"


_RAW_4D = ("max_pool_forward", "avg_pool_forward", "max_pool_backward", "avg_pool_backward",
           "conv2d_forward", "conv2d_backward_input", "conv2d_backward_kernel",
           "depthwise_forward", "depthwise_backward_input", "depthwise_backward_kernel")


@pytest.mark.parametrize("fn", _RAW_4D)
@given(data=st.data())
def test_raw_binding_guard_4d(fn, data):
    _C = pyfapi._C
    d = lambda lo, hi: data.draw(st.integers(lo, hi))  # noqa: E731
    n, h, w, c = d(0, 2), d(0, 6), d(0, 6), d(1, 3)
    kh, kw, sh, sw, dh, dw = d(0, 4), d(0, 4), d(0, 3), d(0, 3), d(0, 2), d(0, 2)
    pt, pl = d(-1, 4), d(-1, 4)
    oh, ow, co = d(0, 6), d(0, 6), d(1, 3)
    rng = np.random.default_rng(0)
    arr = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    x = arr(n, h, w, c)
    try:
        if fn in ("max_pool_forward", "avg_pool_forward"):
            big, out = _canary_view((n, oh, ow, c))
            getattr(_C, fn)(x, out, kh, kw, sh, sw, pt, pl)
        elif fn == "max_pool_backward":
            big, out = _canary_view((n, h, w, c))
            _C.max_pool_backward(x, arr(n, oh, ow, c), out, kh, kw, sh, sw, pt, pl)
        elif fn == "avg_pool_backward":
            big, out = _canary_view((n, h, w, c))
            _C.avg_pool_backward(arr(n, oh, ow, c), out, kh, kw, sh, sw, pt, pl)
        elif fn == "conv2d_forward":
            big, out = _canary_view((n, oh, ow, co))
            bias = data.draw(st.sampled_from([None, co, co + 1]))
            _C.conv2d_forward(x, arr(kh, kw, c, co), out, sh, sw, dh, dw, pt, pl,
                              None if bias is None else arr(bias), d(0, 2))
        elif fn == "conv2d_backward_input":
            big, out = _canary_view((n, h, w, c))
            _C.conv2d_backward_input(arr(n, oh, ow, co), arr(kh, kw, c, co), out, sh, sw, dh, dw,
                                     pt, pl)
        elif fn == "conv2d_backward_kernel":
            big, out = _canary_view((max(kh, 0), kw, c, co))
            _C.conv2d_backward_kernel(x, arr(n, oh, ow, co), out, sh, sw, dh, dw, pt, pl)
        elif fn == "depthwise_forward":
            big, out = _canary_view((n, oh, ow, c * co))
            _C.depthwise_forward(x, arr(kh, kw, c, co), out, sh, sw, dh, dw, pt, pl)
        elif fn == "depthwise_backward_input":
            big, out = _canary_view((n, h, w, c))
            _C.depthwise_backward_input(arr(n, oh, ow, c * co), arr(kh, kw, c, co), out, sh, sw,
                                        dh, dw, pt, pl)
        else:
            big, out = _canary_view((kh, kw, c, co))
            _C.depthwise_backward_kernel(x, arr(n, oh, ow, c * co), out, sh, sw, dh, dw, pt, pl)
    except (ValueError, TypeError) as e:
        assert str(e), fn
        return
    _check_canary(big, out.shape[0])
    assert np.isfinite(out).all(), f"{fn}: non-finite output from finite inputs"


@pytest.mark.parametrize("fn", ["embedding_gather", "embedding_scatter_add"])
@given(data=st.data())
def test_raw_binding_guard_embedding(fn, data):
    _C = pyfapi._C
    v, e = data.draw(st.integers(0, 5)), data.draw(st.integers(0, 4))
    idt = data.draw(st.sampled_from([np.int32, np.int64]))
    idx = data.draw(hnp.arrays(idt, data.draw(st.integers(0, 6)), elements=st.integers(-7, 7)))
    rng = np.random.default_rng(0)
    try:
        if fn == "embedding_gather":
            table = rng.standard_normal((v, e)).astype(np.float32)
            bad, out = _C.embedding_gather(table, idx)
            ok = idx.size == 0 or (idx.min() >= 0 and idx.max() < v)
        else:
            dy = rng.standard_normal((idx.size, e)).astype(np.float32)
            input_dim = data.draw(st.integers(-1, 6))
            bad, out = _C.embedding_scatter_add(dy, idx, input_dim)
            ok = idx.size == 0 or (idx.min() >= 0 and idx.max() < input_dim)
    except (ValueError, TypeError, IndexError) as ex:
        assert str(ex)
        return
    if ok:
        assert bad < 0
    else:
        assert 0 <= bad < idx.size and not (0 <= idx[bad] < (v if fn == "embedding_gather" else input_dim))
