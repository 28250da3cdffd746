"""Fuzz-walker specs (tests/test_fuzz_layers.py) of the preprocessing layers, with numpy
references; string layers draw their own texts (empty strings, unicode, repeats)."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from pyfapi import layers
from strategies import arrays


def _f64(x):
    return np.asarray(x).astype(np.float64)


def _lcase():
    from test_fuzz_layers import LCase
    return LCase


_DTYPES = st.sampled_from([np.float32, np.float64, np.float16, np.int32])


@st.composite
def s_normalization(draw):
    rank = draw(st.integers(1, 3))
    x = draw(arrays(_DTYPES, st.tuples(*[st.integers(1, 4)] * rank)))
    invert = draw(st.booleans())

    def r(layer):
        w = {v.name: _f64(v.value) for v in layer.weights}
        scale = np.maximum(np.sqrt(w["variance"]), 1e-7)
        return w["mean"] + _f64(x) * scale if invert else (_f64(x) - w["mean"]) / scale
    return _lcase()(lambda: layers.Normalization(invert=invert), x, r,
                    info={"x": x.shape, "invert": invert})


@st.composite
def s_rescaling(draw):
    rank = draw(st.integers(1, 4))
    x = draw(arrays(_DTYPES, st.tuples(*[st.integers(0, 4)] * rank)))
    scale = draw(st.sampled_from([1 / 255, 2.0, -0.5]))
    offset = draw(st.sampled_from([0.0, -1.0, 0.25]))
    return _lcase()(lambda: layers.Rescaling(scale, offset), x,
                    lambda layer: _f64(x) * scale + offset, info={"x": x.shape})


@st.composite
def s_discretization(draw):
    rank = draw(st.integers(1, 3))
    x = draw(arrays(_DTYPES, st.tuples(*[st.integers(1, 4)] * rank)))
    b = sorted(draw(st.lists(st.floats(-3, 3, width=32), min_size=0, max_size=4)))
    mode = draw(st.sampled_from(["int", "one_hot", "multi_hot", "count"]))
    depth = len(b) + 1

    def r(layer):
        idx = np.digitize(_f64(x), np.asarray(b, dtype=np.float64))
        if x.dtype.kind == "f":
            idx = np.digitize(x, np.asarray(b, dtype=x.dtype))
        if mode == "int":
            return idx
        if mode == "one_hot":
            i = idx[..., 0] if idx.ndim > 1 and idx.shape[-1] == 1 else idx
            return np.eye(depth)[i]
        i2 = idx.reshape(1, -1) if idx.ndim == 1 else np.moveaxis(idx, 1, -1)
        out = np.apply_along_axis(lambda v: np.bincount(v, minlength=depth), -1, i2)
        out = out > 0 if mode == "multi_hot" else out
        return (out[0] if idx.ndim == 1 else out).astype(np.float64)
    return _lcase()(lambda: layers.Discretization(bin_boundaries=b, output_mode=mode), x, r,
                    info={"x": x.shape, "b": b, "mode": mode})


_WORDS = ["a", "b", "ab", "", "é", "日本", "[UNK]", "x y"]


@st.composite
def _string_array(draw, shape):
    flat = draw(st.lists(st.sampled_from(_WORDS), min_size=int(np.prod(shape)),
                         max_size=int(np.prod(shape))))
    arr = np.empty(int(np.prod(shape)), dtype=object)
    arr[:] = flat
    return arr.reshape(shape) if draw(st.booleans()) else arr.reshape(shape).astype(str)


@st.composite
def s_string_lookup(draw):
    vocab = draw(st.lists(st.sampled_from(["a", "b", "ab", "é", "日本"]), min_size=1, max_size=4,
                          unique=True))
    mask = draw(st.sampled_from([None, ""]))
    mode = draw(st.sampled_from(["int", "multi_hot", "count"]))
    shape = (draw(st.integers(0, 3)), draw(st.integers(1, 3)))
    x = draw(_string_array(shape))

    def r(layer):
        start = (1 if mask is not None and mode == "int" else 0) + 1
        table = {t: start + i for i, t in enumerate(vocab)}
        oov = start - 1
        idx = np.vectorize(lambda t: 0 if (mask is not None and t == mask and mode == "int")
                           else (-1 if mask is not None and t == mask else table.get(t, oov)),
                           otypes=[np.int64])(x) if x.size else np.zeros(x.shape, np.int64)
        if mode == "int":
            return idx
        depth = start + len(vocab)
        out = np.zeros((x.shape[0], depth))
        for i in range(x.shape[0]):
            for j in idx[i]:
                if j >= 0:
                    out[i, j] = 1 if mode == "multi_hot" else out[i, j] + 1
        return out
    return _lcase()(lambda: layers.StringLookup(vocabulary=vocab, mask_token=mask,
                                                output_mode=mode), x, r,
                    info={"vocab": vocab, "mask": mask, "mode": mode, "x": x.tolist()})


@st.composite
def s_integer_lookup(draw):
    vocab = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4, unique=True))
    x = draw(arrays(st.sampled_from([np.int32, np.int64]),
                    (draw(st.integers(0, 3)), draw(st.integers(1, 3))), 0, 10))

    def r(layer):
        table = {t: 1 + i for i, t in enumerate(vocab)}
        return np.vectorize(lambda t: table.get(int(t), 0), otypes=[np.int64])(x) \
            if x.size else np.zeros(x.shape, np.int64)
    return _lcase()(lambda: layers.IntegerLookup(vocabulary=vocab), x, r,
                    info={"vocab": vocab, "x": x.tolist()})


@st.composite
def s_category_encoding(draw):
    n = draw(st.integers(1, 5))
    mode = draw(st.sampled_from(["multi_hot", "count", "one_hot"]))
    x = draw(arrays(st.sampled_from([np.int32, np.int64]),
                    (draw(st.integers(0, 3)), 1 if mode == "one_hot" else draw(st.integers(1, 3))),
                    0, n))  # n itself is out of range: an error

    def r(layer):
        if x.size and x.max() >= n:
            raise ValueError("out of range")
        if mode == "one_hot":
            return np.eye(n)[x[:, 0]]
        out = np.zeros((x.shape[0], n))
        for i in range(x.shape[0]):
            for j in x[i]:
                out[i, j] = 1 if mode == "multi_hot" else out[i, j] + 1
        return out
    return _lcase()(lambda: layers.CategoryEncoding(n, output_mode=mode), x, r,
                    info={"n": n, "mode": mode, "x": x.tolist()})


@st.composite
def s_hashing(draw):
    bins = draw(st.integers(1, 6))
    x = draw(_string_array((draw(st.integers(0, 3)), draw(st.integers(1, 2)))))

    def r(layer):
        import farmhash
        return np.vectorize(lambda t: farmhash.fingerprint64(t) % bins, otypes=[np.int64])(x) \
            if x.size else np.zeros(x.shape, np.int64)
    return _lcase()(lambda: layers.Hashing(bins), x, r, info={"bins": bins, "x": x.tolist()})


@st.composite
def s_text_vectorization(draw):
    vocab = draw(st.lists(st.sampled_from(["a", "b", "ab", "é", "日本"]), min_size=1, max_size=4,
                          unique=True))
    length = draw(st.sampled_from([None, 1, 3]))
    texts = draw(st.lists(st.sampled_from(["a b", "", "A, b!", "日本 é é", "zz a ab ab"]),
                          min_size=1, max_size=3))
    x = np.array(texts, dtype=object)

    def r(layer):
        import string
        table = {t: 2 + i for i, t in enumerate(vocab)}
        rows = []
        for t in texts:
            t = "".join(c.lower() if c.isascii() else c for c in t)
            t = "".join(c for c in t if c not in string.punctuation)
            rows.append([table.get(w, 1) for w in t.split()])
        width = length if length is not None else max(len(r) for r in rows)
        out = np.zeros((len(rows), width), np.int64)
        for i, row in enumerate(rows):
            out[i, :min(len(row), width)] = row[:width]
        return out
    return _lcase()(lambda: layers.TextVectorization(vocabulary=vocab,
                                                     output_sequence_length=length), x, r,
                    info={"vocab": vocab, "texts": texts, "length": length})


def preprocessing_specs():
    """{layer class name: strategy} for the walker."""
    specs = {"Normalization": s_normalization(), "Rescaling": s_rescaling(),
             "Discretization": s_discretization(), "StringLookup": s_string_lookup(),
             "IntegerLookup": s_integer_lookup(), "CategoryEncoding": s_category_encoding(),
             "Hashing": s_hashing(), "TextVectorization": s_text_vectorization()}
    return {k: v for k, v in specs.items() if hasattr(layers, k)}
