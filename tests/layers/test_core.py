"""Dense, Activation, Dropout, Flatten, Reshape, Embedding: forward vs numpy float64
references (tests/references/layers_ref.py), shapes, parameter counts, configs, errors."""
import numpy as np
import pytest

from references import layers_ref as ref

import pyfapi
from pyfapi import layers
from pyfapi.utils import naming, set_random_seed

RTOL, ATOL = 1e-5, 1e-5


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def _roundtrip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


# ---- Dense --------------------------------------------------------------------------------
@pytest.mark.parametrize("batch,din,units,act", [(1, 1, 1, "linear"), (3, 7, 5, "relu"),
                                                 (5, 13, 11, "softmax"), (0, 3, 2, "sigmoid"),
                                                 (2, 4, 3, "tanh")])
def test_dense_forward(batch, din, units, act):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, din)).astype(np.float32)
    layer = layers.Dense(units, activation=act, bias_initializer="random_normal")
    y = layer(x)
    k, b = layer.get_weights()
    assert k.shape == (din, units) and b.shape == (units,)
    np.testing.assert_allclose(_np(y), ref.dense(x, k, b, act), rtol=RTOL, atol=ATOL)


def test_dense_rank3_and_no_bias():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 5)).astype(np.float32)
    layer = layers.Dense(4, use_bias=False)
    y = layer(x)
    assert len(layer.weights) == 1 and _np(y).shape == (2, 3, 4)
    np.testing.assert_allclose(_np(y), ref.dense(x, layer.get_weights()[0]), rtol=RTOL,
                               atol=ATOL)
    assert layer.compute_output_shape((None, 3, 5)) == (None, 3, 4)


@pytest.mark.parametrize("din,units", [(64, 32), (32, 32), (32, 10), (128, 1), (1, 500)])
def test_dense_param_count(din, units):
    layer = layers.Dense(units)
    layer.build((None, din))
    assert layer.count_params() == din * units + units


def test_dense_symbolic_and_config():
    x = pyfapi.Input(shape=(7,))
    layer = layers.Dense(3, activation="relu", kernel_initializer="he_normal")
    y = layer(x)
    assert tuple(y.shape) == (None, 3)
    clone = _roundtrip(layer)
    assert clone.units == 3 and clone.activation is layer.activation
    assert type(clone.kernel_initializer).__name__ == "HeNormal"
    config = layer.get_config()
    assert config["activation"] == "relu" and config["use_bias"] is True
    assert config["kernel_initializer"]["class_name"] == "HeNormal"


def test_dense_errors():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="units"):
        layers.Dense(2.5)
    layer = layers.Dense(2, name="d_err")
    with pytest.raises(ValueError, match="d_err"):
        layer(np.ones((3,), np.float32))
    layer(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"d_err.*4|4.*d_err"):
        layer(np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match="Could not interpret activation"):
        layers.Dense(2, activation="relu7")
    with pytest.raises(NotImplementedError, match="lora_rank"):
        layers.Dense(2, lora_rank=4)


def test_dense_weights_keras_order_and_set_weights():
    layer = layers.Dense(3)
    layer.build((None, 2))
    names = [w.name for w in layer.weights]
    assert names == ["kernel", "bias"]
    k = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1, 2, 3], np.float32)
    layer.set_weights([k, b])
    np.testing.assert_array_equal(_np(layer(np.ones((1, 2), np.float32))), [[4, 7, 10]])


def test_default_names_numbered_from_second():
    naming.reset_names()
    a, b, c = layers.Dense(1), layers.Dense(1), layers.GlobalMaxPooling1D()
    assert (a.name, b.name, c.name) == ("dense", "dense_1", "global_max_pooling1d")
    d, e = layers.BatchNormalization(), layers.LSTM(2)
    assert (d.name, e.name) == ("batch_normalization", "lstm")


# ---- Activation ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu",
                                  "softplus", "gelu", "swish"])
