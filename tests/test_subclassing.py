"""The Keras guide "Making new layers and models via subclassing" (Keras 3) with our own data:
custom layers with add_weight / build, layers as attributes, add_loss, Metric attributes,
serialization, a subclassed Model that compiles / fits / evaluates / predicts / summarizes /
saves (``.weights.h5`` with Keras's paths, ``.keras`` via get_config), subclassed models inside
functional graphs, and a functional model subclassed through ``super().__init__(inputs, outputs)``.
"""
from __future__ import annotations

import os

import h5py
import numpy as np
import pytest

import pyfapi
from pyfapi import layers, ops


class Linear(layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True, name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True,
                                 name="b")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


class ComputeSum(layers.Layer):
    """Non-trainable weight, as the guide."""

    def __init__(self, input_dim, **kwargs):
        super().__init__(**kwargs)
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


class MLPBlock(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = ops.relu(self.linear_1(inputs))
        x = ops.relu(self.linear_2(x))
        return self.linear_3(x)


class ActivityRegularizationLayer(layers.Layer):
    def __init__(self, rate=1e-2, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs


def test_layer_weights_build_and_non_trainable():
    x = np.ones((2, 2), np.float32)
    lin = Linear(4)
    y = lin(x)
    assert y.shape == (2, 4) and len(lin.weights) == 2 and len(lin.trainable_weights) == 2
    s = ComputeSum(2)
    s(x)
    np.testing.assert_allclose(s(x).numpy(), [4.0, 4.0])
    assert s.trainable_weights == [] and len(s.non_trainable_weights) == 1


def test_nested_layers_are_tracked_and_lazily_built():
    mlp = MLPBlock()
    y = mlp(np.ones((3, 64), np.float32))
    assert y.shape == (3, 1)
    assert len(mlp.weights) == 6 and len(mlp.trainable_weights) == 6


def test_add_loss_from_nested_layers_reset_each_call():
    class OuterLayer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    layer = OuterLayer()
    assert len(layer.losses) == 0
    layer(np.zeros((1, 1), np.float32))
    assert len(layer.losses) == 1
    layer(np.zeros((1, 1), np.float32))
    assert len(layer.losses) == 1  # reset at the start of each top-level call


def test_custom_layer_serialization_round_trip():
    layer = Linear(64)
    config = layer.get_config()
    new = Linear.from_config(config)
    assert new.units == 64 and config["units"] == 64


class VAEEncoderLike(pyfapi.Model):
    """A subclassed model with layers as attributes, a Metric attribute and add_loss."""

    def __init__(self, units=8, name="enc", **kwargs):
        super().__init__(name=name, **kwargs)
        self.units = units
        self.dense = layers.Dense(units, activation="relu")
        self.block = MLPBlock()
        self.reg = ActivityRegularizationLayer(0.1)
        self.tracker = pyfapi.metrics.Mean(name="mean_output")

    def call(self, inputs, training=None):
        h = self.reg(self.dense(inputs))
        out = self.block(h)
        self.tracker.update_state(out)
        return out


def _regression(n=64, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) * 0.3).astype(np.float32)
    return x, y


def test_subclassed_model_compile_fit_evaluate_predict_summary(tmp_path):
    x, y = _regression()
    pyfapi.utils.set_random_seed(0)
    model = VAEEncoderLike()
    model.compile(optimizer=pyfapi.optimizers.Adam(1e-2), loss="mse", metrics=["mae"])
    hist = model.fit(x, y, batch_size=16, epochs=4, verbose=0)
    assert set(hist.history) == {"loss", "mae", "mean_output"}
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert model.metrics_names == ["loss", "compile_metrics", "mean_output"]
    pred = model.predict(x, verbose=0)
    res = model.evaluate(x, y, verbose=0, return_dict=True)
    want_mse = float(np.mean((pred - y) ** 2))
    hidden = np.maximum(x @ model.dense.kernel.numpy() + model.dense.bias.numpy(), 0)
    assert res["loss"] == pytest.approx(want_mse + 0.1 * hidden.mean(), rel=1e-4)
    assert res["mae"] == pytest.approx(float(np.mean(np.abs(pred - y))), rel=1e-4)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "enc"' in text and "mlp_block" in text and "(16, 8)" in text
    # weights: Keras 3 paths by attribute name, own vars at the top
    path = os.path.join(tmp_path, "enc.weights.h5")
    model.save_weights(path)
    with h5py.File(path) as f:
        names = set()
        f.visit(names.add)
    assert {"dense/vars/0", "dense/vars/1", "block/linear_1/vars/0", "block/linear_3/vars/1",
            "vars"} <= names
    other = VAEEncoderLike()
    other(x[:1])
    other.load_weights(path)
    np.testing.assert_allclose(other.predict(x, verbose=0), pred, rtol=1e-6)


def test_subclassed_model_keras_archive_round_trip(tmp_path):
    x, y = _regression(32)
    model = VAEEncoderLike(units=6)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    path = os.path.join(tmp_path, "enc.keras")
    model.save(path)
    loaded = pyfapi.saving.load_model(path, custom_objects={"VAEEncoderLike": VAEEncoderLike,
                                                            "MLPBlock": MLPBlock})
    assert isinstance(loaded, VAEEncoderLike) and loaded.units == 6
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    loaded.fit(x, y, epochs=1, verbose=0)  # compiled from the archive


def test_missing_get_config_is_a_clear_error(tmp_path):
    class Holder(pyfapi.Model):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def call(self, x):
            return self.inner(x)

    m = Holder(layers.Dense(2))
    m(np.zeros((1, 3), np.float32))
    with pytest.raises(NotImplementedError, match=r"class Holder.*override `get_config\(\)`"):
        m.save(os.path.join(tmp_path, "h.keras"))
    assert not os.path.exists(os.path.join(tmp_path, "h.keras"))


def test_model_without_call_is_a_clear_error():
    class NoCall(pyfapi.Model):
        pass

    with pytest.raises(NotImplementedError, match=r"NoCall \('no_call.*'\) does not implement "
                                                  r"call\(\).*shape=\(2, 3\)"):
        NoCall()(np.zeros((2, 3), np.float32))


def test_subclassed_model_build_then_summary():
    model = VAEEncoderLike(units=4)
    model.build((None, 5))
    assert model.built and len(model.weights) == 8
    assert model.count_params() == 5 * 4 + 4 + 4 * 32 + 32 + 32 * 32 + 32 + 32 + 1


def test_subclassed_model_inside_functional_graph(tmp_path):
    x, y = _regression(16)
    inner = VAEEncoderLike(units=4, name="inner")
    inputs = pyfapi.Input((5,))
    out = layers.Dense(1)(inner(inputs))
    model = pyfapi.Model(inputs, out)
    assert model.output_shape == (None, 1)
    model.compile("adam", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    path = os.path.join(tmp_path, "f.keras")
    model.save(path)
    loaded = pyfapi.saving.load_model(path, custom_objects={"VAEEncoderLike": VAEEncoderLike,
                                                            "MLPBlock": MLPBlock})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_custom_layer_failing_on_symbolic_input_names_it():
    class Picky(layers.Layer):
        def call(self, inputs):
            if inputs.shape[-1] != 3:
                raise ValueError(f"needs 3 features, got {inputs.shape[-1]}")
            return inputs

    with pytest.raises((ValueError, NotImplementedError), match=r"Picky.*picky.*needs 3"):
        Picky()(pyfapi.Input((4,)))


def test_functional_model_subclassed_with_super_init(tmp_path):
    x, y = _regression(32)

    class MyFunctional(pyfapi.Model):
        def __init__(self, units=4, **kwargs):
            inputs = pyfapi.Input((5,))
            outputs = layers.Dense(1)(layers.Dense(units, activation="relu")(inputs))
            super().__init__(inputs, outputs, **kwargs)
            self.units = units

        def get_config(self):
            return {"units": self.units, "name": self.name}

    model = MyFunctional(units=3)
    assert len(model.layers) == 3 and model.output_shape == (None, 1)
    model.compile("adam", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    path = os.path.join(tmp_path, "mf.keras")
    model.save(path)
    loaded = pyfapi.saving.load_model(path, custom_objects={"MyFunctional": MyFunctional})
    assert isinstance(loaded, MyFunctional) and loaded.units == 3
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)

    class Plain(pyfapi.Model):  # Model's own constructor: saved as a functional config
        pass

    inputs = pyfapi.Input((5,))
    plain = Plain(inputs, layers.Dense(2)(inputs))
    assert "layers" in plain.get_config()
    plain.save(os.path.join(tmp_path, "p.keras"))
    again = pyfapi.saving.load_model(os.path.join(tmp_path, "p.keras"),
                                     custom_objects={"Plain": Plain})
    assert isinstance(again, Plain)
    np.testing.assert_allclose(again.predict(x, verbose=0), plain.predict(x, verbose=0),
                               rtol=1e-6)


def test_multi_output_subclassed_model_names():
    x, y = _regression(16)

    class Two(pyfapi.Model):
        def __init__(self):
            super().__init__()
            self.a = layers.Dense(1)
            self.b = layers.Dense(2)

        def call(self, x):
            return {"p": self.a(x), "q": self.b(x)}

    m = Two()
    m.compile("sgd", {"p": "mse", "q": "mse"}, metrics={"p": ["mae"]})
    h = m.fit(x, {"p": y, "q": np.hstack([y, y])}, verbose=0)
    assert set(h.history) == {"loss", "p_loss", "q_loss", "p_mae"}
    out = m.predict(x, verbose=0)
    assert set(out) == {"p", "q"} and out["q"].shape == (16, 2)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_subclassed_weights_move_between_keras_and_pyfapi(tmp_path):
    keras = pytest.importorskip("keras")

    def make(lib):
        class Net(lib.Model):
            def __init__(self):
                super().__init__()
                self.d1 = lib.layers.Dense(7, activation="relu")
                self.blocks = [lib.layers.Dense(5), lib.layers.Dense(3)]
                self.out = lib.layers.Dense(2)

            def call(self, x):
                x = self.d1(x)
                for b in self.blocks:
                    x = b(x)
                return self.out(x)
        return Net()

    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    km, pm = make(keras), make(pyfapi)
    km(x)
    pm(x)
    km.save_weights(str(tmp_path / "k.weights.h5"))
    pm.load_weights(str(tmp_path / "k.weights.h5"))
    np.testing.assert_allclose(pm.predict(x, verbose=0), np.asarray(km.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-6)
    pm2 = make(pyfapi)
    pm2(x)
    pm2.save_weights(str(tmp_path / "p.weights.h5"))
    km.load_weights(str(tmp_path / "p.weights.h5"))
    np.testing.assert_allclose(np.asarray(km.predict(x, verbose=0)), pm2.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
