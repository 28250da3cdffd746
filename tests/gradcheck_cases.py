"""Gradcheck cases for every differentiable op in the registry: ``CASES[op name] = [(fn, inputs), ...]``.

``fn(*tensors)`` must use the op (it may compose it with others); ``inputs`` are numpy arrays
(float ones are differentiated in float64 by :func:`pyfapi.testing.gradcheck`; integer ones are
passed through and must get a None gradient). Keep inputs small (finite differences cost two
forward passes per element) and away from kinks (relu at 0, ties in max, |x| at 0).

Adding cases: kernel families may either add entries here or put a module
``tests/gradcheck_cases_<family>.py`` defining its own ``CASES`` dict (same format); every such
module is merged in below, so families do not have to edit this shared file. An optional third
tuple element is a dict of gradcheck keyword arguments (eps/atol/rtol).
"""
from __future__ import annotations

import importlib
import pathlib

import numpy as np

from pyfapi import ops

_rng = np.random.default_rng(2024)


def r(*shape):
    """Standard normal float64 values."""
    return _rng.standard_normal(shape)


def pos(*shape):
    """Positive values in [0.5, 2] (log, sqrt, power base)."""
    return _rng.uniform(0.5, 2.0, shape)


def away(*shape, gap=0.1):
    """Normal values at least ``gap`` away from 0 (relu/abs kinks)."""
    x = _rng.standard_normal(shape)
    return np.where(np.abs(x) < gap, np.sign(x + 1e-12) * (gap + np.abs(x)), x)


def distinct(*shape):
    """A permutation of well-separated values (no ties for max/min/maximum)."""
    n = int(np.prod(shape))
    return (_rng.permutation(n).reshape(shape) * 0.37 - n * 0.15).astype(np.float64)