def test_activation_layer(name):
    x = np.random.default_rng(2).standard_normal((3, 5)).astype(np.float32) * 3
    layer = layers.Activation(name)
    np.testing.assert_allclose(_np(layer(x)), ref.ACTIVATIONS[name](x.astype(np.float64)),
                               rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape((None, 5)) == (None, 5)
    assert _roundtrip(layer).get_config()["activation"] in (name, "silu")


# ---- Dropout ------------------------------------------------------------------------------
def test_dropout_identity_in_inference():
    x = np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32)
    layer = layers.Dropout(0.5)
    for kwargs in ({}, {"training": False}, {"training": None}):
        np.testing.assert_array_equal(_np(layer(x, **kwargs)), x)


def test_dropout_training_statistics_and_scaling():
    x = np.ones((200, 250), np.float32)
    set_random_seed(0)
    y = _np(layers.Dropout(0.3)(x, training=True))
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1.0 / 0.7, rtol=1e-6)
    # 50000 Bernoulli(0.7) draws: std of the kept fraction is 0.002
    assert abs(kept.mean() - 0.7) < 0.01


def test_dropout_seed_reproducible_and_noise_shape():
    x = np.ones((6, 5, 4), np.float32)
    set_random_seed(42)
    a = _np(layers.Dropout(0.5)(x, training=True))
    set_random_seed(42)
    b = _np(layers.Dropout(0.5)(x, training=True))
    np.testing.assert_array_equal(a, b)
    y = _np(layers.Dropout(0.5, noise_shape=(None, 1, 4))(x, training=True))
    assert np.all(y == y[:, :1, :])  # mask broadcast along axis 1
    np.testing.assert_array_equal(_np(layers.Dropout(1.0)(x, training=True)), 0 * x)


@pytest.mark.parametrize("rate", [-0.1, 1.5, "a"])
def test_dropout_bad_rate(rate):
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(rate)


def test_dropout_config():
    clone = _roundtrip(layers.Dropout(0.25, seed=3))
    assert clone.rate == 0.25 and clone.seed == 3


# ---- Flatten / Reshape --------------------------------------------------------------------
def test_flatten():
    x = np.arange(2 * 3 * 5, dtype=np.float32).reshape(2, 3, 5)
    layer = layers.Flatten()
    np.testing.assert_array_equal(_np(layer(x)), x.reshape(2, 15))
    assert layer.compute_output_shape((None, 3, 5)) == (None, 15)
    assert layer.compute_output_shape((None, None, 5)) == (None, None)
    assert layer.compute_output_shape((None,)) == (None, 1)
    assert _np(layer(np.zeros((0, 3, 2), np.float32))).shape == (0, 6)
    with pytest.raises(ValueError, match="channels_last"):
        layers.Flatten(data_format="channels_first")


def test_reshape():
    x = np.arange(2 * 12, dtype=np.float32).reshape(2, 12)
    layer = layers.Reshape((3, -1))
    np.testing.assert_array_equal(_np(layer(x)), x.reshape(2, 3, 4))
    assert layer.compute_output_shape((None, 12)) == (None, 3, 4)
    assert layer.compute_output_shape((None, None)) == (None, 3, None)
    assert layers.Reshape((4, 3)).compute_output_shape((5, 2, 6)) == (5, 4, 3)
    assert _roundtrip(layer).target_shape == (3, -1)


def test_reshape_errors():
    with pytest.raises(ValueError, match="total size"):
        layers.Reshape((5,), name="r_bad").compute_output_shape((None, 12))
    with pytest.raises(ValueError, match="total size"):
        layers.Reshape((5, -1)).compute_output_shape((None, 12))
    with pytest.raises(ValueError, match="at most"):
        layers.Reshape((-1, -1))
    with pytest.raises(ValueError, match="target_shape"):
        layers.Reshape("ab")


