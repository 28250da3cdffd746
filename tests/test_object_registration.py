"""register_keras_serializable / custom_object_scope / get_custom_objects and
serialize_keras_object / deserialize_keras_object: custom layers and functions saved in
``.keras`` archives load again without custom_objects, in pyfapi and in real Keras, both ways."""
import json
import zipfile

import numpy as np
import pytest

import pyfapi
from pyfapi import layers

RNG = np.random.default_rng(11)
X = RNG.normal(size=(5, 3)).astype(np.float32)


@pyfapi.saving.register_keras_serializable(package="RegTest")
class Scale(layers.Layer):
    def __init__(self, k=2.0, **kwargs):
        super().__init__(**kwargs)
        self.k = k

    def call(self, x):
        return x * self.k

    def get_config(self):
        return {**super().get_config(), "k": self.k}


@pyfapi.saving.register_keras_serializable(package="RegTest")
def doubled_relu(x):
    return pyfapi.ops.relu(x) * 2.0


class Unregistered(layers.Layer):
    def call(self, x):
        return x - 1.0


def _model(extra=None):
    pyfapi.utils.set_random_seed(3)
    i = pyfapi.Input((3,))
    x = layers.Dense(4, activation=doubled_relu)(Scale(3.0)(i))
    if extra is not None:
        x = extra(x)
    return pyfapi.Model(i, layers.Dense(2)(x))


def _config(path):
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("config.json"))


def test_registered_layer_and_function_round_trip_without_custom_objects(tmp_path):
    m = _model()
    m.save(tmp_path / "m.keras")
    entries = _config(tmp_path / "m.keras")["config"]["layers"]
    assert [e["class_name"] for e in entries] == ["InputLayer", "Scale", "Dense", "Dense"]
    assert entries[1]["module"] is None
    assert entries[1]["registered_name"] == "RegTest>Scale"
    assert entries[2]["config"]["activation"] == {
        "module": "builtins", "class_name": "function", "config": "RegTest>doubled_relu",
        "registered_name": "function"}
    loaded = pyfapi.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), m.predict(X, verbose=0))
    assert type(loaded.layers[1]) is Scale and loaded.layers[1].k == 3.0


def test_registry_lookups_and_errors():
    assert pyfapi.saving.get_registered_name(Scale) == "RegTest>Scale"
    assert pyfapi.saving.get_registered_name(Unregistered) == "Unregistered"
    assert pyfapi.saving.get_registered_object("RegTest>Scale") is Scale
    assert pyfapi.saving.get_registered_object("nope") is None
    assert pyfapi.utils.get_custom_objects()["RegTest>doubled_relu"] is doubled_relu
    with pytest.raises(ValueError, match="get_config"):
        pyfapi.saving.register_keras_serializable()(type("NoConfig", (), {}))
    class Other(layers.Layer):
        pass

    class Newer(layers.Layer):
        pass
    pyfapi.saving.register_keras_serializable(package="RegTest", name="Other")(Other)
    pyfapi.saving.register_keras_serializable(package="RegTest", name="Other")(Newer)
    assert pyfapi.saving.get_registered_object("RegTest>Other") is Newer  # re-filed, as Keras


def test_custom_object_scope_and_custom_objects(tmp_path):
    m = _model(Unregistered())
    m.save(tmp_path / "u.keras")
    with pytest.raises(ValueError, match="Unregistered"):
        pyfapi.saving.load_model(tmp_path / "u.keras")
    with pyfapi.saving.custom_object_scope({"Unregistered": Unregistered}):
        assert pyfapi.saving.get_registered_object("Unregistered") is Unregistered
        a = pyfapi.saving.load_model(tmp_path / "u.keras")
    assert pyfapi.saving.get_registered_object("Unregistered") is None  # the scope ended
    b = pyfapi.saving.load_model(tmp_path / "u.keras", custom_objects={"Unregistered": Unregistered})
    for got in (a, b):
        np.testing.assert_array_equal(got.predict(X, verbose=0), m.predict(X, verbose=0))


def test_serialize_and_deserialize_keras_object():
    ser, de = pyfapi.saving.serialize_keras_object, pyfapi.saving.deserialize_keras_object
    dense = layers.Dense(3, activation="tanh", name="d")
    dense.build((None, 2))
    cfg = ser(dense)
    assert (cfg["module"], cfg["class_name"], cfg["registered_name"]) == ("keras.layers", "Dense",
                                                                          None)
    assert cfg["build_config"] == {"input_shape": [None, 2]} or \
        tuple(cfg["build_config"]["input_shape"]) == (None, 2)
    d2 = de(cfg)
    assert isinstance(d2, layers.Dense) and d2.units == 3 and d2.built
    assert ser(doubled_relu)["config"] == "RegTest>doubled_relu"
    assert de(ser(doubled_relu)) is doubled_relu
    loss = de(ser(pyfapi.losses.Huber(delta=0.3)))
    assert isinstance(loss, pyfapi.losses.Huber) and loss.get_config()["delta"] == 0.3
    opt = de(ser(pyfapi.optimizers.Adam(learning_rate=0.02)))
    assert isinstance(opt, pyfapi.optimizers.Adam) and np.isclose(float(opt.learning_rate), 0.02)
    s = de(ser(Scale(5.0)))
    assert isinstance(s, Scale) and s.k == 5.0
    assert de(ser([1, "a", None, {"k": 2.5}])) == [1, "a", None, {"k": 2.5}]
    with pytest.raises(TypeError, match="get_config"):
        ser(object())


