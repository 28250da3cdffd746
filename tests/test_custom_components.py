"""Custom components and top-level aliases as Keras 3: Metric subclasses with add_weight and the
stateless API, Layer.add_weight's arguments, pyfapi.Variable's signature, pyfapi.random,
pyfapi.backend, pyfapi.Layer and the ops a model author uses (array, tensordot, einsum)."""
from __future__ import annotations

import numpy as np
import pytest

import pyfapi
from pyfapi import layers, ops


class BinaryTruePositives(pyfapi.metrics.Metric):
    """The Keras guide's custom metric."""

    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_weight(name="tp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(y_true, "bool")
        y_pred = ops.cast(ops.greater(y_pred, 0.5), "bool")
        values = ops.cast(ops.logical_and(ops.equal(y_true, True), ops.equal(y_pred, True)),
                          self.dtype)
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(sample_weight, self.dtype))
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives


def test_custom_metric_add_weight_assign_and_reset():
    m = BinaryTruePositives()
    m.update_state(np.array([1, 1, 0, 1]), np.array([0.9, 0.2, 0.8, 0.7]))
    assert float(m.result()) == 2.0
    assert len(m.variables) == 1 and m.variables[0].path == "binary_true_positives/tp"
    m.reset_state()
    assert float(m.result()) == 0.0


def test_custom_metric_stateless_api():
    m = BinaryTruePositives()
    m.update_state(np.array([1]), np.array([0.9]))
    new = m.stateless_update_state([np.array(5.0, np.float32)], np.array([1, 1]),
                                   np.array([0.9, 0.9]))
    assert float(new[0]) == 7.0 and float(m.result()) == 1.0  # the metric is unchanged
    assert float(m.stateless_result([np.array(3.0)])) == 3.0
    assert float(m.stateless_reset_state()[0]) == 0.0 and float(m.result()) == 1.0
    with pytest.raises(ValueError, match="has 1 variables; received 2"):
        m.stateless_result([1.0, 2.0])


def test_custom_metric_in_compile_and_fit():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 4)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    inp = pyfapi.Input((4,))
    model = pyfapi.Model(inp, layers.Dense(1, activation="sigmoid")(inp))
    model.compile("adam", "binary_crossentropy", metrics=[BinaryTruePositives()])
    hist = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    pred = model.predict(x, verbose=0)
    res = model.evaluate(x, y, verbose=0, return_dict=True)
    assert res["binary_true_positives"] == float(np.sum((pred > 0.5) & (y == 1)))
    assert "binary_true_positives" in hist.history


def test_layer_add_weight_every_keras_argument():
    class L(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones",
                                     dtype="float32", trainable=True, autocast=True,
                                     regularizer="l2", constraint="non_neg",
                                     aggregation="mean", overwrite_with_gradient=False, name="w")
            self.c = self.add_weight(shape=(), initializer="zeros", trainable=False, name="c")

        def call(self, x):
            return ops.matmul(x, self.w) + self.c

    layer = L()
    layer(np.ones((1, 3), np.float32))
    assert [w.name for w in layer.weights] == ["w", "c"]
    assert layer.w.path.endswith("/w") and len(layer.losses) == 1
    assert layer.w.constraint is not None and layer.non_trainable_weights == [layer.c]


def test_variable_keras_signature():
    v = pyfapi.Variable("ones", shape=(2, 3), dtype="float32", trainable=False, name="v")
    assert v.shape == (2, 3) and not v.trainable and v.name == "v"
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3)))
    w = pyfapi.Variable(pyfapi.initializers.Constant(2.0), (2,))
    np.testing.assert_array_equal(w.numpy(), [2.0, 2.0])
    u = pyfapi.Variable(initializer=np.arange(3.0))
    assert u.dtype == "float32"
    with pytest.raises(ValueError, match="shape is required"):
        pyfapi.Variable("zeros")