# ---- Embedding ----------------------------------------------------------------------------
def test_embedding_forward_and_shapes():
    layer = layers.Embedding(11, 3)
    ids = np.array([[0, 10, 4], [7, 7, 1]], np.int64)
    y = layer(ids)
    (table,) = layer.get_weights()
    assert table.shape == (11, 3) and layer.weights[0].name == "embeddings"
    np.testing.assert_array_equal(_np(y), ref.embedding(ids, table).astype(np.float32))
    assert np.abs(table).max() <= 0.05  # 'uniform' = RandomUniform(-0.05, 0.05)
    t = pyfapi.Input(shape=(None,), dtype="int32")
    assert tuple(layers.Embedding(11, 3)(t).shape) == (None, None, 3)
    assert layer.count_params() == 33
    # int32 and float ids (Keras casts floats)
    np.testing.assert_array_equal(_np(layer(ids.astype(np.int32))), _np(y))
    np.testing.assert_array_equal(_np(layer(ids.astype(np.float32))), _np(y))


def test_embedding_param_count_as_printed_in_notebook():
    # Embedding(64, 10000): input_dim=64, output_dim=10000 -> 640,000 parameters
    layer = layers.Embedding(64, 10000)
    layer.build((None, None))
    assert layer.count_params() == 640000


@pytest.mark.parametrize("bad,pos", [(9999, (1, 2)), (64, (0, 0)), (-1, (1, 0))])
def test_embedding_bad_index_message(bad, pos):
    layer = layers.Embedding(64, 4, name="text_embedding")
    ids = np.ones((2, 3), np.int64)
    ids[pos] = bad
    layer.build((None, 3))
    before = layer.get_weights()
    with pytest.raises(IndexError) as err:
        layer(ids)
    msg = str(err.value)
    assert "text_embedding" in msg and str(bad) in msg and "input_dim=64" in msg
    assert str(pos) in msg
    np.testing.assert_array_equal(before[0], layer.get_weights()[0])


def test_embedding_config_and_errors():
    clone = _roundtrip(layers.Embedding(5, 2, embeddings_initializer="ones"))
    assert (clone.input_dim, clone.output_dim) == (5, 2)
    with pytest.raises(ValueError, match="input_dim"):
        layers.Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        layers.Embedding(3, -1)
    assert layers.Embedding(3, 2, mask_zero=True).get_config()["mask_zero"] is True
    with pytest.warns(UserWarning, match="input_length"):
        layer = layers.Embedding(3, 2, input_length=4)
    assert "input_length" not in layer.get_config()


def test_embedding_initial_weights():
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    layer = layers.Embedding(3, 2, weights=[w])
    np.testing.assert_array_equal(_np(layer(np.array([[2, 0]]))), [[[4, 5], [0, 1]]])


# ---- errors raised inside call() name the layer (Keras 3) -----------------------------------
def test_runtime_error_names_the_layer_once():
    inp = pyfapi.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(10, 4)(inp)
    x = layers.Conv1D(3, 5, name="conv_a")(x)
    x = layers.MaxPooling1D(5)(x)
    x = layers.Conv1D(3, 5, name="conv_b")(x)
    inner = pyfapi.Model(inp, x, name="inner")
    outer_in = pyfapi.Input(shape=(None,), dtype="int32")
    outer = pyfapi.Model(outer_in, inner(outer_in))
    for model in (inner, outer):
        with pytest.raises(ValueError) as info:
            model.predict(np.zeros((2, 12), np.int32), verbose=0)
        msg = str(info.value)
        assert msg.startswith("Exception encountered when calling Conv1D 'conv_b': ")
        assert msg.count("Exception encountered") == 1
        assert isinstance(info.value.__cause__, ValueError)  # `from` the original error


def test_runtime_error_keeps_the_exception_type():
    class Picky(layers.Layer):
        def call(self, x):
            raise IndexError("index 9 is out of bounds")

        def compute_output_shape(self, s):
            return s

    layer = Picky(name="picky")
    with pytest.raises(IndexError, match=r"^Exception encountered when calling Picky 'picky': "
                                         r"index 9"):
        layer(np.ones((1, 2), np.float32))


# ---- Lambda -------------------------------------------------------------------------------
def _double_plus(x, offset=0.0):
    return x * 2.0 + offset


