"""Property-based tests over EVERY layer class exported by pyfapi.layers (issue 10).

For each layer class, :data:`LAYER_SPECS` draws a constructor config (units, kernel sizes, strides,
paddings, dilations, activations, ...), an input (batch 0 and 1 included, float16/32/64 and int
dtypes, C / Fortran / strided / negative-stride layouts) and random weights (set with
``set_weights``), runs the layer eagerly (``training=False``) and compares with the numpy float64
references of tests/references/layers_ref.py. Some draws are deliberately invalid (wrong rank, too
few channels, ids out of range): the layer must then raise ValueError / TypeError / IndexError
naming the layer, the argument or the shapes -- never crash or return garbage. The symbolic path is
checked too: ``compute_output_shape`` (with a None batch) agrees with the eager output shape.

``test_every_layer_class_has_a_spec`` fails when a layer class is added without a spec here: every
public Layer subclass that ``pyfapi.layers`` exports or that a module under ``pyfapi/layers/``
defines (e.g. one exported only from its family package), except the bases listed in
:data:`EXEMPT` with their reason. A spec whose layer needs a ``pyfapi.ops`` function that does not
exist fails (no skip).
"""
from __future__ import annotations

import functools
import importlib
import inspect
import math
import pkgutil
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pyfapi import layers, ops
from pyfapi.layers import Layer
from references import layers_ref as ref
from strategies import arrays, assert_matches, check_error, value

INPUT_DTYPES = (np.float32, np.float64, np.float16, np.int32)
#: Layer classes the walker does not draw, each with the reason (a new layer needs a spec instead).
EXEMPT = {
    "Layer": "the base class", "InputLayer": "made by Input(), no computation",
    "Lambda": "runs a user function (tests/layers/test_core.py)",
    "PreprocessingLayer": "abstract base; its subclasses are walked",
    "IndexLookup": "abstract base of StringLookup / IntegerLookup, which are walked",
    "BaseRNN": "abstract base of SimpleRNN / GRU / LSTM, which are walked",
    "BaseImageLayer": "abstract base of the image preprocessing layers, which are walked",
    "SymbolicOp": "made by a pyfapi.ops call on KerasTensors; the ops are walked in "
                  "tests/test_fuzz_ops.py",
}
# Layer class -> the pyfapi.ops functions it needs (a missing one fails the case).
NEEDS_OPS = {
    "Conv1D": ("conv",), "Conv2D": ("conv",), "SeparableConv2D": ("depthwise_conv", "conv"),
    "DepthwiseConv2D": ("depthwise_conv",), "MaxPooling1D": ("max_pool",),
    "MaxPooling2D": ("max_pool",), "AveragePooling1D": ("average_pool",),
    "AveragePooling2D": ("average_pool",),
}


