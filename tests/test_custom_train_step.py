"""The Keras guide "Customizing what happens in fit()" (Keras 3), written with our own data:
public ``train_step`` / ``test_step`` / ``predict_step``, ``compute_loss``, ``compute_metrics``,
``metrics``, ``reset_metrics``, and the equivalence of a user-written step with the default."""
from __future__ import annotations

import numpy as np
import pytest

import pyfapi
from pyfapi import layers, ops


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 8)).astype(np.float32)
    w = rng.standard_normal((8, 1)).astype(np.float32)
    y = (x @ w + 0.1 * rng.standard_normal((n, 1))).astype(np.float32)
    return x, y


def _functional(cls, seed=1):
    pyfapi.utils.set_random_seed(seed)
    inputs = pyfapi.Input(shape=(8,))
    h = layers.Dense(16, activation="relu")(inputs)
    outputs = layers.Dense(1)(h)
    return cls(inputs, outputs)


class GuideModel(pyfapi.Model):
    """The guide's first example: compute_loss + metrics loop."""

    def train_step(self, data):
        x, y = data
        with pyfapi.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_guide_first_example_fit_and_metrics():
    x, y = _data()
    model = _functional(GuideModel)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    hist = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert set(hist.history) == {"loss", "mae"}
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert model.metrics_names == ["loss", "compile_metrics"]