def test_lambda_eager_symbolic_and_gradient():
    from pyfapi.testing import gradcheck

    lam = layers.Lambda(_double_plus, arguments={"offset": 1.0})
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(_np(lam(x)), x * 2 + 1)
    inp = pyfapi.Input(shape=(4, 3))
    out = layers.Lambda(lambda t: pyfapi.ops.sum(t, axis=1))(inp)  # shape inferred
    assert tuple(out.shape) == (None, 3)
    out2 = layers.Lambda(lambda t: pyfapi.ops.reshape(t, (-1, 12)), output_shape=(12,))(inp)
    assert tuple(out2.shape) == (None, 12)
    model = pyfapi.Model(inp, layers.Dense(1)(out))
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 4, 3)), np.ones((4, 1)), verbose=0)  # trains through the Lambda
    gradcheck(lambda t: layers.Lambda(lambda v: pyfapi.ops.tanh(v) * v)(t),
              [np.random.default_rng(0).normal(size=(2, 3))])


def test_lambda_config():
    lam = layers.Lambda(pyfapi.ops.relu, output_shape=(3,))
    clone = _roundtrip(lam)
    assert clone.function is pyfapi.ops.relu
    with pytest.raises(ValueError, match="Lambda 'anon'.*lambdas"):
        layers.Lambda(lambda t: t, name="anon").get_config()
    with pytest.raises(TypeError, match="callable"):
        layers.Lambda(3)


def test_lambda_keras_parity():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(1).normal(size=(3, 5)).astype(np.float32)
    k = keras.layers.Lambda(lambda t: keras.ops.square(t) - 1.0)(x)
    p = layers.Lambda(lambda t: pyfapi.ops.square(t) - 1.0)(x)
    np.testing.assert_allclose(_np(p), np.asarray(k), rtol=1e-6)


def test_embedding_takes_another_sequence_length_after_build():
    """Keras: an Embedding built on (None, 5) ids embeds (1, 2) ids too (its last axis is the
    sequence, not a feature axis); a Dense still refuses another feature size."""
    emb = layers.Embedding(10, 2)
    i = pyfapi.Input((5,))
    pyfapi.Model(i, emb(i))
    ids = np.array([[1, 2]])
    out = emb(ids)
    np.testing.assert_array_equal(np.asarray(out), emb.get_weights()[0][ids])
    dense = layers.Dense(3)
    j = pyfapi.Input((5,))
    pyfapi.Model(j, dense(j))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 5"):
        dense(np.ones((1, 2), np.float32))


def _double(x):
    return x * 2.0


def test_lambda_with_a_user_function_moves_both_ways_with_keras(tmp_path):
    """A Lambda of a named user function is written in Keras 3's function form and read back
    from it, by pyfapi and by Keras, with the function in custom_objects; a Keras file holding
    a lambda's bytecode is a clear error."""
    keras = pytest.importorskip("keras")
    x = np.ones((2, 3), np.float32)
    i = pyfapi.Input((3,))
    pyfapi.Model(i, layers.Lambda(_double)(i)).save(tmp_path / "p.keras")
    for load in (pyfapi.saving.load_model, lambda p, **kw: keras.saving.load_model(str(p), **kw)):
        m = load(tmp_path / "p.keras", custom_objects={"_double": _double})
        np.testing.assert_array_equal(np.asarray(m.predict(x, verbose=0)), 2 * x)
    ki = keras.Input((3,))
    keras.Model(ki, keras.layers.Lambda(_double)(ki)).save(str(tmp_path / "k.keras"))
    m = pyfapi.saving.load_model(tmp_path / "k.keras", custom_objects={"_double": _double})
    np.testing.assert_array_equal(m.predict(x, verbose=0), 2 * x)
    keras.Model(ki, keras.layers.Lambda(lambda t: t + 1)(ki)).save(str(tmp_path / "b.keras"))
    with pytest.raises(ValueError, match="lambda as bytecode"):
        pyfapi.saving.load_model(tmp_path / "b.keras")