def test_registered_objects_move_between_keras_and_pyfapi(tmp_path):
    keras = pytest.importorskip("keras")

    @keras.saving.register_keras_serializable(package="RegTest", name="Scale")
    class KScale(keras.layers.Layer):
        def __init__(self, k=2.0, **kwargs):
            super().__init__(**kwargs)
            self.k = k

        def call(self, x):
            return x * self.k

        def get_config(self):
            return {**super().get_config(), "k": self.k}

    @keras.saving.register_keras_serializable(package="RegTest", name="doubled_relu")
    def k_doubled_relu(x):
        return keras.ops.relu(x) * 2.0

    m = _model()
    m.save(tmp_path / "p.keras")
    k = keras.saving.load_model(str(tmp_path / "p.keras"))
    np.testing.assert_allclose(np.asarray(k.predict(X, verbose=0)), m.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)

    i = keras.Input((3,))
    km = keras.Model(i, keras.layers.Dense(2)(keras.layers.Dense(4, activation=k_doubled_relu)(
        KScale(1.5)(i))))
    km.save(str(tmp_path / "k.keras"))
    p = pyfapi.saving.load_model(tmp_path / "k.keras")
    assert isinstance(p.layers[1], Scale) and p.layers[1].k == 1.5
    np.testing.assert_allclose(p.predict(X, verbose=0), np.asarray(km.predict(X, verbose=0)),
                               rtol=1e-5, atol=1e-6)


@pyfapi.saving.register_keras_serializable(package="RegTest")
def reg_loss(y, p):
    return pyfapi.ops.mean(pyfapi.ops.square(y - p), axis=-1)


@pyfapi.saving.register_keras_serializable(package="RegTest")
class RegMetric(pyfapi.metrics.Mean):
    def update_state(self, y, p, sample_weight=None):
        super().update_state(pyfapi.ops.abs(y - p))


def test_compiled_custom_losses_and_metrics_move_both_ways_with_keras(tmp_path):
    """compile_config writes user losses / metrics in Keras's forms (function: "RegTest>reg_loss";
    class: registered_name), so a compiled archive reloads compiled in pyfapi and in Keras,
    and Keras's (also with built-in functions like keras.metrics.mean_absolute_error) in
    pyfapi; evaluate agrees."""
    keras = pytest.importorskip("keras")

    @keras.saving.register_keras_serializable(package="RegTest", name="reg_loss")
    def k_reg_loss(y, p):
        return keras.ops.mean(keras.ops.square(y - p), axis=-1)

    @keras.saving.register_keras_serializable(package="RegTest", name="RegMetric")
    class KRegMetric(keras.metrics.Mean):
        def update_state(self, y, p, sample_weight=None):
            super().update_state(keras.ops.abs(y - p))

    rng = np.random.default_rng(2)
    x, y = rng.random((8, 3), dtype=np.float32), rng.random((8, 2), dtype=np.float32)
    i = pyfapi.Input((3,))
    m = pyfapi.Model(i, layers.Dense(2)(i))
    m.compile("adam", loss=reg_loss, metrics=[RegMetric(name="rm"), "mae"])
    m.fit(x, y, verbose=0)
    m.save(tmp_path / "p.keras")
    want = m.evaluate(x, y, verbose=0, return_dict=True)
    for got in (pyfapi.saving.load_model(tmp_path / "p.keras").evaluate(x, y, verbose=0,
                                                                         return_dict=True),
                keras.saving.load_model(str(tmp_path / "p.keras")).evaluate(
                    x, y, verbose=0, return_dict=True)):
        assert set(got) == set(want)
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-5)

    ki = keras.Input((3,))
    km = keras.Model(ki, keras.layers.Dense(2)(ki))
    km.compile("adam", loss=k_reg_loss,
               metrics=[KRegMetric(name="rm"), keras.metrics.mean_absolute_error])
    km.fit(x, y, verbose=0)
    km.save(str(tmp_path / "k.keras"))
    got = pyfapi.saving.load_model(tmp_path / "k.keras").evaluate(x, y, verbose=0,
                                                                  return_dict=True)
    want = km.evaluate(x, y, verbose=0, return_dict=True)
    assert set(got) == set(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-5)
