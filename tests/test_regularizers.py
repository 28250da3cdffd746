"""pyfapi.regularizers: Keras formulas/defaults vs numpy float64, gradients, get/serialize,
layer arguments resolved at construction, weight and activity penalties in the training loss."""
import json

import numpy as np
import pytest

import pyfapi
from pyfapi import Input, Model, layers, regularizers
from pyfapi.testing import gradcheck

RNG = np.random.default_rng(11)


def _ortho_ref(x, factor, mode):
    x = np.asarray(x, np.float64)
    if mode == "columns":
        x = x.T
    xn = x / np.sqrt(np.maximum((x ** 2).sum(1, keepdims=True), 1e-12))
    p = xn @ xn.T
    n = x.shape[0]
    return factor * 0.5 * np.abs(p * (1 - np.eye(n))).sum() / (n * (n - 1) / 2)


@pytest.mark.parametrize("shape", [(1,), (3, 5), (2, 3, 7)])
def test_formulas_and_keras_defaults(shape):
    x = RNG.normal(size=shape)
    assert float(regularizers.L1()(x).numpy()) == pytest.approx(0.01 * np.abs(x).sum(), rel=1e-5)
    assert float(regularizers.L2()(x).numpy()) == pytest.approx(0.01 * (x ** 2).sum(), rel=1e-5)
    r = regularizers.L1L2(l1=0.3, l2=0.2)(x)
    assert float(r.numpy()) == pytest.approx(0.3 * np.abs(x).sum() + 0.2 * (x ** 2).sum(),
                                             rel=1e-5)
    assert float(regularizers.L1L2()(x).numpy()) == 0.0  # Keras: L1L2 defaults are 0


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer(mode):
    x = RNG.normal(size=(4, 6))
    got = float(regularizers.OrthogonalRegularizer(0.1, mode)(x).numpy())
    assert got == pytest.approx(_ortho_ref(x, 0.1, mode), rel=1e-5)
    with pytest.raises(ValueError, match="rank 2"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="mode"):
        regularizers.OrthogonalRegularizer(mode="diag")


@pytest.mark.parametrize("reg", [regularizers.L1(0.3), regularizers.L2(0.2),
                                 regularizers.L1L2(0.1, 0.4),
                                 regularizers.OrthogonalRegularizer(0.5, "columns")])
def test_regularizers_are_differentiable(reg):
    x = RNG.normal(size=(3, 4)) + 0.1  # away from |x| kinks
    gradcheck(lambda t: reg(t), [x])


