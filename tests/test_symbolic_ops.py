"""Symbolic tensors as Keras 3 (the guide "The Functional API" with our own data): Python
operators, indexing and every pyfapi.ops function on KerasTensors add graph nodes with inferred
shapes; models holding such nodes train, save and load (.keras); Keras's input-rank rule."""
from __future__ import annotations

import os

import numpy as np
import pytest

import pyfapi
from pyfapi import layers, ops

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("expr, shape, dtype", [
    (lambda x: x + 1, (None, 3, 4), "float32"),
    (lambda x: 2.0 - x, (None, 3, 4), "float32"),
    (lambda x: x * x, (None, 3, 4), "float32"),
    (lambda x: x / 2, (None, 3, 4), "float32"),
    (lambda x: x // 2, (None, 3, 4), "float32"),
    (lambda x: x % 2, (None, 3, 4), "float32"),
    (lambda x: x ** 2, (None, 3, 4), "float32"),
    (lambda x: x @ np.ones((4, 5), np.float32), (None, 3, 5), "float32"),
    (lambda x: -x, (None, 3, 4), "float32"),
    (lambda x: abs(x), (None, 3, 4), "float32"),
    (lambda x: x > 0, (None, 3, 4), "bool"),
    (lambda x: x[:, 0], (None, 4), "float32"),
    (lambda x: x[..., 1:3], (None, 3, 2), "float32"),
    (lambda x: x[:, None], (None, 1, 3, 4), "float32"),
    (lambda x: x[:, :, ::2], (None, 3, 2), "float32"),
    (lambda x: ops.sum(x, axis=1), (None, 4), "float32"),
    (lambda x: ops.reshape(x, (-1, 12)), (None, 12), "float32"),
    (lambda x: ops.transpose(x, (0, 2, 1)), (None, 4, 3), "float32"),
    (lambda x: ops.einsum("bij,jk->bik", x, np.ones((4, 2), np.float32)), (None, 3, 2),
     "float32"),
    (lambda x: ops.tensordot(x, np.ones((4, 2), np.float32), axes=1), (None, 3, 2), "float32"),
    (lambda x: ops.concatenate([x, x * 2], axis=-1), (None, 3, 8), "float32"),
    (lambda x: ops.cast(x, "int32"), (None, 3, 4), "int32"),
])
def test_operators_and_ops_on_keras_tensors(expr, shape, dtype):
    inp = pyfapi.Input((3, 4))
    out = expr(inp)
    assert isinstance(out, pyfapi.KerasTensor)
    assert out.shape == shape and out.dtype == dtype
    model = pyfapi.Model(inp, out)
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    got = np.asarray(model.predict(x, verbose=0))
    want = np.asarray(expr(pyfapi.ops.convert_to_tensor(x)).value)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_static_shape_ops_return_values():
    inp = pyfapi.Input((3, 4))
    assert ops.shape(inp) == (None, 3, 4) and ops.ndim(inp) == 3 and ops.dtype(inp) == "float32"


def test_incompatible_shapes_name_the_op_and_shapes():
    a, b = pyfapi.Input((3,)), pyfapi.Input((4,))
    with pytest.raises(ValueError, match=r"pyfapi.ops.add on KerasTensors of shapes "
                                          r"\(None, 3\), \(None, 4\).*broadcast"):
        a + b
    with pytest.raises(ValueError, match=r"matmul.*\(None, 3\)"):
        ops.matmul(a, np.ones((4, 2), np.float32))


def test_functional_guide_model_with_op_nodes_trains_and_round_trips(tmp_path):
    """Two inputs, slicing, arithmetic between branches, an ops reduction, two outputs."""
    title = pyfapi.Input((6,), name="title")
    body = pyfapi.Input((6,), name="body")
    t = layers.Dense(4, activation="relu", name="t")(title)
    b = layers.Dense(4, activation="relu", name="b")(body)
    mixed = t * 0.5 + b[:, ::-1] - ops.mean(b, axis=-1, keepdims=True)
    priority = layers.Dense(1, name="priority")(mixed)
    dept = layers.Dense(3, activation="softmax", name="dept")(ops.concatenate([mixed, t], -1))
    model = pyfapi.Model({"title": title, "body": body}, {"priority": priority, "dept": dept})
    x = {"title": RNG.random((16, 6), dtype=np.float32),
         "body": RNG.random((16, 6), dtype=np.float32)}
    y = {"priority": RNG.random((16, 1), dtype=np.float32),
         "dept": np.eye(3, dtype=np.float32)[RNG.integers(0, 3, 16)]}
    model.compile("adam", {"priority": "mse", "dept": "categorical_crossentropy"})
    hist = model.fit(x, y, epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    path = os.path.join(tmp_path, "ops.keras")
    model.save(path)
    loaded = pyfapi.saving.load_model(path)
    a, c = model.predict(x, verbose=0), loaded.predict(x, verbose=0)
    for k in a:
        np.testing.assert_allclose(a[k], c[k], rtol=1e-6)
    assert any(type(l).__name__ == "SymbolicOp" for l in loaded.layers)


def test_slicing_and_none_axis_round_trip_through_config():
    inp = pyfapi.Input((5, 2))
    out = inp[:, 1:4, None, ...] * np.array([2.0, 3.0], np.float32)
    model = pyfapi.Model(inp, out)
    again = pyfapi.Model.from_config(model.get_config())
    x = RNG.standard_normal((3, 5, 2)).astype(np.float32)
    np.testing.assert_allclose(again.predict(x, verbose=0), x[:, 1:4, None] * [2.0, 3.0])


def test_gradients_flow_through_op_nodes():
    inp = pyfapi.Input((3,))
    h = layers.Dense(3, kernel_initializer="ones", bias_initializer="zeros")(inp)
    model = pyfapi.Model(inp, ops.sum(h * h, axis=-1, keepdims=True))
    x = np.ones((1, 3), np.float32)
    with pyfapi.GradientTape() as tape:
        y = model(x)
    g = tape.gradient(y, model.trainable_weights)
    np.testing.assert_allclose(g[0].numpy(), np.full((3, 3), 6.0))  # d sum(h^2) = 2 h x, h = 3


@pytest.mark.parametrize("input_shape, data_shape", [((28, 28, 1), (4, 28, 28)),
                                                     ((28, 28), (4, 28, 28, 1))])
def test_trailing_size_one_rank_rule(input_shape, data_shape):
    inp = pyfapi.Input(input_shape)
    model = pyfapi.Model(inp, layers.Dense(2)(layers.Flatten()(inp)))
    x = RNG.random(data_shape, dtype=np.float32)
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out, model.predict(x.reshape((4,) + input_shape), verbose=0))
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((4, 2), np.float32), verbose=0)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 28, 28.*found shape"):
        model.predict(RNG.random((4, 28, 28, 2), dtype=np.float32), verbose=0)
