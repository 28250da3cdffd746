"""Dot and ops.normalize: gradients against central differences in float64 arithmetic on the
float32 layer (tolerance for float32), and the cosine similarity of normalize=True."""
import numpy as np

import pyfapi
from pyfapi import GradientTape, layers, ops
from pyfapi.autodiff import Tensor

RNG = np.random.default_rng(2)


def _numeric_grad(f, x, eps=1e-3):
    g = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        g[idx] = (float(f(xp)) - float(f(xm))) / (2 * eps)
    return g


def test_dot_gradients_match_central_differences():
    a = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    b = RNG.normal(size=(2, 5, 4)).astype(np.float32)
    w = RNG.normal(size=(2, 3, 5)).astype(np.float32)  # a random cotangent
    for normalize in (False, True):
        layer = layers.Dot(axes=2, normalize=normalize)

        def loss(u, v):
            return np.sum(np.asarray(layer([u, v])).astype(np.float64) * w)

        ta, tb = Tensor(a), Tensor(b)
        with GradientTape() as tape:
            tape.watch(ta)
            tape.watch(tb)
            s = ops.sum(ops.multiply(layer([ta, tb]), w))
        ga, gb = tape.gradient(s, [ta, tb])
        np.testing.assert_allclose(np.asarray(ga), _numeric_grad(lambda u: loss(u, b), a),
                                   rtol=2e-2, atol=2e-3)
        np.testing.assert_allclose(np.asarray(gb), _numeric_grad(lambda v: loss(a, v), b),
                                   rtol=2e-2, atol=2e-3)


def test_normalized_dot_is_cosine_similarity_and_zero_rows_stay_finite():
    a = RNG.normal(size=(4, 6)).astype(np.float32)
    b = RNG.normal(size=(4, 6)).astype(np.float32)
    a[1] = 0.0
    got = np.asarray(layers.Dot(axes=1, normalize=True)([a, b]))
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    cos = (a64 * b64).sum(1) / np.maximum(np.linalg.norm(a64, axis=1), 1e-7) / \
        np.linalg.norm(b64, axis=1)
    np.testing.assert_allclose(got[:, 0], cos, rtol=1e-5, atol=1e-6)
    ta = Tensor(a)
    with GradientTape() as tape:
        tape.watch(ta)
        s = ops.sum(ops.normalize(ta, axis=1))
    assert np.isfinite(np.asarray(tape.gradient(s, ta))).all()


def test_dot_errors_name_the_layer_and_shapes():
    import pytest
    with pytest.raises(ValueError, match=r"axis values 3 \(at axis 1\) != 4.*dotty"):
        layers.Dot(axes=1, name="dotty")([pyfapi.Input((3,)), pyfapi.Input((4,))])
    with pytest.raises(ValueError, match="batch axis"):
        layers.Dot(axes=0)([pyfapi.Input((3,)), pyfapi.Input((3,))])
    with pytest.raises(ValueError, match="list of 2 inputs"):
        layers.Dot(axes=1)([pyfapi.Input((3,))] * 3)
    with pytest.raises(TypeError, match="axes"):
        layers.Dot(axes="1")
