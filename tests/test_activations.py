"""pyfapi.activations: values vs numpy float64 formulas (extreme inputs included), get /
serialize, gradients by finite differences for the composed ones."""
import math

import numpy as np
import pytest

from references import layers_ref as ref

from pyfapi import activations as A
from pyfapi.testing import gradcheck

X = np.array([[-30.0, -5.0, -1.0, -1e-3, 0.0, 1e-3, 0.5, 1.0, 3.0, 30.0],
              [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8, 0.9, -1.0]], np.float32)


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


@pytest.mark.parametrize("name", ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu",
                                  "softplus", "gelu", "swish", "silu", "softsign",
                                  "exponential"])
def test_values(name):
    x = X if name != "exponential" else X / 10
    y = _np(A.get(name)(x))
    assert y.shape == x.shape
    np.testing.assert_allclose(y, ref.ACTIVATIONS[name](x.astype(np.float64)), rtol=2e-6,
                               atol=2e-6)


def test_extra_forms():
    x64 = X.astype(np.float64)
    np.testing.assert_allclose(_np(A.relu(X, max_value=2.0)), np.clip(x64, 0, 2), atol=1e-7)
    np.testing.assert_allclose(_np(A.relu(X, negative_slope=0.1)),
                               np.where(x64 > 0, x64, 0.1 * x64), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(_np(A.relu(X, threshold=0.5)), np.where(x64 > 0.5, x64, 0.0),
                               atol=1e-7)
    np.testing.assert_allclose(_np(A.leaky_relu(X)), np.where(x64 > 0, x64, 0.2 * x64),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(_np(A.relu6(X)), np.clip(x64, 0, 6), atol=1e-7)
    np.testing.assert_allclose(_np(A.hard_sigmoid(X)), np.clip((x64 + 3) / 6, 0, 1), atol=1e-7)
    np.testing.assert_allclose(_np(A.elu(X, alpha=0.5)),
                               np.where(x64 > 0, x64, 0.5 * np.expm1(np.minimum(x64, 0))),
                               rtol=1e-6, atol=1e-7)
    c = math.sqrt(2 / math.pi)
    np.testing.assert_allclose(_np(A.gelu(X, approximate=True)),
                               0.5 * x64 * (1 + np.tanh(c * (x64 + 0.044715 * x64 ** 3))),
                               rtol=1e-5, atol=1e-6)
    sp = np.log1p(np.exp(-np.abs(x64))) + np.maximum(x64, 0)
    np.testing.assert_allclose(_np(A.mish(X)), x64 * np.tanh(sp), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(A.softmax(X, axis=0)),
                               np.exp(x64) / np.exp(x64).sum(0, keepdims=True), rtol=1e-5)
    sm = x64 - x64.max(-1, keepdims=True)
    np.testing.assert_allclose(_np(A.log_softmax(X)),
                               sm - np.log(np.exp(sm).sum(-1, keepdims=True)), rtol=1e-5,
                               atol=1e-5)


def test_get_and_serialize():
    assert A.get(None) is A.linear
    assert A.get("relu") is A.relu
    fn = lambda x: x  # noqa: E731
    assert A.get(fn) is fn
    for name in ("relu", "softmax", "gelu", "tanh", "selu"):
        assert A.serialize(A.get(name)) == name
    assert A.serialize(A.swish) == "silu"
    assert A.deserialize("sigmoid") is A.sigmoid
    with pytest.raises(ValueError, match="Could not interpret activation"):
        A.get("rellu")
    with pytest.raises(ValueError, match="Could not interpret activation"):
        A.get(5)
    with pytest.raises(ValueError, match="Cannot serialize"):
        A.serialize(fn)
    with pytest.raises(ValueError, match="scalar"):
        A.softmax(np.float32(1.0) * np.ones((), np.float32))


@pytest.mark.parametrize("name", ["elu", "selu", "softplus", "swish", "gelu", "mish",
                                  "softsign", "hard_sigmoid", "softmax", "log_softmax"])
def test_gradients_finite_differences(name):
    fn = getattr(A, name)
    x = np.array([[-2.3, -0.7, 0.4, 1.9], [0.3, -1.1, 2.2, -0.05]], np.float64)
    gradcheck(fn, [x])


def test_relu_options_gradients():
    x = np.array([[-2.3, -0.7, 0.4, 1.9, 3.3]], np.float64)
    gradcheck(lambda t: A.relu(t, negative_slope=0.1, max_value=3.0), [x])
    gradcheck(lambda t: A.relu(t, threshold=0.2), [x])