def test_custom_step_equals_default_after_two_steps():
    x, y = _data(32)
    sw = np.linspace(0.5, 1.5, 32).astype(np.float32)

    class Custom(pyfapi.Model):
        def train_step(self, data):
            x, y, sample_weight = data
            with pyfapi.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            for metric in self.metrics:  # as the guide: the loss tracker is updated here
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            return {m.name: m.result() for m in self.metrics}

    default, custom = _functional(pyfapi.Model), _functional(Custom)
    custom.set_weights(default.get_weights())
    logs = []
    for m in (default, custom):
        m.compile(optimizer=pyfapi.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
        h = m.fit(x, y, sample_weight=sw, batch_size=16, epochs=1, shuffle=False, verbose=0)
        logs.append(h.history)
    for a, b in zip(default.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert logs[0].keys() == logs[1].keys()
    for k in logs[0]:
        assert logs[0][k] == pytest.approx(logs[1][k], rel=1e-5)
    # evaluate through the default test_step (subclass) and the fused loop agree too
    assert default.evaluate(x, y, verbose=0) == pytest.approx(custom.evaluate(x, y, verbose=0))


def test_lower_level_metrics_property_and_compile_without_loss():
    """The guide's "going lower-level": no loss in compile, own trackers, metrics property."""
    x, y = _data()

    class CustomModel(pyfapi.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = pyfapi.metrics.Mean(name="loss")
            self.mae_metric = pyfapi.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = pyfapi.losses.MeanSquaredError()

        def train_step(self, data):
            x, y = data
            with pyfapi.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.loss_fn(y, y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    pyfapi.utils.set_random_seed(3)
    inputs = pyfapi.Input(shape=(8,))
    model = CustomModel(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="adam")
    seen = []

    class Spy(pyfapi.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(float(model.loss_tracker.count.value))  # a variable, as in Keras

    hist = model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[Spy()])
    assert seen == [0, 0, 0]  # reset_metrics() at each epoch start resets the trackers
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert model.metrics_names == ["loss", "mae"]
    # epoch logs are the last batch's: the trackers' running means over the epoch
    assert hist.history["mae"][-1] == pytest.approx(model.mae_metric.result())


def test_sample_weight_and_custom_test_step():
    x, y = _data()
    sw = np.where(np.arange(64) % 2 == 0, 1.0, 0.0).astype(np.float32)

    class CustomModel(pyfapi.Model):
        def train_step(self, data):
            x, y, sample_weight = pyfapi.utils.unpack_x_y_sample_weight(data)
            with pyfapi.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name != "loss":
                    metric.update_state(y, y_pred)
                else:
                    metric.update_state(loss)
            return {m.name: m.result() for m in self.metrics}

    model = _functional(CustomModel)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(x, y, sample_weight=sw, epochs=2, verbose=0)
    res = model.evaluate(x, y, verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    mae = float(np.mean(np.abs(pred - y)))
    assert res["mae"] == pytest.approx(mae, rel=1e-5)
    assert set(res) == {"loss", "mae"}


def test_gan_style_two_submodels_override_compile():
    """The guide's GAN: a model holding two sub-models, its own compile, fit(x) without y."""
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(48, 6)).astype(np.float32)
    latent = 3

    class GAN(pyfapi.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.d_loss_tracker = pyfapi.metrics.Mean(name="d_loss")
            self.g_loss_tracker = pyfapi.metrics.Mean(name="g_loss")
            self.seed_generator = pyfapi.random.SeedGenerator(1337)

        @property
        def metrics(self):
            return [self.d_loss_tracker, self.g_loss_tracker]

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.loss_fn = loss_fn

        def train_step(self, real_images):
            if isinstance(real_images, tuple):
                real_images = real_images[0]
            batch_size = ops.shape(real_images)[0]
            z = pyfapi.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            generated = self.generator(z)
            combined = ops.concatenate([generated, real_images], axis=0)
            labels = ops.concatenate([ops.ones((batch_size, 1)), ops.zeros((batch_size, 1))],
                                     axis=0)
            with pyfapi.GradientTape() as tape:
                predictions = self.discriminator(combined)
                d_loss = self.loss_fn(labels, predictions)
            grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
            z = pyfapi.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            misleading = ops.zeros((batch_size, 1))
            with pyfapi.GradientTape() as tape:
                predictions = self.discriminator(self.generator(z))
                g_loss = self.loss_fn(misleading, predictions)
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(),
                    "g_loss": self.g_loss_tracker.result()}

    disc = pyfapi.Sequential([pyfapi.Input((6,)), layers.Dense(8, activation="relu"),
                              layers.Dense(1, activation="sigmoid")])
    gen = pyfapi.Sequential([pyfapi.Input((latent,)), layers.Dense(6, activation="sigmoid")])
    gan = GAN(disc, gen, latent)
    gan.compile(d_optimizer=pyfapi.optimizers.Adam(1e-3), g_optimizer=pyfapi.optimizers.Adam(1e-3),
                loss_fn=pyfapi.losses.BinaryCrossentropy())
    g_before = [w.copy() for w in gen.get_weights()]
    hist = gan.fit(images, batch_size=16, epochs=2, verbose=0)
    assert set(hist.history) == {"d_loss", "g_loss"}
    assert all(np.isfinite(v) for vs in hist.history.values() for v in vs)
    assert any(not np.allclose(a, b) for a, b in zip(g_before, gen.get_weights()))


def test_compute_loss_override_is_used_by_default_train_step():
    x, y = _data()
    calls = []

    class M(pyfapi.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            calls.append(training)
            return ops.mean(ops.abs(y_pred - y))

    model = _functional(M)
    model.compile(optimizer=pyfapi.optimizers.SGD(0.01), loss="mse")
    hist = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert calls == [True, True]  # one call per batch, training=True
    pred = model.predict(x, verbose=0)
    model.evaluate(x, y, verbose=0)
    assert calls[-1] is False
    assert np.isfinite(hist.history["loss"][0]) and pred.shape == (64, 1)


def test_predict_step_override_and_structures():
    x, _ = _data(10)

    class M(pyfapi.Model):
        def predict_step(self, data):
            out = self(data, training=False)
            return {"y": out, "twice": out * 2.0}

    model = _functional(M)
    out = model.predict(x, batch_size=4, verbose=0)
    assert set(out) == {"y", "twice"} and out["y"].shape == (10, 1)
    np.testing.assert_allclose(out["twice"], 2 * out["y"], rtol=1e-6)


def test_add_loss_collected_into_total_loss():
    x, y = _data(32)

    class ActivityLoss(layers.Layer):
        def call(self, inputs):
            self.add_loss(0.5 * ops.mean(ops.square(inputs)))
            return inputs

    pyfapi.utils.set_random_seed(0)
    inputs = pyfapi.Input((8,))
    h = ActivityLoss()(layers.Dense(4)(inputs))
    model = pyfapi.Model(inputs, layers.Dense(1)(h))
    model.compile(optimizer=pyfapi.optimizers.SGD(0.0), loss="mse")
    loss = model.evaluate(x, y, batch_size=32, verbose=0)
    hidden = pyfapi.Model(inputs, h).predict(x, verbose=0)
    pred = model.predict(x, verbose=0)
    want = np.mean((pred - y) ** 2) + 0.5 * np.mean(hidden ** 2)
    assert loss == pytest.approx(want, rel=1e-5)
    # the same through the step-method path (train_step of a subclass, lr 0: no change)

    class Sub(pyfapi.Model):
        def train_step(self, data):
            return super().train_step(data)

    sub = Sub(model.inputs, model.outputs)
    sub.compile(optimizer=pyfapi.optimizers.SGD(0.0), loss="mse")
    h2 = sub.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    assert h2.history["loss"][0] == pytest.approx(want, rel=1e-5)


def test_reset_metrics_and_metrics_order_keras():
    x, y = _data(16)
    inputs = pyfapi.Input((8,))
    a = layers.Dense(1, name="a")(inputs)
    b = layers.Dense(2, name="b")(inputs)
    model = pyfapi.Model(inputs, [a, b])
    model.compile("sgd", ["mse", "mse"], metrics=[["mae"], ["mae"]])
    assert model.metrics_names == ["loss", "compile_metrics", "a_loss", "b_loss"]
    model.fit(x, [y, np.hstack([y, y])], verbose=0)
    assert [type(m).__name__ for m in model.metrics] == \
        ["LossTracker", "CompileMetrics", "LossTracker", "LossTracker"]
    res = model.get_metrics_result()
    assert set(res) == {"loss", "a_mae", "b_mae", "a_loss", "b_loss"}
    model.reset_metrics()
    assert all(v == 0.0 for v in model.get_metrics_result().values())
    # evaluate's list order (Keras 3.15): loss, per-output losses, then the prefixed compiled
    # metrics sorted; with one output the compiled metrics follow the loss in compile order
    lst = model.evaluate(x, [y, np.hstack([y, y])], verbose=0)
    d = model.evaluate(x, [y, np.hstack([y, y])], verbose=0, return_dict=True)
    assert lst == pytest.approx([d[k] for k in ("loss", "a_loss", "b_loss", "a_mae", "b_mae")])
    single = pyfapi.Model(inputs, a)
    single.compile("sgd", "mse", metrics=["mse", "mae"])
    d = single.evaluate(x, y, verbose=0, return_dict=True)
    assert single.evaluate(x, y, verbose=0) == pytest.approx([d["loss"], d["mse"], d["mae"]])


def test_train_step_returning_non_dict_is_a_clear_error():
    x, y = _data(8)

    class Bad(pyfapi.Model):
        def train_step(self, data):
            return 1.0

    model = _functional(Bad)
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match=r"Bad.train_step .*must return a dict.*returned float"):
        model.fit(x, y, verbose=0)


def test_no_loss_anywhere_is_a_clear_error():
    x, y = _data(8)
    model = _functional(pyfapi.Model)
    model.compile("sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(x, y, verbose=0)


def test_train_on_batch_and_test_on_batch_call_the_steps():
    x, y = _data(8)
    seen = []

    class M(pyfapi.Model):
        def train_step(self, data):
            seen.append(("train", data[0].shape))
            return super().train_step(data)

        def test_step(self, data):
            seen.append(("test", data[0].shape))
            return super().test_step(data)

    model = _functional(M)
    model.compile("sgd", "mse")
    loss = model.train_on_batch(x, y)
    res = model.test_on_batch(x, y, return_dict=True)
    assert seen == [("train", (8, 8)), ("test", (8, 8))]
    assert np.isfinite(loss) and set(res) == {"loss"}


def test_custom_train_step_on_a_generator_and_pydataset():
    x, y = _data(48)
    seen = []

    class M(pyfapi.Model):
        def train_step(self, data):
            xb, yb = data
            seen.append(xb.shape[0])
            return super().train_step(data)

    def gen():
        for i in range(0, 48, 16):
            yield x[i:i + 16], y[i:i + 16]

    model = _functional(M)
    model.compile("sgd", "mse", metrics=["mae"])
    hist = model.fit(gen(), epochs=1, verbose=0)
    assert seen == [16, 16, 16] and set(hist.history) == {"loss", "mae"}

    class Batches(pyfapi.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 16:(i + 1) * 16], y[i * 16:(i + 1) * 16]

    res = model.evaluate(Batches(), verbose=0, return_dict=True)
    pred = model.predict(x, verbose=0)
    assert res["mae"] == pytest.approx(float(np.mean(np.abs(pred - y))), rel=1e-5)


def test_subclassed_dict_outputs_take_list_losses_in_sorted_key_order():
    """Keras 3 flattens a subclassed model's dict outputs by sorted key: a list of losses, of
    metrics and a list of targets pair with ("aa", "zz"), whatever order call() builds the dict
    in (figures from real Keras 3.15 on this code: aa_loss 4, zz_loss 3, loss 7)."""
    import pyfapi as K

    class M(K.Model):
        def __init__(self):
            super().__init__()
            self.dz = K.layers.Dense(1, kernel_initializer="ones")
            self.da = K.layers.Dense(2, kernel_initializer="ones")

        def call(self, x):
            return {"zz": self.dz(x), "aa": self.da(x)}

    x = np.ones((4, 3), np.float32)
    yz, ya = np.zeros((4, 1), np.float32), np.ones((4, 2), np.float32)
    m = M()
    m.compile("sgd", loss=["mse", "mae"], metrics=[["mse"], ["mae"]])
    expected = {"aa_loss": 4.0, "aa_mse": 4.0, "loss": 7.0, "zz_loss": 3.0, "zz_mae": 3.0}
    assert m.evaluate(x, {"zz": yz, "aa": ya}, return_dict=True, verbose=0) == expected
    assert m.evaluate(x, [ya, yz], return_dict=True, verbose=0) == expected
