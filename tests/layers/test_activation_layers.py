"""Activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax) and every Keras 3 activation name:
values vs numpy float64, gradients by finite differences (inputs kept away from kinks), configs,
errors. Cross-checked with real Keras in tests/layers/test_i16_vs_keras.py."""
import math

import numpy as np
import pytest

from roundtrip import assert_round_trips

from pyfapi import activations as A
from pyfapi import layers
from pyfapi.testing import gradcheck

# away from every kink (0, +-0.5, +-1, 0.5 threshold) by more than the finite-difference step
X = np.array([[-2.3, -1.7, -0.8, -0.3, 0.2, 0.7, 1.3, 2.6],
              [0.35, -0.65, 1.1, -1.2, 0.9, -0.15, 3.1, -2.9]])

REFS = {
    "celu": lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x)),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "hard_silu": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "hard_swish": lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
    "log_sigmoid": lambda x: -np.log1p(np.exp(-x)),
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "relu6": lambda x: np.clip(x, 0, 6),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "exponential": np.exp,
    "glu": lambda x: x[..., :4] * (1 / (1 + np.exp(-x[..., 4:]))),
    "log_softmax": lambda x: x - x.max(-1, keepdims=True) - np.log(
        np.exp(x - x.max(-1, keepdims=True)).sum(-1, keepdims=True)),
    "gelu": lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))),
}


@pytest.mark.parametrize("name", sorted(REFS))
def test_activation_values(name):
    np.testing.assert_allclose(np.asarray(A.get(name)(X.astype(np.float32))), REFS[name](X),
                               rtol=2e-5, atol=2e-6)


KERAS_NAMES = ["celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid",
               "hard_silu", "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid",
               "log_softmax", "mish", "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink",
               "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax",
               "squareplus", "swish", "tanh", "tanh_shrink"]


@pytest.mark.parametrize("name", KERAS_NAMES)
def test_every_keras_activation_name_resolves_and_differentiates(name):
    fn = A.get(name)
    assert A.get(A.serialize(fn)) is fn
    if name in ("linear",):
        return
    gradcheck(lambda x: fn(x), [X], atol=1e-6, rtol=1e-4)


def test_threshold_activation():
    np.testing.assert_allclose(np.asarray(A.threshold(X, 0.5, -1.0)), np.where(X > 0.5, X, -1.0))


def test_sparsemax_is_a_projection_onto_the_simplex():
    x = np.random.default_rng(0).standard_normal((6, 9)) * 2
    p = np.asarray(A.sparsemax(x))
    assert (p >= 0).all() and np.allclose(p.sum(-1), 1)
    # optimality: p = argmin ||p - x|| on the simplex <=> x - p is constant on the support and
    # not larger off it
    for row, pr in zip(x, p):
        s = pr > 0
        d = row - pr
        assert np.allclose(d[s], d[s][0]) and (row[~s] <= d[s][0] + 1e-12).all()


def test_relu_layer_forms_and_errors():
    x = X.astype(np.float32)
    got = np.asarray(layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5)(x))
    want = np.clip(X * (X > 0.5), 0, 1.0) - 0.1 * np.maximum(0.5 - X, 0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    for kw, msg in [({"max_value": -1}, "max_value"), ({"negative_slope": -1}, "negative_slope"),
                    ({"threshold": -1}, "threshold")]:
        with pytest.raises(ValueError, match=msg):
            layers.ReLU(**kw)
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(negative_slope=-0.1)
    with pytest.warns(UserWarning, match="alpha"):
        assert layers.LeakyReLU(alpha=0.2).negative_slope == 0.2


def test_prelu_weights_and_gradient():
    layer = layers.PReLU(shared_axes=[1, 2])
    layer.build((None, 5, 4, 3))
    assert tuple(layer.alpha.shape) == (1, 1, 3) and layer.count_params() == 3
    a = np.array([0.1, -0.2, 0.5])
    gradcheck(lambda x, al: layers.PReLU.call(_with_alpha(layer, al), x),
              [np.random.default_rng(1).standard_normal((2, 5, 4, 3)) + 0.05, a.reshape(1, 1, 3)])


def _with_alpha(layer, alpha):
    layer.__dict__["alpha"] = alpha  # a tensor in place of the variable (gradcheck only)
    return layer


def test_softmax_layer_with_mask():
    x = np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)
    mask = np.array([[1, 1, 0, 0], [1, 0, 1, 1]], bool)[:, None, :]
    y = np.asarray(layers.Softmax()(x, mask=mask))
    e = np.where(mask, np.exp(x - x.max(-1, keepdims=True)), 0)
    np.testing.assert_allclose(y, e / e.sum(-1, keepdims=True), rtol=1e-5, atol=1e-7)
    y2 = np.asarray(layers.Softmax(axis=(1, 2))(x))
    np.testing.assert_allclose(y2.sum((1, 2)), 1, rtol=1e-5)
    with pytest.raises(ValueError, match=r"sm_bad.*mask.*\(2, 3, 4\).*\(2, 5\)"):
        layers.Softmax(name="sm_bad")(x, mask=np.ones((2, 5), bool))


@pytest.mark.parametrize("make", [lambda: layers.PReLU(), lambda: layers.ELU(0.4),
                                  lambda: layers.ReLU(6.0), lambda: layers.LeakyReLU(0.05),
                                  lambda: layers.Softmax()])
def test_round_trips(tmp_path, make):
    assert_round_trips(tmp_path, make, (4, 3), [np.random.default_rng(3).standard_normal(
        (2, 4, 3)).astype(np.float32)])