def test_get_serialize_deserialize():
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert regularizers.get("l2").l2 == 0.01 and regularizers.get("l1").l1 == 0.01
    assert isinstance(regularizers.get("L1L2"), regularizers.L1L2)
    assert isinstance(regularizers.get("l1_l2"), regularizers.L1L2)
    assert regularizers.get(None) is None
    inst = regularizers.L2(0.5)
    assert regularizers.get(inst) is inst
    fn = lambda w: 0.0 * w  # noqa: E731
    assert regularizers.get(fn) is fn
    cfg = regularizers.serialize(regularizers.L1L2(0.1, 0.2))
    assert cfg == {"module": "keras.regularizers", "class_name": "L1L2",
                   "config": {"l1": 0.1, "l2": 0.2}, "registered_name": None}
    back = regularizers.get(cfg)
    assert isinstance(back, regularizers.L1L2) and (back.l1, back.l2) == (0.1, 0.2)
    with pytest.raises(ValueError, match="l3"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(-1.0)


def test_layer_arguments_resolve_at_construction():
    d = layers.Dense(2, kernel_regularizer="l2", bias_regularizer={"class_name": "L1",
                                                                    "config": {"l1": 0.5}},
                     activity_regularizer="l1")
    assert isinstance(d.kernel_regularizer, regularizers.L2)
    assert isinstance(d.bias_regularizer, regularizers.L1) and d.bias_regularizer.l1 == 0.5
    assert isinstance(d.activity_regularizer, regularizers.L1)
    config = d.get_config()
    json.dumps(config)
    assert config["kernel_regularizer"]["class_name"] == "L2"
    clone = layers.Dense.from_config(config)
    assert clone.get_config() == config
    # an unknown name fails when the layer is made, naming the layer class and the argument
    with pytest.raises(ValueError, match="Dense.*kernel_regularizer.*'l3'"):
        layers.Dense(2, kernel_regularizer="l3")
    for make in (lambda: layers.Conv2D(2, 3, kernel_regularizer="bogus"),
                 lambda: layers.LSTM(2, recurrent_regularizer="bogus"),
                 lambda: layers.Embedding(3, 2, embeddings_regularizer="bogus"),
                 lambda: layers.BatchNormalization(gamma_regularizer="bogus"),
                 lambda: layers.DepthwiseConv2D(3, depthwise_regularizer="bogus"),
                 lambda: layers.Flatten(activity_regularizer="bogus")):
        with pytest.raises(ValueError, match="bogus"):
            make()


def test_weight_regularizer_is_added_to_the_loss():
    inp = Input(shape=(3,))
    model = Model(inp, layers.Dense(2, kernel_initializer="ones", bias_initializer="ones",
                                    kernel_regularizer="l2", bias_regularizer="l1")(inp))
    model.compile("sgd", "mse")
    x, y = np.ones((4, 3)), np.zeros((4, 2))
    mse = 16.0  # outputs are all 3 + 1
    expected = mse + 0.01 * 6 + 0.01 * 2
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("n", [1, 4])
def test_activity_regularizer_adds_penalty_over_batch_size(n):
    # Keras 3 Layer.__call__: add_loss(activity_regularizer(output) / batch_size)
    inp = Input(shape=(3,))
    model = Model(inp, layers.Dense(1, kernel_initializer="ones",
                                    activity_regularizer="l2")(inp))
    model.compile("sgd", "mse")
    loss = model.evaluate(np.ones((n, 3)), np.zeros((n, 1)), verbose=0, batch_size=n)
    assert loss == pytest.approx(9.0 + 0.01 * 9.0, rel=1e-6)  # Keras: 9.09
    model2 = Model(inp, layers.Dense(2, kernel_initializer="ones",
                                     activity_regularizer=regularizers.L1(0.5))(inp))
    model2.compile("sgd", "mse")
    loss = model2.evaluate(np.ones((n, 3)), np.zeros((n, 2)), verbose=0, batch_size=n)
    assert loss == pytest.approx(9.0 + 0.5 * 6.0, rel=1e-6)


def test_activity_regularizer_is_trained_and_collected_on_eager_calls():
    layer = layers.Dense(1, kernel_initializer="ones", activity_regularizer="l2")
    layer(np.ones((2, 3), np.float32))
    assert len(layer.losses) == 1
    assert float(layer.losses[0].numpy()) == pytest.approx(0.01 * 18 / 2, rel=1e-6)
    # training pulls the output towards 0 faster with the penalty (its gradient is applied)
    inp = Input(shape=(3,))
    out = layers.Dense(1, kernel_initializer="ones", use_bias=False,
                       activity_regularizer=regularizers.L2(10.0))(inp)
    model = Model(inp, out)
    model.compile("sgd", "mse")
    model.fit(np.ones((2, 3)), np.full((2, 1), 3.0), epochs=1, batch_size=2, verbose=0)
    # mse gradient is 0 at the target: only the penalty moves w: dL/dw = 10 * 2*3 * 1 = 60
    np.testing.assert_allclose(model.get_weights()[0], 1.0 - 0.01 * 60.0, rtol=1e-5)


def test_activity_regularizer_keras_parity():
    keras = pytest.importorskip("keras")
    for reg, n in (("l2", 1), ("l1", 4)):
        ki = keras.Input((3,))
        km = keras.Model(ki, keras.layers.Dense(2, kernel_initializer="ones",
                                                activity_regularizer=reg)(ki))
        km.compile("sgd", "mse")
        inp = Input(shape=(3,))
        pm = Model(inp, layers.Dense(2, kernel_initializer="ones",
                                     activity_regularizer=reg)(inp))
        pm.compile("sgd", "mse")
        x, y = np.ones((n, 3)), np.zeros((n, 2))
        assert pm.evaluate(x, y, verbose=0) == pytest.approx(km.evaluate(x, y, verbose=0),
                                                             rel=1e-5)


def test_losses_are_reset_at_each_outermost_call():
    # Keras 3 clears the losses when a call starts (repeated predict does not accumulate them)
    inp = Input(shape=(3,))
    model = Model(inp, layers.Dense(1, kernel_initializer="ones", activity_regularizer="l2")(inp))
    for _ in range(3):
        model.predict(np.ones((2, 3)), verbose=0)
    assert len(model.losses) == 1
    assert float(model.losses[0].numpy()) == pytest.approx(0.01 * 18 / 2, rel=1e-6)