def test_random_seeding_and_seed_generator():
    a = pyfapi.random.normal((3, 2), seed=1)
    b = pyfapi.random.normal((3, 2), seed=1)
    np.testing.assert_array_equal(a.numpy(), b.numpy())  # an int seed: same draw each call
    gen = pyfapi.random.SeedGenerator(42)
    c, d = pyfapi.random.uniform((4,), seed=gen), pyfapi.random.uniform((4,), seed=gen)
    assert not np.array_equal(c.numpy(), d.numpy())
    gen2 = pyfapi.random.SeedGenerator(42)
    np.testing.assert_array_equal(pyfapi.random.uniform((4,), seed=gen2).numpy(), c.numpy())
    r = pyfapi.random.randint((100,), 0, 5, seed=3).numpy()
    assert r.dtype == np.int32 and r.min() >= 0 and r.max() < 5
    x = np.ones((1000,), np.float32)
    dropped = pyfapi.random.dropout(x, 0.5, seed=0).numpy()
    assert set(np.unique(dropped)) <= {0.0, 2.0} and 400 < (dropped == 0).sum() < 600
    s = pyfapi.random.shuffle(np.arange(10), seed=0).numpy()
    assert sorted(s) == list(range(10)) and list(s) != list(range(10))
    tn = pyfapi.random.truncated_normal((1000,), seed=0).numpy()
    assert np.abs(tn).max() <= 2.0
    with pytest.raises(TypeError, match="seed must be"):
        pyfapi.random.normal((2,), seed="x")


def test_backend_functions():
    B = pyfapi.backend
    assert B.backend() == "pyfapi" and B.floatx() == "float32"
    assert B.image_data_format() == "channels_last" and B.epsilon() == 1e-7
    B.set_epsilon(1e-5)
    assert B.epsilon() == 1e-5
    B.set_epsilon(1e-7)
    with pytest.raises(ValueError, match="float32 only"):
        B.set_floatx("float16")
    with pytest.raises(ValueError, match="channels_last"):
        B.set_image_data_format("channels_first")
    layers.Dense(2, name=None)
    B.clear_session()
    assert layers.Dense(2).name == "dense"


def test_top_level_aliases_and_ops():
    assert pyfapi.Layer is layers.Layer and pyfapi.Variable is pyfapi.autodiff.Variable
    a = ops.array([[1.0, 2.0]])
    assert a.dtype == "float32" and a.shape == (1, 2)
    x, y = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(ops.tensordot(x, y, axes=1).numpy(), x @ y)
    np.testing.assert_allclose(ops.einsum("ij,jk->ik", x, y).numpy(), x @ y)
    np.testing.assert_allclose(ops.mod(np.array([5.0, -5.0]), 3.0).numpy(), [2.0, 1.0])
    np.testing.assert_allclose(ops.floor_divide(np.array([5.0, -5.0]), 3.0).numpy(), [1.0, -2.0])


def test_from_config_of_a_layer_whose_init_takes_no_base_keys():
    """Keras writes name / trainable / dtype into the config of a custom layer without
    get_config even when its __init__ cannot take them (the Transformer text-classification
    example's TokenAndPositionEmbedding); from_config builds it without them, then sets them."""
    import pyfapi

    class Positional(pyfapi.layers.Layer):
        def __init__(self, maxlen, dim):
            super().__init__()
            self.maxlen, self.dim = maxlen, dim

    cfg = {"maxlen": 5, "dim": 4, "name": "pos", "trainable": False,
           "dtype": {"module": "keras", "class_name": "DTypePolicy",
                     "config": {"name": "float32"}, "registered_name": None}}
    layer = Positional.from_config(cfg)
    assert (layer.maxlen, layer.dim, layer.name, layer.trainable) == (5, 4, "pos", False)
    with pytest.raises(TypeError):
        Positional.from_config({"maxlen": 5, "dim": 4, "units": 3})  # a real mismatch still fails