def _walk_layer_classes():
    """Every public Layer subclass pyfapi.layers exports or a public module under it defines."""
    out = {}
    for name in set(layers.__all__) | {n for n in dir(layers) if not n.startswith("_")}:
        obj = getattr(layers, name)
        if inspect.isclass(obj) and issubclass(obj, Layer):
            out[obj.__name__] = obj
    for info in pkgutil.walk_packages(layers.__path__, "pyfapi.layers."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue  # private modules (e.g. reshaping/_spatial.py: bases of exported layers)
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if (inspect.isclass(obj) and issubclass(obj, Layer) and not name.startswith("_")
                    and obj.__module__ == mod.__name__):
                out.setdefault(obj.__name__, obj)
    return out


LAYER_CLASSES = _walk_layer_classes()


@dataclass
class LCase:
    make: Callable            # () -> layer
    inputs: object            # array or list of arrays
    ref: Callable             # (layer) -> expected float64 output (or tuple); may raise
    may_raise: bool = False
    info: dict = field(default_factory=dict)
    rtol: float = 1e-4
    call: Callable | None = None  # (layer) -> output, for layers not called as layer(inputs)


def _f64(x):
    return np.asarray(x).astype(np.float64)


def _dtype():
    return st.sampled_from(INPUT_DTYPES)


def _randomize_weights(layer, seed):
    rng = np.random.default_rng(seed)
    new = []
    for w in layer.weights:
        v = rng.uniform(-1, 1, w.shape)
        if "variance" in w.name:
            v = rng.uniform(0.2, 2.0, w.shape)
        new.append(v.astype(np.float32))
    layer.set_weights(new)


def _weights(layer):
    return {w.name: _f64(w.numpy()) for w in layer.weights}


ACTS = [None, "relu", "tanh", "sigmoid", "linear"]


def _act(name):
    return ref.ACTIVATIONS[name or "linear"]


# ---- specs ---------------------------------------------------------------------------------------
@st.composite
def s_dense(draw):
    units = draw(st.integers(1, 5))
    act = draw(st.sampled_from(ACTS + ["softmax"]))
    bias = draw(st.booleans())
    rank = draw(st.integers(1, 4))
    shape = tuple(draw(st.integers(0 if i == 0 else 1, 4)) for i in range(rank))
    x = draw(arrays(_dtype(), shape))

    def r(layer):
        if x.ndim < 2:
            raise ValueError("rank")
        w = _weights(layer)
        return ref.dense(x, w["kernel"], w.get("bias"), act or "linear")
    return LCase(lambda: layers.Dense(units, activation=act, use_bias=bias), x, r,
                 info={"units": units, "act": act, "x": x.shape})


@st.composite
def s_activation(draw):
    name = draw(st.sampled_from(["relu", "tanh", "sigmoid", "softmax", "elu", "selu", "softplus",
                                 "softsign", "silu", "linear"]))
    rank = draw(st.integers(1, 3))
    x = draw(arrays(_dtype(), st.tuples(*[st.integers(0, 4)] * rank)))
    return LCase(lambda: layers.Activation(name), x,
                 lambda layer: ref.ACTIVATIONS[name](_f64(x)) if x.size else _f64(x),
                 info={"act": name, "x": x.shape})


@st.composite
def s_dropout(draw):
    rate = draw(st.sampled_from([0.0, 0.3, 0.9]))
    x = draw(arrays(_dtype(), st.tuples(*[st.integers(0, 4)] * draw(st.integers(1, 3)))))
    return LCase(lambda: layers.Dropout(rate, seed=1), x, lambda layer: _f64(x),
                 info={"rate": rate, "x": x.shape})


@st.composite
def s_flatten(draw):
    x = draw(arrays(_dtype(), st.tuples(*[st.integers(0, 4)] * draw(st.integers(1, 4)))))
    return LCase(lambda: layers.Flatten(), x,
                 lambda layer: _f64(x).reshape(x.shape[0], int(np.prod(x.shape[1:])))
                 if x.ndim > 1 else _f64(x)[:, None],
                 info={"x": x.shape})


@st.composite
def s_reshape(draw):
    x = draw(arrays(_dtype(), st.tuples(*[st.integers(1, 4)] * draw(st.integers(1, 4)))))
    tail = list(draw(st.permutations(list(x.shape[1:]))))
    if tail and draw(st.booleans()):
        tail[draw(st.integers(0, len(tail) - 1))] = -1
    if draw(st.integers(0, 5)) == 0:
        tail = tail + [draw(st.integers(2, 3))]  # incompatible target
    target = tuple(tail)

    def r(layer):
        return _f64(x).reshape((x.shape[0], *target))
    return LCase(lambda: layers.Reshape(target), x, r, info={"x": x.shape, "target": target})


@st.composite
def s_embedding(draw):
    vocab, dim = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    ids = draw(arrays(st.sampled_from([np.int32, np.int64]),
                      st.tuples(*[st.integers(0, 4)] * draw(st.integers(1, 3))), -1, vocab))

    def r(layer):
        if ids.size and (ids.min() < 0 or ids.max() >= vocab):
            raise IndexError("out of range")
        return ref.embedding(ids, _weights(layer)["embeddings"])
    return LCase(lambda: layers.Embedding(vocab, dim), ids, r,
                 info={"vocab": vocab, "ids": (ids.shape, ids.min() if ids.size else None)})


def _ints_or_tuple(draw, nd, lo, hi):
    v = tuple(draw(st.integers(lo, hi)) for _ in range(nd))
    return v[0] if nd == 1 and draw(st.booleans()) else v


def _as_t(v, nd):
    return (v,) * nd if isinstance(v, int) else tuple(v)


@st.composite
def _spatial_input(draw, nd, cmin=1, wrong_rank=True):
    rank = nd + 2
    if wrong_rank and draw(st.integers(0, 9)) == 0:
        rank = draw(st.sampled_from([nd + 1, nd + 3]))
    shape = (draw(st.integers(0, 2)), *[draw(st.integers(1, 7)) for _ in range(rank - 2)],
             draw(st.integers(cmin, 3)))
    return draw(arrays(_dtype(), shape))


def conv_spec(cls_name, nd):
    @st.composite
    def strat(draw):
        filters = draw(st.integers(1, 3))
        ks = _ints_or_tuple(draw, nd, 1, 3)
        strides = _ints_or_tuple(draw, nd, 1, 2)
        dil = _ints_or_tuple(draw, nd, 1, 2)
        padding = draw(st.sampled_from(["valid", "same"] + (["causal"] if nd == 1 else [])))
        act = draw(st.sampled_from(ACTS))
        bias = draw(st.booleans())
        x = draw(_spatial_input(nd))
        ksz, sst, dl = _as_t(ks, nd), _as_t(strides, nd), _as_t(dil, nd)
        cls = getattr(layers, cls_name)
        outs = [ref.out_len(n, k, s, d, padding) for n, k, s, d in zip(x.shape[1:-1], ksz, sst, dl)]

        def r(layer):
            if x.ndim != nd + 2:
                raise ValueError("rank")
            w = _weights(layer)
            return ref.conv(x, w["kernel"], w.get("bias"), sst, padding, dl, act or "linear")
        return LCase(lambda: cls(filters, ks, strides=strides, padding=padding,
                                 dilation_rate=dil, activation=act, use_bias=bias), x, r,
                     may_raise=(x.ndim == nd + 2 and min(outs) < 1)
                     or (max(sst) > 1 and max(dl) > 1),
                     info={"cls": cls_name, "x": x.shape, "ks": ks, "strides": strides,
                           "dil": dil, "padding": padding})
    return strat()


@st.composite
def s_depthwise(draw, separable=False):
    ks = _ints_or_tuple(draw, 2, 1, 3)
    strides = _ints_or_tuple(draw, 2, 1, 2)
    dil = _ints_or_tuple(draw, 2, 1, 2)
    padding = draw(st.sampled_from(["valid", "same"]))
    dm = draw(st.integers(1, 2))
    bias = draw(st.booleans())
    filters = draw(st.integers(1, 3))
    x = draw(_spatial_input(2))
    ksz, sst, dl = _as_t(ks, 2), _as_t(strides, 2), _as_t(dil, 2)
    outs = [ref.out_len(n, k, s, d, padding) for n, k, s, d in zip(x.shape[1:-1], ksz, sst, dl)]

    def r(layer):
        if x.ndim != 4:
            raise ValueError("rank")
        w = _weights(layer)
        if separable:
            return ref.separable_conv2d(x, w["depthwise_kernel"], w["pointwise_kernel"],
                                        w.get("bias"), sst, padding, dl)
        return ref.depthwise_conv2d(x, w["kernel"], w.get("bias"), sst, padding, dl)  # Keras 3 name
    if separable:
        make = lambda: layers.SeparableConv2D(filters, ks, strides=strides, padding=padding,  # noqa
                                              dilation_rate=dil, depth_multiplier=dm,
                                              use_bias=bias)
    else:
        make = lambda: layers.DepthwiseConv2D(ks, strides=strides, padding=padding,  # noqa
                                              depth_multiplier=dm, dilation_rate=dil,
                                              use_bias=bias)
    return LCase(make, x, r, may_raise=(x.ndim == 4 and min(outs) < 1)
                 or (max(sst) > 1 and max(dl) > 1),
                 info={"x": x.shape, "ks": ks, "strides": strides, "dil": dil, "padding": padding,
                       "dm": dm})


def pool_spec(cls_name, nd, mode):
    @st.composite
    def strat(draw):
        ps = _ints_or_tuple(draw, nd, 1, 3)
        strides = draw(st.one_of(st.none(), st.just(_ints_or_tuple(draw, nd, 1, 3))))
        padding = draw(st.sampled_from(["valid", "same"]))
        x = draw(_spatial_input(nd))
        pst = _as_t(ps, nd)
        sst = pst if strides is None else _as_t(strides, nd)
        outs = [ref.out_len(n, k, s, 1, padding) for n, k, s in zip(x.shape[1:-1], pst, sst)]

        def r(layer):
            if x.ndim != nd + 2:
                raise ValueError("rank")
            return ref.pool(x, pst, sst, padding, mode)
        cls = getattr(layers, cls_name)
        return LCase(lambda: cls(ps, strides=strides, padding=padding), x, r,
                     may_raise=x.ndim == nd + 2 and min(outs) < 1,
                     info={"cls": cls_name, "x": x.shape, "ps": ps, "strides": strides,
                           "padding": padding})
    return strat()


def global_pool_spec(cls_name, nd, mode):
    @st.composite
    def strat(draw):
        keepdims = draw(st.booleans())
        x = draw(_spatial_input(nd))

        def r(layer):
            if x.ndim != nd + 2:
                raise ValueError("rank")
            axes = tuple(range(1, nd + 1))
            f = np.max if mode == "max" else np.mean
            return f(_f64(x), axis=axes, keepdims=keepdims)
        cls = getattr(layers, cls_name)
        return LCase(lambda: cls(keepdims=keepdims), x, r, info={"cls": cls_name, "x": x.shape})
    return strat()


@st.composite
def s_lstm(draw):
    units = draw(st.integers(1, 3))
    rs, rst, gb = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    bias = draw(st.booleans())
    shape = (draw(st.integers(0, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 3)))
    if draw(st.integers(0, 9)) == 0:
        shape = shape[:2]  # wrong rank
    x = draw(arrays(_dtype(), shape, -1, 1))

    def r(layer):
        if x.ndim != 3:
            raise ValueError("rank")
        w = _weights(layer)
        seq, h, c = ref.lstm(x, w["kernel"], w["recurrent_kernel"], w.get("bias", 0.0),
                             go_backwards=gb)
        out = seq if rs else h
        return (out, h, c) if rst else out
    return LCase(lambda: layers.LSTM(units, return_sequences=rs, return_state=rst,
                                     go_backwards=gb, use_bias=bias), x, r,
                 info={"x": x.shape, "units": units, "rs": rs, "rst": rst, "gb": gb})


def _rnn_spec(kind):
    @st.composite
    def spec(draw):
        from references.rnn_ref import gru_ref, simple_rnn_ref
        units = draw(st.integers(1, 3))
        rs, rst, gb = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
        bias = draw(st.booleans())
        extra = draw(st.booleans())  # reset_after (GRU) / relu activation (SimpleRNN)
        shape = (draw(st.integers(0, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 3)))
        if draw(st.integers(0, 9)) == 0:
            shape = shape[:2]  # wrong rank
        x = draw(arrays(_dtype(), shape, -1, 1))

        def r(layer):
            if x.ndim != 3:
                raise ValueError("rank")
            w = _weights(layer)
            xs = np.asarray(x, np.float64)[:, ::-1] if gb else x
            if kind == "GRU":
                seq, h = gru_ref(xs, w["kernel"], w["recurrent_kernel"], w.get("bias"),
                                 reset_after=extra)
            else:
                seq, h = simple_rnn_ref(xs, w["kernel"], w["recurrent_kernel"], w.get("bias"),
                                        activation="relu" if extra else "tanh")
            out = seq if rs else h
            return (out, h) if rst else out

        def make():
            if kind == "GRU":
                return layers.GRU(units, return_sequences=rs, return_state=rst, go_backwards=gb,
                                  use_bias=bias, reset_after=extra)
            return layers.SimpleRNN(units, return_sequences=rs, return_state=rst,
                                    go_backwards=gb, use_bias=bias,
                                    activation="relu" if extra else "tanh")
        return LCase(make, x, r, info={"x": x.shape, "units": units, "rs": rs, "rst": rst,
                                       "gb": gb, "extra": extra})
    return spec()


@st.composite
def s_masking(draw):
    shape = (draw(st.integers(0, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 3)))
    x = np.array(draw(arrays(_dtype(), shape, -1, 1)))
    mv = draw(st.sampled_from([0.0, 0.5]))
    if x.size and draw(st.booleans()):
        x[:, 0] = mv  # a masked step

    def r(layer):
        keep = np.any(_f64(x) != mv, axis=-1)
        return _f64(x) * keep[..., None]
    return LCase(lambda: layers.Masking(mv), x, r, info={"x": x.shape, "mv": mv})


@st.composite
def s_repeat_vector(draw):
    shape = (draw(st.integers(0, 3)), draw(st.integers(1, 4)))
    if draw(st.integers(0, 9)) == 0:
        shape = shape + (2,)  # wrong rank
    n = draw(st.integers(1, 3))
    x = draw(arrays(_dtype(), shape, -1, 1))

    def r(layer):
        if x.ndim != 2:
            raise ValueError("rank")
        return np.repeat(_f64(x)[:, None], n, axis=1)
    return LCase(lambda: layers.RepeatVector(n), x, r, info={"x": x.shape, "n": n})


@st.composite
def s_time_distributed(draw):
    units = draw(st.integers(1, 3))
    shape = (draw(st.integers(0, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    if draw(st.integers(0, 9)) == 0:
        shape = shape[:2]  # no time axis
    x = draw(arrays(_dtype(), shape, -1, 1))

    def r(layer):
        if x.ndim != 3:
            raise ValueError("input_shape")
        w = _weights(layer)
        return _f64(x) @ w["kernel"] + w["bias"]
    return LCase(lambda: layers.TimeDistributed(layers.Dense(units)), x, r,
                 info={"x": x.shape, "units": units})


@st.composite
def s_bidirectional(draw):
    from references.rnn_ref import gru_ref
    units = draw(st.integers(1, 3))
    rs = draw(st.booleans())
    mode = draw(st.sampled_from(["concat", "sum", "mul", "ave"]))
    shape = (draw(st.integers(0, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 3)))
    x = draw(arrays(_dtype(), shape, -1, 1))

    def r(layer):
        f = [_f64(w.numpy()) for w in layer.forward_layer.weights]
        b = [_f64(w.numpy()) for w in layer.backward_layer.weights]
        yf, hf = gru_ref(_f64(x), *f)
        yb, hb = gru_ref(_f64(x)[:, ::-1], *b)
        y1, y2 = (yf, yb[:, ::-1]) if rs else (hf, hb)
        return {"concat": lambda: np.concatenate([y1, y2], -1), "sum": lambda: y1 + y2,
                "mul": lambda: y1 * y2, "ave": lambda: (y1 + y2) / 2}[mode]()
    return LCase(lambda: layers.Bidirectional(layers.GRU(units, return_sequences=rs),
                                              merge_mode=mode), x, r,
                 info={"x": x.shape, "units": units, "rs": rs, "mode": mode})


@st.composite
def s_batchnorm(draw, cls_name="BatchNormalization"):
    rank = draw(st.integers(2, 4))
    shape = (draw(st.integers(0, 3)), *[draw(st.integers(1, 4)) for _ in range(rank - 1)])
    axis = draw(st.sampled_from([-1, 1] + ([rank + 1] if draw(st.integers(0, 9)) == 0 else [])))
    center, scale = draw(st.booleans()), draw(st.booleans())
    eps = draw(st.sampled_from([1e-3, 0.1]))
    x = draw(arrays(_dtype(), shape))

    def r(layer):
        if not -rank <= axis < rank:
            raise ValueError("axis")
        w = _weights(layer)
        ax = axis % rank
        shp = [1] * rank
        shp[ax] = x.shape[ax]
        g = w["gamma"].reshape(shp) if scale else 1.0
        b = w["beta"].reshape(shp) if center else 0.0
        return ref.batch_norm(x, g, b, w["moving_mean"].reshape(shp),
                              w["moving_variance"].reshape(shp), eps)
    cls = LAYER_CLASSES[cls_name]  # SyncBatchNormalization: the same layer without MPI ranks
    return LCase(lambda: cls(axis=axis, epsilon=eps, center=center, scale=scale), x, r,
                 info={"x": x.shape, "axis": axis, "center": center, "scale": scale})


@st.composite
def s_layernorm(draw):
    rank = draw(st.integers(1, 4))
    shape = (draw(st.integers(0, 3)), *[draw(st.integers(1, 4)) for _ in range(rank - 1)])
    axis = draw(st.sampled_from([-1, rank - 1] + ([[-2, -1]] if rank > 2 else [])
                                + ([rank] if draw(st.integers(0, 9)) == 0 else [])))
    center, scale = draw(st.booleans()), draw(st.booleans())
    eps = draw(st.sampled_from([1e-3, 0.1]))
    x = draw(arrays(_dtype(), shape))

    def r(layer):
        axes = [axis] if isinstance(axis, int) else axis
        if any(not -rank <= a < rank for a in axes):
            raise ValueError("axis")
        axes = tuple(sorted(a % rank for a in axes))
        w = _weights(layer)
        xx = _f64(x)
        m = xx.mean(axes, keepdims=True) if x.size else xx
        y = (xx - m) / np.sqrt(((xx - m) ** 2).mean(axes, keepdims=True) + eps) if x.size else xx
        shp = [x.shape[i] if i in axes else 1 for i in range(rank)]
        if scale:
            y = y * w["gamma"].reshape(shp)
        if center:
            y = y + w["beta"].reshape(shp)
        return y
    return LCase(lambda: layers.LayerNormalization(axis=axis, epsilon=eps, center=center,
                                                   scale=scale), x, r,
                 info={"x": x.shape, "axis": axis, "center": center, "scale": scale})


# ---- attention / einsum / activation layers (issue 16) ---------------------------------------
@st.composite
def s_einsum_dense(draw):
    eq, oshape, bias, rank = draw(st.sampled_from([
        ("ab,bc->ac", 3, "c", 2), ("abc,cd->abd", (None, 2), "d", 3),
        ("abc,cde->abde", (None, 2, 3), "de", 3), ("...b,bc->...c", 4, None, 3),
        ("abc,bcd->ad", 2, "d", 3)]))
    shape = tuple(draw(st.integers(0 if i == 0 else 1, 4)) for i in range(rank))
    if draw(st.integers(0, 9)) == 0:
        shape = shape + (2,)  # wrong rank for the explicit equations
    x = draw(arrays(_dtype(), shape))

    def r(layer):
        if "..." not in eq and x.ndim != rank:
            raise ValueError("rank")
        w = _weights(layer)
        y = np.einsum(eq, _f64(x), w["kernel"])
        return y + w["bias"] if "bias" in w else y
    return LCase(lambda: layers.EinsumDense(eq, oshape, bias_axes=bias), x, r,
                 may_raise="..." not in eq and len(shape) != rank,
                 info={"eq": eq, "x": x.shape})


def _mha_ref(layer, q, v, mask, causal):
    w = _weights(layer)
    nh, kd = layer.num_heads, layer.key_dim
    qq = np.einsum("btd,dnh->btnh", q, w["query/kernel"]) + w.get("query/bias", 0)
    kk = np.einsum("bsd,dnh->bsnh", v, w["key/kernel"]) + w.get("key/bias", 0)
    vv = np.einsum("bsd,dnh->bsnh", v, w["value/kernel"]) + w.get("value/bias", 0)
    sc = np.einsum("btnh,bsnh->bnts", qq, kk) / np.sqrt(kd)
    m = None if mask is None else mask[:, None]
    if causal:
        c = np.tril(np.ones(sc.shape[-2:], bool))[None, None]
        m = c if m is None else m & c
    if m is not None:
        sc = np.where(m, sc, -1e9)
    e = np.exp(sc - sc.max(-1, keepdims=True)) if sc.size else sc
    p = e / e.sum(-1, keepdims=True) if sc.size else sc
    ctx = np.einsum("bnts,bsnh->btnh", p, vv)
    return np.einsum("btnh,nhd->btd", ctx, w["attention_output/kernel"]) + \
        w.get("attention_output/bias", 0)


@st.composite
def s_mha(draw):
    b, t, s_, d = (draw(st.integers(0, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 4)),
                   draw(st.integers(1, 4)))
    heads, kd, bias = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.booleans())
    causal = draw(st.booleans())
    q = draw(arrays(_dtype(), (b, t, d), -1, 1))
    vs = (b, s_, d) if draw(st.integers(0, 9)) else (b, s_ + 1, d, 1)  # wrong rank sometimes
    v = draw(arrays(_dtype(), vs, -1, 1))
    mask = draw(st.one_of(st.none(), arrays(st.just(np.bool_), (b, t, s_))))
    if mask is not None and draw(st.integers(0, 9)) == 0:
        mask = np.ones((b, t + 1, s_ + 1), bool)  # wrong shape

    def call(layer):
        return layer(q, v, attention_mask=mask, use_causal_mask=causal, training=False)

    def r(layer):
        if v.ndim != 3:
            raise ValueError("rank")
        if mask is not None and mask.shape != (b, t, s_):
            raise ValueError("mask")

        def sub(layer_):
            return {f"{s.name}/{w.name}": _f64(w.numpy()) for s in layer_._layers for w in s.weights}
        saved = _weights
        try:
            globals()["_weights"] = sub
            return _mha_ref(layer, _f64(q), _f64(v), mask, causal)
        finally:
            globals()["_weights"] = saved
    return LCase(lambda: layers.MultiHeadAttention(heads, kd, use_bias=bias), [q, v], r,
                 call=call, info={"q": q.shape, "v": v.shape, "heads": heads, "kd": kd,
                                  "mask": None if mask is None else mask.shape,
                                  "causal": causal})


def attention_spec(cls_name):
    @st.composite
    def strat(draw):
        b, t, s_, d = (draw(st.integers(0, 2)), draw(st.integers(1, 4)), draw(st.integers(1, 4)),
                       draw(st.integers(1, 4)))
        scale = draw(st.booleans())
        q = draw(arrays(_dtype(), (b, t, d), -1, 1))
        dv = draw(st.integers(1, 3))
        v = draw(arrays(_dtype(), (b, s_, dv), -1, 1))
        kd = d if draw(st.integers(0, 9)) else d + 1  # mismatched key features sometimes
        k = draw(arrays(_dtype(), (b, s_, kd), -1, 1))

        def r(layer):
            if kd != d:
                raise ValueError("features")
            w = _weights(layer)
            qq, vv, kk = _f64(q), _f64(v), _f64(k)
            if cls_name == "Attention":
                sc = qq @ np.swapaxes(kk, -1, -2) * (w["scale"] if scale else 1.0)
            else:
                sc = np.sum((w["scale"] if scale else 1.0)
                            * np.tanh(qq[:, :, None, :] + kk[:, None, :, :]), -1)
            if not sc.size:
                return np.zeros((b, t, dv))
            e = np.exp(sc - sc.max(-1, keepdims=True))
            return (e / e.sum(-1, keepdims=True)) @ vv
        cls = getattr(layers, cls_name)
        return LCase(lambda: cls(use_scale=scale), [q, v, k], r,
                     info={"cls": cls_name, "q": q.shape, "v": v.shape, "k": k.shape})
    return strat()


def _act_input(draw):
    return draw(arrays(_dtype(), st.tuples(*[st.integers(0, 4)] * draw(st.integers(1, 3))), -3, 3))


@st.composite
def s_relu_layer(draw):
    mv = draw(st.sampled_from([None, 1.0, 6.0]))
    ns = draw(st.sampled_from([0.0, 0.2]))
    th = draw(st.sampled_from([0.0, 0.5]))
    x = _act_input(draw)

    def r(layer):
        xx = _f64(x)
        pos = xx * (xx > th) if th else np.maximum(xx, 0)
        if mv is not None:
            pos = np.clip(pos, 0, mv)
        return pos - ns * np.maximum(th - xx, 0) if ns else pos
    return LCase(lambda: layers.ReLU(max_value=mv, negative_slope=ns, threshold=th), x, r,
                 info={"mv": mv, "ns": ns, "th": th, "x": x.shape})


@st.composite
def s_leaky_relu_layer(draw):
    ns = draw(st.sampled_from([0.3, 0.01]))
    x = _act_input(draw)
    return LCase(lambda: layers.LeakyReLU(negative_slope=ns), x,
                 lambda layer: np.where(_f64(x) >= 0, _f64(x), ns * _f64(x)), info={"x": x.shape})


@st.composite
def s_elu_layer(draw):
    a = draw(st.sampled_from([1.0, 0.5]))
    x = _act_input(draw)
    return LCase(lambda: layers.ELU(alpha=a), x,
                 lambda layer: np.where(_f64(x) > 0, _f64(x), a * np.expm1(np.minimum(_f64(x), 0))),
                 info={"x": x.shape})


@st.composite
def s_prelu_layer(draw):
    rank = draw(st.integers(2, 4))
    shape = (draw(st.integers(0, 2)), *[draw(st.integers(1, 3)) for _ in range(rank - 1)])
    shared = draw(st.sampled_from([None, [1]] + ([[1, 2]] if rank > 2 else [])))
    x = draw(arrays(_dtype(), shape))

    def r(layer):
        a = _weights(layer)["alpha"]
        return np.where(_f64(x) >= 0, _f64(x), a * _f64(x))
    return LCase(lambda: layers.PReLU(shared_axes=shared), x, r,
                 info={"x": x.shape, "shared": shared})


@st.composite
def s_softmax_layer(draw):
    rank = draw(st.integers(1, 3))
    x = draw(arrays(_dtype(), st.tuples(*[st.integers(0, 4)] * rank)))
    axis = draw(st.sampled_from([-1, 0] + ([(-2, -1)] if rank > 1 else [])))

    def r(layer):
        xx = _f64(x)
        if not xx.size:
            return xx
        e = np.exp(xx - xx.max(axis, keepdims=True))
        return e / e.sum(axis, keepdims=True)
    return LCase(lambda: layers.Softmax(axis=axis), x, r, info={"x": x.shape, "axis": axis})


def conv_transpose_spec(cls_name, nd):
    @st.composite
    def strat(draw):
        from references.conv_transpose_ref import conv_transpose_ref
        from pyfapi.kernels.conv_transpose import conv_transpose_geometry
        filters = draw(st.integers(1, 3))
        ks = _ints_or_tuple(draw, nd, 1, 3)
        strides = _ints_or_tuple(draw, nd, 1, 3)
        dil = _ints_or_tuple(draw, nd, 1, 2)
        padding = draw(st.sampled_from(["valid", "same"]))
        opad = draw(st.one_of(st.none(), st.just(_ints_or_tuple(draw, nd, 0, 1))))
        act = draw(st.sampled_from(ACTS))
        bias = draw(st.booleans())
        x = draw(_spatial_input(nd))
        ksz, sst, dl = _as_t(ks, nd), _as_t(strides, nd), _as_t(dil, nd)
        bad_op = opad is not None and any(p >= s for p, s in zip(_as_t(opad, nd), sst))

        def r(layer):
            if x.ndim != nd + 2:
                raise ValueError("rank")
            w = _weights(layer)
            g = conv_transpose_geometry(x.shape, w["kernel"].shape, sst, padding,
                                        None if opad is None else _as_t(opad, nd), dl)
            if any(o < 1 for o in g.output_shape[1:-1]):
                raise ValueError("output size")
            pads = [g.args[4], g.args[5]] if nd == 2 else [g.args[5]]
            y = conv_transpose_ref(_f64(x), w["kernel"], sst, g.output_shape[1:-1], pads, dl)
            if "bias" in w:
                y = y + w["bias"]
            return _act(act)(y)
        cls = getattr(layers, cls_name)
        return LCase(lambda: cls(filters, ks, strides=strides, padding=padding,
                                 output_padding=opad, dilation_rate=dil, activation=act,
                                 use_bias=bias), x, r, may_raise=bad_op,
                     info={"cls": cls_name, "x": x.shape, "ks": ks, "strides": strides,
                           "dil": dil, "padding": padding, "opad": opad})
    return strat()


def _bilinear(n, s):
    m = np.zeros((n * s, n))
    src = np.clip((np.arange(n * s) + 0.5) / s - 0.5, 0, max(n - 1, 0))
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    fr = src - lo
    for i in range(n * s):
        m[i, lo[i]] += 1 - fr[i]
        m[i, hi[i]] += fr[i]
    return m


@st.composite
def s_upsampling(draw, nd):
    size = draw(st.integers(1, 3)) if nd == 1 else _ints_or_tuple(draw, nd, 1, 3)
    interp = draw(st.sampled_from(["nearest", "bilinear"])) if nd == 2 else "nearest"
    x = draw(_spatial_input(nd))

    def r(layer):
        if x.ndim != nd + 2:
            raise ValueError("rank")
        y = _f64(x)
        ss = _as_t(size, nd)
        if interp == "nearest":
            for i, k in enumerate(ss):
                y = np.repeat(y, k, axis=1 + i)
            return y
        return np.einsum("ih,nhwc,jw->nijc", _bilinear(x.shape[1], ss[0]), y,
                         _bilinear(x.shape[2], ss[1]))
    cls = layers.UpSampling1D if nd == 1 else layers.UpSampling2D
    make = (lambda: cls(size)) if nd == 1 else (lambda: cls(size, interpolation=interp))
    return LCase(make, x, r, info={"x": x.shape, "size": size, "interp": interp})


@st.composite
def s_pad_crop(draw, nd, crop):
    v = draw(st.sampled_from([1, 0, 2] + ([(1, 2)] if nd == 1 else [(1, 0), ((0, 1), (2, 1))])))
    x = draw(_spatial_input(nd))
    pairs = ([(v, v)] * nd if isinstance(v, int) else
             [v] if nd == 1 else [p if isinstance(p, tuple) else (p, p) for p in v])

    def r(layer):
        if x.ndim != nd + 2:
            raise ValueError("rank")
        if crop:
            if any(a + b >= d for d, (a, b) in zip(x.shape[1:], pairs)):
                raise ValueError("cropping removes everything")
            key = (slice(None),) + tuple(slice(a, d - b) for d, (a, b) in zip(x.shape[1:], pairs))
            return _f64(x)[key]
        return np.pad(_f64(x), [(0, 0)] + pairs + [(0, 0)])
    name = ("Cropping" if crop else "ZeroPadding") + f"{nd}D"
    return LCase(lambda: getattr(layers, name)(v), x, r, info={"x": x.shape, "v": v})


@st.composite
def s_permute(draw):
    rank = draw(st.integers(2, 4))
    dims = tuple(draw(st.permutations(list(range(1, rank)))))
    x = draw(arrays(_dtype(), tuple(draw(st.integers(0 if i == 0 else 1, 3)) for i in range(rank))))
    return LCase(lambda: layers.Permute(dims), x, lambda layer: np.transpose(_f64(x), (0,) + dims),
                 info={"x": x.shape, "dims": dims})


@st.composite
def s_identity_like(draw, make):
    x = draw(arrays(_dtype(), st.tuples(*[st.integers(0, 4)] * draw(st.integers(1, 3)))))
    return LCase(make, x, lambda layer: _f64(x), info={"x": x.shape})


@st.composite
def s_spatial_dropout(draw, nd):
    x = draw(_spatial_input(nd))

    def r(layer):
        if x.ndim != nd + 2:
            raise ValueError("rank")
        return _f64(x)
    cls = layers.SpatialDropout1D if nd == 1 else layers.SpatialDropout2D
    return LCase(lambda: cls(0.5, seed=1), x, r, info={"x": x.shape})


@st.composite
def s_groupnorm(draw):
    rank = draw(st.integers(2, 4))
    c = draw(st.sampled_from([1, 2, 4, 6]))
    shape = (draw(st.integers(0, 2)), *[draw(st.integers(1, 3)) for _ in range(rank - 2)], c)
    groups = draw(st.sampled_from([1, 2, 3, -1]))
    x = draw(arrays(_dtype(), shape))

    def r(layer):
        g = c if groups == -1 else groups
        if c % g or c < g:
            raise ValueError("groups")
        w = _weights(layer)
        xx = _f64(x).reshape(shape[:-1] + (g, c // g))
        axes = tuple(range(1, rank - 1)) + (rank,)
        if xx.size:
            m = xx.mean(axes, keepdims=True)
            xx = (xx - m) / np.sqrt(((xx - m) ** 2).mean(axes, keepdims=True) + 1e-3)
        return xx.reshape(shape) * w["gamma"] + w["beta"]
    return LCase(lambda: layers.GroupNormalization(groups=groups), x, r,
                 info={"x": x.shape, "groups": groups})


@st.composite
def s_unitnorm(draw):
    rank = draw(st.integers(1, 3))
    x = draw(arrays(_dtype(), st.tuples(*[st.integers(0, 4)] * rank)))
    axis = draw(st.sampled_from([-1, 0] + ([[-2, -1]] if rank > 1 else [])))

    def r(layer):
        ax = tuple(axis) if isinstance(axis, list) else axis
        xx = _f64(x)
        return xx / np.sqrt(np.maximum((xx ** 2).sum(ax, keepdims=True), 1e-12))
    return LCase(lambda: layers.UnitNormalization(axis=axis), x, r,
                 info={"x": x.shape, "axis": axis})


def _keras_merge_inputs(xs):
    """Keras _Merge: inputs of lower rank get size-1 axes inserted at axis 1, then broadcast."""
    r = max(x.ndim for x in xs)
    out = []
    for x in xs:
        x = _f64(x)
        while x.ndim < r:
            x = np.expand_dims(x, 1)
        out.append(x)
    np.broadcast_shapes(*[x.shape for x in out])  # ValueError when they do not broadcast
    return out


MERGE_REFS = {
    "Add": lambda xs: sum(xs), "Subtract": lambda xs: xs[0] - xs[1],
    "Multiply": lambda xs: math.prod(xs), "Average": lambda xs: sum(xs) / len(xs),
    "Maximum": lambda xs: functools.reduce(np.maximum, xs),
    "Minimum": lambda xs: functools.reduce(np.minimum, xs),
}


def merge_spec(cls_name):
    @st.composite
    def strat(draw):
        n = 2 if cls_name == "Subtract" else draw(st.integers(2, 3))
        shape = tuple(draw(st.integers(0 if i == 0 else 1, 3)) for i in range(draw(st.integers(1, 3))))
        xs = [draw(arrays(_dtype(), shape)) for _ in range(n)]
        if draw(st.integers(0, 9)) == 0:  # incompatible member
            xs[-1] = draw(arrays(_dtype(), shape + (2,)))

        def r(layer):
            return MERGE_REFS[cls_name](_keras_merge_inputs(xs))
        cls = getattr(layers, cls_name)
        # Keras rejects some rank mismatches that broadcasting would allow: may raise then.
        # float16 inputs are cast to the float32 layer dtype first, as Keras autocasts.
        return LCase(lambda: cls(), xs, r, may_raise=any(x.shape != xs[0].shape for x in xs),
                     rtol=1e-4,
                     info={"cls": cls_name, "shapes": [x.shape for x in xs]})
    return strat()


@st.composite
def s_concatenate(draw):
    rank = draw(st.integers(2, 4))
    base = [draw(st.integers(0, 3))] + [draw(st.integers(1, 3)) for _ in range(rank - 1)]
    axis = draw(st.integers(-rank, rank - 1).filter(lambda a: a % rank != 0))
    xs = []
    for _ in range(draw(st.integers(2, 3))):
        s = list(base)
        s[axis] = draw(st.integers(1, 3))
        xs.append(draw(arrays(_dtype(), tuple(s))))
    if draw(st.integers(0, 9)) == 0:
        s = list(xs[-1].shape)
        s[(axis % rank) - 1 if axis % rank > 1 else -1 if axis % rank != rank - 1 else 1] += 1
        xs[-1] = draw(arrays(_dtype(), tuple(s)))

    def r(layer):
        return np.concatenate([_f64(x) for x in xs], axis=axis)
    return LCase(lambda: layers.Concatenate(axis=axis), xs, r, rtol=1e-4,
                 info={"axis": axis, "shapes": [x.shape for x in xs]})


@st.composite
def s_dot(draw):
    """Dot: (batch, ...) x (batch, ...) over one axis each, per-sample np.tensordot in float64
    (and L2-normalized inputs with normalize=True); mismatched axis sizes must raise."""
    b = draw(st.integers(0, 3))
    r1, r2 = draw(st.integers(2, 3)), draw(st.integers(2, 3))
    a1, a2 = draw(st.integers(1, r1 - 1)), draw(st.integers(1, r2 - 1))
    n = draw(st.integers(1, 4))
    s1 = [b] + [draw(st.integers(1, 3)) for _ in range(r1 - 1)]
    s2 = [b] + [draw(st.integers(1, 3)) for _ in range(r2 - 1)]
    s1[a1], s2[a2] = n, n
    bad = draw(st.integers(0, 9)) == 0
    if bad:
        s2[a2] = n + 1
    x1, x2 = draw(arrays(_dtype(), tuple(s1))), draw(arrays(_dtype(), tuple(s2)))
    normalize = draw(st.booleans())
    neg = draw(st.booleans())  # the same axes written from the end
    axes = (a1 - r1, a2 - r2) if neg else (a1, a2)

    def r(layer):
        if bad:
            raise ValueError(f"contracted axes differ: {s1[a1]} != {s2[a2]}")
        u, v = _f64(x1), _f64(x2)
        if normalize:
            u = u / np.sqrt(np.maximum((u * u).sum(axis=a1, keepdims=True), 1e-14))
            v = v / np.sqrt(np.maximum((v * v).sum(axis=a2, keepdims=True), 1e-14))
        out = np.stack([np.tensordot(u[i], v[i], axes=(a1 - 1, a2 - 1)) for i in range(b)]) \
            if b else np.zeros((0,) + tuple(d for i, d in enumerate(s1) if i not in (0, a1)) +
                               tuple(d for i, d in enumerate(s2) if i not in (0, a2)))
        return out.reshape(b, 1) if out.ndim == 1 else out
    return LCase(lambda: layers.Dot(axes=axes, normalize=normalize), [x1, x2], r,
                 may_raise=bad, rtol=1e-4,
                 info={"shapes": (tuple(s1), tuple(s2)), "axes": axes, "normalize": normalize})


LAYER_SPECS = {
    "Dense": s_dense(), "Dot": s_dot(), "Activation": s_activation(), "Dropout": s_dropout(),
    "Flatten": s_flatten(), "Reshape": s_reshape(), "Embedding": s_embedding(),
    "Conv1D": conv_spec("Conv1D", 1), "Conv2D": conv_spec("Conv2D", 2),
    "SeparableConv2D": s_depthwise(separable=True), "DepthwiseConv2D": s_depthwise(),
    "MaxPooling1D": pool_spec("MaxPooling1D", 1, "max"),
    "MaxPooling2D": pool_spec("MaxPooling2D", 2, "max"),
    "AveragePooling1D": pool_spec("AveragePooling1D", 1, "avg"),
    "AveragePooling2D": pool_spec("AveragePooling2D", 2, "avg"),
    "GlobalMaxPooling1D": global_pool_spec("GlobalMaxPooling1D", 1, "max"),
    "GlobalMaxPooling2D": global_pool_spec("GlobalMaxPooling2D", 2, "max"),
    "GlobalAveragePooling1D": global_pool_spec("GlobalAveragePooling1D", 1, "avg"),
    "GlobalAveragePooling2D": global_pool_spec("GlobalAveragePooling2D", 2, "avg"),
    "LSTM": s_lstm(), "BatchNormalization": s_batchnorm(),
    "SyncBatchNormalization": s_batchnorm("SyncBatchNormalization"), "LayerNormalization": s_layernorm(),
    "GRU": _rnn_spec("GRU"), "SimpleRNN": _rnn_spec("SimpleRNN"), "Masking": s_masking(),
    "RepeatVector": s_repeat_vector(), "TimeDistributed": s_time_distributed(),
    "Bidirectional": s_bidirectional(),
    "Concatenate": s_concatenate(), **{n: merge_spec(n) for n in MERGE_REFS},
    "EinsumDense": s_einsum_dense(), "MultiHeadAttention": s_mha(),
    "Attention": attention_spec("Attention"), "AdditiveAttention": attention_spec("AdditiveAttention"),
    "ReLU": s_relu_layer(), "LeakyReLU": s_leaky_relu_layer(), "ELU": s_elu_layer(),
    "PReLU": s_prelu_layer(), "Softmax": s_softmax_layer(),
    "Conv1DTranspose": conv_transpose_spec("Conv1DTranspose", 1),
    "Conv2DTranspose": conv_transpose_spec("Conv2DTranspose", 2),
    "UpSampling1D": s_upsampling(1), "UpSampling2D": s_upsampling(2),
    "ZeroPadding1D": s_pad_crop(1, False), "ZeroPadding2D": s_pad_crop(2, False),
    "Cropping1D": s_pad_crop(1, True), "Cropping2D": s_pad_crop(2, True),
    "Permute": s_permute(), "Identity": s_identity_like(lambda: layers.Identity()),
    "GroupNormalization": s_groupnorm(), "UnitNormalization": s_unitnorm(),
    "GaussianNoise": s_identity_like(lambda: layers.GaussianNoise(0.3, seed=1)),
    "GaussianDropout": s_identity_like(lambda: layers.GaussianDropout(0.3, seed=1)),
    "AlphaDropout": s_identity_like(lambda: layers.AlphaDropout(0.3, seed=1)),
    "ActivityRegularization": s_identity_like(lambda: layers.ActivityRegularization(0.1, 0.1)),
    "SpatialDropout1D": s_spatial_dropout(1), "SpatialDropout2D": s_spatial_dropout(2),
}
from fuzz_specs_preprocessing import preprocessing_specs  # noqa: E402  (issue 17)
LAYER_SPECS.update(preprocessing_specs())


def _layer_classes():
    return set(LAYER_CLASSES) - set(EXEMPT)


def test_exempt_names_are_layer_classes():
    assert not sorted(set(EXEMPT) - set(LAYER_CLASSES))


def test_every_layer_class_has_a_spec():
    missing = sorted(_layer_classes() - set(LAYER_SPECS))
    assert not missing, f"layer classes without a fuzz spec in tests/test_fuzz_layers.py: {missing}"


def test_no_spec_for_an_unknown_layer():
    assert not sorted(set(LAYER_SPECS) - _layer_classes())


def _layer_error_names(layer, case):
    return (layer.name, type(layer).__name__, "input", "shape", "rank", "ndim", "axis", "index",
            "target_shape", "channels", "indices", "input_dim")


@pytest.mark.parametrize("cls_name", sorted(LAYER_SPECS))
@given(data=st.data())
def test_layer_matches_reference_or_raises_cleanly(cls_name, data):
    missing = [op for op in NEEDS_OPS.get(cls_name, ()) if not hasattr(ops, op)]
    assert not missing, f"{cls_name} needs pyfapi.ops.{missing[0]}, which does not exist"
    case = data.draw(LAYER_SPECS[cls_name], label=cls_name)
    inputs = case.inputs
    try:
        layer = case.make()
    except (ValueError, TypeError) as e:  # a rejected config (e.g. strides > 1 with dilation > 1)
        assert case.may_raise, f"{cls_name} rejected its config: {e} ({case.info})"
        check_error(e, cls_name)
        return
    try:
        if case.call is not None:  # builds on the first call
            case.call(layer)
        elif isinstance(inputs, list):
            layer.build([x.shape for x in inputs])
        else:
            layer.build(inputs.shape)
        _randomize_weights(layer, 0)
        got = case.call(layer) if case.call is not None else layer(inputs, training=False)
    except (ValueError, TypeError, IndexError) as e:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                case.ref(layer)
        except (ValueError, TypeError, IndexError):
            check_error(e, *_layer_error_names(layer, case))
            return
        if case.may_raise:
            check_error(e, *_layer_error_names(layer, case))
            return
        raise AssertionError(f"{cls_name} raised {type(e).__name__}: {e}, reference succeeds: "
                             f"{case.info}") from e
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            expected = case.ref(layer)
        except (ValueError, TypeError, IndexError) as e:
            raise AssertionError(f"{cls_name} accepted inputs the reference rejects ({e!r}): "
                                 f"{case.info}") from None
    if isinstance(expected, tuple):
        assert len(got) == len(expected), case.info
        pairs = list(zip(got, expected))
    else:
        pairs = [(got, expected)]
    for g, e in pairs:
        assert_matches(value(g), e, case.rtol, f"{cls_name} {case.info}")
    if case.call is not None:
        return  # custom call signature: symbolic shapes are checked in that layer's own tests
    # The symbolic shape agrees with the eager one (batch left unknown).
    in_shapes = ([(None, *x.shape[1:]) for x in inputs] if isinstance(inputs, list)
                 else (None, *inputs.shape[1:]))
    sym = layer.compute_output_shape(in_shapes)
    sym = sym if isinstance(expected, tuple) else [sym]
    for s, (g, _) in zip(sym, pairs):
        # None: a size only known from the data (TextVectorization's longest sequence)
        assert len(tuple(s)) == value(g).ndim and all(
            a is None or a == b for a, b in zip(tuple(s)[1:], value(g).shape[1:])), \
            (cls_name, s, value(g).shape, case.info)


@pytest.mark.parametrize("rate", [0.3, 0.9])
@given(x=arrays(st.sampled_from([np.float32, np.float64]), st.tuples(st.integers(0, 5), st.integers(1, 6))))
def test_dropout_training_keeps_or_scales(rate, x):
    y = value(layers.Dropout(rate, seed=3)(x, training=True))
    assert y.shape == x.shape and np.isfinite(y).all()
    kept = y != 0
    np.testing.assert_allclose(y[kept], _f64(x)[kept] / (1 - rate), rtol=1e-5, atol=1e-6)
