"""Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D: forward vs numpy float64 references on odd
shapes, TF padding rules, parameter counts (keras_reference.md), configs and errors.
"""
import numpy as np
import pytest

from references import layers_ref as ref

import pyfapi
from pyfapi import layers

RTOL, ATOL = 1e-4, 1e-4



def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _roundtrip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return clone


@pytest.mark.parametrize("n,t,c,f,k,s,pad,d,act", [
    (2, 11, 3, 5, 3, 1, "valid", 1, "linear"),
    (1, 7, 2, 4, 5, 2, "same", 1, "relu"),
    (3, 13, 1, 2, 3, 1, "causal", 2, "linear"),
    (2, 5, 3, 3, 2, 4, "valid", 1, "tanh"),      # stride larger than kernel
    (2, 9, 4, 1, 1, 3, "same", 1, "sigmoid"),
    (0, 6, 2, 3, 3, 1, "valid", 1, "relu"),      # empty batch
    (2, 8, 3, 2, 3, 1, "same", 3, "linear"),     # dilation with same padding
])
def test_conv1d_forward(n, t, c, f, k, s, pad, d, act):
    x = _x((n, t, c))
    layer = layers.Conv1D(f, k, strides=s, padding=pad, dilation_rate=d, activation=act,
                          bias_initializer="random_normal")
    y = _np(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (k, c, f) and bias.shape == (f,)
    expected = ref.conv(x, kernel, bias, s, pad, d, act)
    assert y.shape == expected.shape == layer.compute_output_shape((n, t, c))
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("shape,f,k,s,pad,d", [
    ((2, 7, 5, 3), 4, 3, 1, "valid", 1),
    ((1, 9, 8, 2), 3, (3, 2), (2, 3), "same", 1),
    ((2, 6, 7, 1), 2, 1, 3, "same", 1),
    ((1, 11, 10, 3), 5, 3, 1, "same", (2, 3)),
    ((2, 5, 5, 2), 3, 2, 4, "valid", 1),
])
def test_conv2d_forward(shape, f, k, s, pad, d):
    x = _x(shape, 1)
    layer = layers.Conv2D(f, k, strides=s, padding=pad, dilation_rate=d, activation="relu",
                          bias_initializer="random_normal")
    y = _np(layer(x))
    kernel, bias = layer.get_weights()
    expected = ref.conv(x, kernel, bias, layer.strides, pad, layer.dilation_rate, "relu")
    assert y.shape == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("shape,k,s,pad,dm", [
    ((2, 7, 6, 3), 3, 1, "valid", 1), ((1, 8, 9, 2), (3, 2), 2, "same", 3),
    ((2, 5, 5, 4), 1, 1, "valid", 2)])
def test_depthwise_conv2d_forward(shape, k, s, pad, dm):
    x = _x(shape, 2)
    layer = layers.DepthwiseConv2D(k, strides=s, padding=pad, depth_multiplier=dm,
                                   bias_initializer="random_normal")
    y = _np(layer(x))
    kernel, bias = layer.get_weights()
    kh, kw = layer.kernel_size
    assert kernel.shape == (kh, kw, shape[-1], dm) and bias.shape == (shape[-1] * dm,)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    expected = ref.depthwise_conv2d(x, kernel, bias, s, pad)
    assert y.shape == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("shape,f,k,s,pad,dm", [
    ((2, 7, 6, 3), 5, 3, 1, "same", 1), ((1, 9, 8, 2), 3, 3, 2, "valid", 2)])
def test_separable_conv2d_forward(shape, f, k, s, pad, dm):
    x = _x(shape, 3)
    layer = layers.SeparableConv2D(f, k, strides=s, padding=pad, depth_multiplier=dm,
                                   activation="relu", bias_initializer="random_normal")
    y = _np(layer(x))
    dw, pw, bias = layer.get_weights()
    cin = shape[-1]
    assert dw.shape == (3, 3, cin, dm) and pw.shape == (1, 1, cin * dm, f) and bias.shape == (f,)
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    expected = ref.separable_conv2d(x, dw, pw, bias, s, pad, 1, "relu")
    assert y.shape == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(y, expected, rtol=RTOL, atol=ATOL)
    assert layer.count_params() == 9 * cin * dm + cin * dm * f + f


def test_conv_param_counts_and_residual_blocks():
    # keras_reference.md: Conv = prod(kernel) * cin * filters + filters
    x = pyfapi.Input(shape=(32, 32, 128))
    convs = [layers.Conv2D(128, 3, activation="relu", padding="same") for _ in range(3)]
    y = x
    for conv in convs:
        y = conv(y)
    assert tuple(y.shape) == (None, 32, 32, 128)
    assert sum(c.count_params() for c in convs) == 442752
    x = pyfapi.Input(shape=(32, 32, 64))
    a = layers.Conv2D(128, 3, activation="relu", padding="same")
    b = layers.Conv2D(128, 3, activation="relu", padding="same")
    r = layers.Conv2D(128, 1, strides=2, padding="same")
    y = layers.MaxPooling2D(2, strides=2)(b(a(x)))
    res = r(x)
    assert tuple(y.shape) == tuple(res.shape) == (None, 16, 16, 128)
    assert a.count_params() + b.count_params() + r.count_params() == 229760


def test_posts_model_conv_stack_shapes_and_params():
    # keras_reference.md counts this model with Embedding(input_dim=50000, output_dim=256)
    posts = pyfapi.Input(shape=(None,), dtype="int32", name="posts")
    emb = layers.Embedding(50000, 256)
    stack = [emb]
    x = emb(posts)
    c1 = layers.Conv1D(128, 5, activation="relu")
    x = layers.MaxPooling1D(5)(c1(x))
    convs = [c1] + [layers.Conv1D(256, 5, activation="relu") for _ in range(4)]
    x = convs[2](convs[1](x))
    x = layers.MaxPooling1D(5)(x)
    x = convs[4](convs[3](x))
    x = layers.GlobalMaxPooling1D()(x)
    assert tuple(x.shape) == (None, 256)
    stack += convs
    dense = layers.Dense(128, activation="relu")
    heads = [layers.Dense(1, name="age"), layers.Dense(10, activation="softmax", name="income"),
             layers.Dense(1, activation="sigmoid", name="gender")]
    h = dense(x)
    for head in heads:
        head(h)
    total = sum(l.count_params() for l in stack + [dense] + heads)
    assert total == 14146316


def test_conv_symbolic_output_shapes_unknown_length():
    x = pyfapi.Input(shape=(None, 4))
    assert tuple(layers.Conv1D(3, 5, padding="causal")(x).shape) == (None, None, 3)
    assert layers.Conv1D(3, 5).compute_output_shape((None, 9, 4)) == (None, 5, 3)
    assert layers.Conv2D(2, 3, strides=2, padding="same").compute_output_shape(
        (None, 7, 8, 1)) == (None, 4, 4, 2)


def test_conv_config_roundtrip():
    for layer in (layers.Conv1D(3, 5, strides=2, padding="causal", activation="relu"),
                  layers.Conv2D(4, (3, 1), dilation_rate=2, use_bias=False),
                  layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
                  layers.SeparableConv2D(8, 3, activation="relu")):
        clone = _roundtrip(layer)
        assert clone.kernel_size == layer.kernel_size


def test_conv_no_bias_weights():
    layer = layers.Conv2D(2, 3, use_bias=False)
    y = _np(layer(_x((1, 5, 5, 3))))
    (kernel,) = layer.get_weights()
    np.testing.assert_allclose(y, ref.conv(_x((1, 5, 5, 3)), kernel), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("make,match", [
    (lambda: layers.Conv2D(0, 3), "filters"),
    (lambda: layers.Conv2D(4, 0), "kernel_size"),
    (lambda: layers.Conv2D(4, (3, 3, 3)), "kernel_size"),
    (lambda: layers.Conv2D(4, 3, strides=0), "strides"),
    (lambda: layers.Conv2D(4, 3, padding="causal"), "padding"),
    (lambda: layers.Conv1D(4, 3, padding="full"), "padding"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: layers.Conv2D(4, 3, data_format="channels_first"), "channels_first"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
    (lambda: layers.SeparableConv2D(0, 3), "filters"),
])
def test_conv_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_conv_groups_unsupported():
    with pytest.raises(NotImplementedError, match="groups"):
        layers.Conv2D(4, 3, groups=2)


def test_conv_wrong_rank_and_sizes():
    layer = layers.Conv2D(2, 3, name="c2d_rank")
    with pytest.raises(ValueError, match=r"c2d_rank.*ndim=4"):
        layer(pyfapi.Input(shape=(8, 3)))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.Conv2D(2, 5)(pyfapi.Input(shape=(4, 9, 3)))
    with pytest.raises(ValueError, match="channel dimension"):
        layers.Conv1D(2, 3)(pyfapi.Input(shape=(5, None)))
    built = layers.Conv1D(2, 3, name="c1d_built")
    built(pyfapi.Input(shape=(9, 4)))
    with pytest.raises(ValueError, match="c1d_built"):
        built(pyfapi.Input(shape=(9, 5)))


def test_conv_uses_fused_bias_relu_for_linear_and_relu(monkeypatch):
    """Linear / relu activations with a bias go through ops.conv_bias_activation (one fused pass);
    other activations use separate ops. Results match the reference either way."""
    from pyfapi import ops

    calls = []
    real = ops.conv_bias_activation

    def spy(*args, **kwargs):
        calls.append(kwargs.get("activation"))
        return real(*args, **kwargs)

    monkeypatch.setattr(ops, "conv_bias_activation", spy)
    x = _x((2, 6, 5, 3), 11)
    for act, expect_calls in (("relu", ["relu"]), (None, ["linear"]), ("tanh", [])):
        calls.clear()
        layer = layers.Conv2D(4, 3, activation=act, bias_initializer="random_normal")
        y = _np(layer(x))
        kernel, bias = layer.get_weights()
        np.testing.assert_allclose(y, ref.conv(x, kernel, bias, 1, "valid", 1, act or "linear"),
                                   rtol=RTOL, atol=ATOL)
        assert calls == expect_calls