CASES = {
    # ---- math ----
    "add": [(ops.add, [r(3, 4), r(3, 4)]), (ops.add, [r(1, 3, 1), r(4, 1, 5)]), (ops.add, [r(2, 3), r()])],
    "subtract": [(ops.subtract, [r(1, 3, 1), r(4, 1, 5)]), (ops.subtract, [r(3,), r(2, 3)])],
    "multiply": [(ops.multiply, [r(1, 3, 1), r(4, 1, 5)]), (ops.multiply, [r(2, 3), r(2, 3)])],
    "divide": [(ops.divide, [r(1, 3, 1), pos(4, 1, 5)]), (ops.divide, [r(2, 3), pos(3)])],
    "power": [(ops.power, [pos(2, 3), r(2, 3)]), (ops.power, [pos(1, 3, 1), r(4, 1, 5)])],
    "maximum": [(ops.maximum, [distinct(1, 3, 1), distinct(4, 1, 5) + 0.1])],
    "minimum": [(ops.minimum, [distinct(1, 3, 1), distinct(4, 1, 5) + 0.1])],
    "where": [(lambda c, a, b: ops.where(c, a, b), [_rng.random((4, 1, 5)) > 0.5, r(1, 3, 1), r(4, 3, 5)])],
    "matmul": [
        (ops.matmul, [r(3, 4), r(4, 5)]),
        (ops.matmul, [r(2, 3, 4), r(4, 2)]),
        (ops.matmul, [r(4), r(4, 3)]),
        (ops.matmul, [r(2, 1, 3, 4), r(4, 5)[None, None].repeat(3, axis=1)]),
        (ops.matmul, [r(3, 4), r(4)]),
        (ops.matmul, [r(4), r(4)]),
    ],
    "negative": [(ops.negative, [r(2, 3)])],
    "exp": [(ops.exp, [r(2, 3)])],
    "sin": [(ops.sin, [r(2, 3)])],
    "roll": [(lambda x: ops.roll(x, 2, axis=1), [r(2, 3)]), (lambda x: ops.roll(x, -1), [r(2, 3)])],
    "cos": [(ops.cos, [r(2, 3)])],
    "rsqrt": [(ops.rsqrt, [pos(2, 3)])],
    "cumsum": [(lambda x: ops.cumsum(x, axis=1), [r(2, 3, 4)]), (ops.cumsum, [r(2, 3)])],
    "flip": [(lambda x: ops.flip(x, axis=(0, 2)), [r(2, 3, 4)]), (ops.flip, [r(3)])],
    "tril": [(lambda x: ops.tril(x, k=-1), [r(2, 4, 4)])],
    "triu": [(lambda x: ops.triu(x, k=1), [r(3, 5)])],
    "expm1": [(ops.expm1, [r(2, 3)])],
    "log": [(ops.log, [pos(2, 3)])],
    "log1p": [(ops.log1p, [pos(2, 3)])],
    "sqrt": [(ops.sqrt, [pos(2, 3)])],
    "square": [(ops.square, [r(2, 3)])],
    "reciprocal": [(ops.reciprocal, [pos(2, 3)])],
    "abs": [(ops.abs, [away(2, 3)])],
    "clip": [(lambda x: ops.clip(x, -0.5, 0.5), [away(3, 4, gap=0.05) * 0.7 + 0.013])],
    "sum": [(ops.sum, [r(2, 3)]), (lambda x: ops.sum(x, axis=1), [r(2, 3, 4)]),
            (lambda x: ops.sum(x, axis=(0, 2), keepdims=True), [r(2, 3, 4)])],
    "mean": [(ops.mean, [r(2, 3)]), (lambda x: ops.mean(x, axis=-1), [r(2, 3, 4)]),
             (lambda x: ops.mean(x, axis=(0, 1), keepdims=True), [r(2, 3, 4)])],
    "max": [(ops.max, [distinct(2, 3)]), (lambda x: ops.max(x, axis=1), [distinct(2, 3, 4)]),
            (lambda x: ops.max(x, axis=0, keepdims=True), [distinct(3, 2)])],
    "min": [(ops.min, [distinct(2, 3)]), (lambda x: ops.min(x, axis=(0, 2)), [distinct(2, 3, 4)])],
    "logsumexp": [(ops.logsumexp, [r(2, 3)]), (lambda x: ops.logsumexp(x, axis=1, keepdims=True), [r(2, 3, 2) * 5])],
    # ---- nn ----
    "relu": [(ops.relu, [away(3, 4)])],
    "relu6": [(ops.relu6, [away(3, 4) * 4 + 0.05])],
    "leaky_relu": [(ops.leaky_relu, [away(3, 4)]), (lambda x: ops.leaky_relu(x, 0.01), [away(3, 4)])],
    "elu": [(ops.elu, [away(3, 4)]), (lambda x: ops.elu(x, alpha=0.5), [away(3, 4)])],
    "selu": [(ops.selu, [away(3, 4)])],
    "gelu": [(ops.gelu, [r(3, 4)]), (lambda x: ops.gelu(x, approximate=False), [r(3, 4)])],
    "sigmoid": [(ops.sigmoid, [r(3, 4) * 3])],
    "hard_sigmoid": [(ops.hard_sigmoid, [r(3, 4) * 2 + 0.013])],
    "silu": [(ops.silu, [r(3, 4) * 2])],
    "hard_silu": [(ops.hard_silu, [r(3, 4) * 2 + 0.013])],
    "softplus": [(ops.softplus, [r(3, 4) * 3])],
    "log_sigmoid": [(ops.log_sigmoid, [r(3, 4) * 3])],
    "softsign": [(ops.softsign, [away(3, 4)])],
    "tanh": [(ops.tanh, [r(3, 4)])],
    "softmax": [(ops.softmax, [r(3, 4)]), (lambda x: ops.softmax(x, axis=0), [r(3, 4)]),
                (lambda x: ops.softmax(x, axis=(1, 2)), [r(2, 2, 3)])],
    "log_softmax": [(ops.log_softmax, [r(3, 4)]), (lambda x: ops.log_softmax(x, axis=1), [r(2, 3, 2)])],
    "categorical_crossentropy": [
        (lambda t, x: ops.categorical_crossentropy(t, x, from_logits=True), [ops.softmax(r(4, 3)).numpy(), r(4, 3)]),
        (ops.categorical_crossentropy, [ops.softmax(r(4, 3)).numpy(), pos(4, 3)]),
        (lambda t, x: ops.categorical_crossentropy(t, x, from_logits=True, axis=1), [ops.softmax(r(2, 3, 2), axis=1).numpy(), r(2, 3, 2)]),
    ],
    "sparse_categorical_crossentropy": [
        (lambda t, x: ops.sparse_categorical_crossentropy(t, x, from_logits=True), [np.array([0, 2, 1, 2]), r(4, 3)]),
        (ops.sparse_categorical_crossentropy, [np.array([0, 2, 1, 2]), pos(4, 3)]),
        (lambda t, x: ops.sparse_categorical_crossentropy(t, x, from_logits=True, axis=1), [np.array([[0, 1], [2, 2]]), r(2, 3, 2)]),
    ],
    "binary_crossentropy": [
        (lambda t, x: ops.binary_crossentropy(t, x, from_logits=True), [_rng.random((3, 4)), r(3, 4)]),
        (ops.binary_crossentropy, [_rng.random((3, 4)), _rng.uniform(0.1, 0.9, (3, 4))]),
    ],
    "linear": [(ops.linear, [r(4, 3), r(3, 5)]),
               (lambda x, k, b: ops.linear(x, k, b, activation="relu"), [r(4, 3), r(3, 5), away(5)]),
               (lambda x, k, b: ops.linear(x, k, b), [r(2, 4, 3), r(3, 5), r(5)])],
    # ---- shape ----
    "reshape": [(lambda x: ops.reshape(x, (3, -1)), [r(2, 3, 2)])],
    "transpose": [(ops.transpose, [r(2, 3)]), (lambda x: ops.transpose(x, (1, 2, 0)), [r(2, 3, 4)]),
                  (lambda x: ops.transpose(x, (0, -1, 1)), [r(2, 3, 4)])],
    "expand_dims": [(lambda x: ops.expand_dims(x, 1), [r(2, 3)]), (lambda x: ops.expand_dims(x, -1), [r(2, 3)])],
    "squeeze": [(ops.squeeze, [r(2, 1, 3, 1)]), (lambda x: ops.squeeze(x, axis=1), [r(2, 1, 3, 1)])],
    "concatenate": [(lambda a, b: ops.concatenate([a, b], axis=1), [r(2, 3), r(2, 2)]),
                    (lambda a, b, c: ops.concatenate([a, b, c]), [r(1, 2), r(3, 2), r(2, 2)]),
                    (lambda a, b: ops.concatenate((a, b), axis=-1), [r(2, 1, 3), r(2, 1, 1)])],
    "stack": [(lambda a, b: ops.stack([a, b], axis=1), [r(2, 3), r(2, 3)]),
              (lambda a, b: ops.stack([a, b], axis=-1), [r(2,), r(2,)])],
    "split": [(lambda x: ops.split(x, 3, axis=1), [r(2, 6)]), (lambda x: ops.split(x, [1, 3]), [r(5, 2)]),
              (lambda x: ops.split(x, 2, axis=-1)[1], [r(2, 3, 4)])],
    "unstack": [(lambda x: ops.unstack(x, axis=1), [r(2, 3, 2)]), (lambda x: ops.unstack(x)[1], [r(3, 2)])],
    "get_item": [(lambda x: x[1:, ::2], [r(3, 5)]), (lambda x: x[np.array([0, 2, 0])], [r(3, 4)]),
                 (lambda x: x[..., 1, None], [r(2, 3, 4)]), (lambda x: x[x.numpy() > 0], [r(3, 4)])],
    "take": [(lambda x, i: ops.take(x, i, axis=0), [r(4, 3), np.array([[0, 3], [3, 1]])]),
             (lambda x, i: ops.take(x, i, axis=1), [r(2, 4, 3), np.array([1, 1, -1])]),
             (lambda x, i: ops.take(x, i), [r(3, 3), np.array([0, 8, 8, 4])]),
             (lambda x, i: ops.take(x, i, axis=-1), [r(2, 3), np.array([[2, 0], [2, 2]])])],
    "take_along_axis": [(lambda x, i: ops.take_along_axis(x, i, axis=1), [r(3, 4), np.array([[0, 0], [3, 1], [2, 2]])]),
                        (lambda x, i: ops.take_along_axis(x, i, axis=None), [r(2, 3), np.array([5, 0, 5])])],
    "broadcast_to": [(lambda x: ops.broadcast_to(x, (4, 3, 5)), [r(1, 3, 1)])],
    "pad": [(lambda x: ops.pad(x, ((1, 0), (2, 1))), [r(2, 3)])],
    "tile": [(lambda x: ops.tile(x, (2, 1, 3)), [r(2, 3)])],
    "repeat": [(lambda x: ops.repeat(x, 2, axis=1), [r(2, 3)]), (lambda x: ops.repeat(x, [1, 0, 2]), [r(3)])],
    # ---- core ----
    "cast": [(lambda x: ops.cast(ops.cast(x, "float32"), "float64"), [r(2, 3)], {"atol": 1e-3, "rtol": 1e-3, "eps": 1e-3})],
    "identity": [(ops.identity, [r(2, 3)])],
}

# Merge family tables: tests/gradcheck_cases_<family>.py, each with a CASES dict.
for _path in sorted(pathlib.Path(__file__).parent.glob("gradcheck_cases_*.py")):
    _mod = importlib.import_module(_path.stem)
    for _name, _cases in _mod.CASES.items():
        CASES.setdefault(_name, []).extend(_cases)
