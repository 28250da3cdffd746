"""pyfapi.kernels.batchnorm against the float64 numpy reference (tests/references/batchnorm_ref.py)."""
import numpy as np
import pytest

import pyfapi
from pyfapi.kernels.batchnorm import (batch_norm_inference, batch_norm_inference_backward,
                                      batch_norm_train, batch_norm_train_backward)
from references.batchnorm_ref import (bn_inference_backward_ref, bn_inference_ref,
                                      bn_train_backward_ref, bn_train_ref)

SHAPES = [(1, 1), (5, 3), (2, 7, 5), (3, 4, 4, 7), (130, 2), (1, 1, 1, 13)]


def _data(shape, seed=0, affine=True):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
    c = shape[-1]
    g = (rng.standard_normal(c) + 1).astype(np.float32) if affine else None
    b = rng.standard_normal(c).astype(np.float32) if affine else None
    return x, g, b


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_train_forward_matches_reference(shape, affine):
    x, g, b = _data(shape, seed=len(shape), affine=affine)
    y, mean, var, inv = batch_norm_train(x, g, b, epsilon=1e-3)
    ry, rmean, rvar = bn_train_ref(x, g, b, 1e-3)
    assert y.shape == x.shape and y.dtype == np.float32
    np.testing.assert_allclose(y, ry, atol=2e-5, rtol=1e-5)
    np.testing.assert_allclose(mean, rmean, atol=1e-6, rtol=1e-6)
    np.testing.assert_allclose(var, rvar, atol=1e-6, rtol=1e-5)
    np.testing.assert_allclose(inv, 1 / np.sqrt(rvar + 1e-3), rtol=1e-6)


def test_train_statistics_numerically_careful():
    """Large offset, small spread: a one-pass float32 E[x^2] - E[x]^2 would lose everything."""
    rng = np.random.default_rng(1)
    x = (1e4 + rng.standard_normal((4096, 3))).astype(np.float32)
    _, mean, var, _ = batch_norm_train(x)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean, x64.mean(0), rtol=1e-7)
    np.testing.assert_allclose(var, x64.var(0), rtol=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_inference_forward_matches_reference(shape, affine):
    x, g, b = _data(shape, seed=3, affine=affine)
    rng = np.random.default_rng(4)
    mean = rng.standard_normal(shape[-1]).astype(np.float32)
    var = rng.uniform(0.1, 2, shape[-1]).astype(np.float32)
    y = batch_norm_inference(x, mean, var, g, b, epsilon=1e-3)
    np.testing.assert_allclose(y, bn_inference_ref(x, mean, var, g, b, 1e-3), atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_train_backward_matches_reference(shape, affine):
    x, g, _ = _data(shape, seed=5, affine=affine)
    dy = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    _, mean, _, inv = batch_norm_train(x, g, None)
    dx, dg, db = batch_norm_train_backward(dy, x, mean, inv, g)
    rdx, rdg, rdb = bn_train_backward_ref(dy, x, g, 1e-3)
    np.testing.assert_allclose(dx, rdx, atol=5e-5, rtol=1e-4)
    np.testing.assert_allclose(dg, rdg, atol=5e-5, rtol=1e-4)
    np.testing.assert_allclose(db, rdb, atol=5e-5, rtol=1e-4)


@pytest.mark.parametrize("shape", SHAPES)
def test_inference_backward_matches_reference(shape):
    x, g, _ = _data(shape, seed=7)
    rng = np.random.default_rng(8)
    mean = rng.standard_normal(shape[-1]).astype(np.float32)
    var = rng.uniform(0.1, 2, shape[-1]).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    got = batch_norm_inference_backward(dy, x, mean, var, g, epsilon=1e-3)
    want = bn_inference_backward_ref(dy, x, mean, var, g, 1e-3)
    for name, a, e in zip(["dx", "dmean", "dvar", "dscale", "doffset"], got, want):
        np.testing.assert_allclose(a, e, atol=5e-5, rtol=1e-4, err_msg=name)


def _fd(f, a, eps):
    grad = np.zeros(a.shape)
    for p in np.ndindex(a.shape):
        old = a[p]
        a[p] = old + eps
        fp = f()
        a[p] = old - eps
        fm = f()
        a[p] = old
        grad[p] = (fp - fm) / (2 * eps)
    return grad


def test_train_backward_finite_differences():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 3, 2))
    g = rng.standard_normal(2) + 1
    b = rng.standard_normal(2)
    w = rng.standard_normal((4, 3, 2))
    loss = lambda: float((batch_norm_train(x, g, b)[0].astype(np.float64) * w).sum())  # noqa: E731
    _, mean, _, inv = batch_norm_train(x, g, b)
    dx, dg, db = batch_norm_train_backward(w, x, mean, inv, g)
    # reference backward (float64) agrees tightly with float64 finite differences
    ref_loss = lambda: float((bn_train_ref(x, g, b)[0] * w).sum())  # noqa: E731
    np.testing.assert_allclose(bn_train_backward_ref(w, x, g)[0], _fd(ref_loss, x, 1e-6),
                               atol=1e-7, rtol=1e-6)
    # kernel gradients vs finite differences of the float32 kernel
    np.testing.assert_allclose(dx, _fd(loss, x, 1e-2), atol=2e-3, rtol=1e-2)
    np.testing.assert_allclose(dg, _fd(loss, g, 1e-2), atol=2e-3, rtol=1e-2)
    np.testing.assert_allclose(db, _fd(loss, b, 1e-2), atol=2e-3, rtol=1e-2)


def test_inference_backward_finite_differences():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((5, 3))
    mean = rng.standard_normal(3)
    var = rng.uniform(0.5, 2, 3)
    g = rng.standard_normal(3) + 1
    b = rng.standard_normal(3)
    w = rng.standard_normal((5, 3))
    loss = lambda: float((bn_inference_ref(x, mean, var, g, b) * w).sum())  # noqa: E731
    dx, dm, dv, dg, db = batch_norm_inference_backward(w, x, mean, var, g)
    for a, arr in [(dx, x), (dm, mean), (dv, var), (dg, g), (db, b)]:
        np.testing.assert_allclose(a, _fd(loss, arr, 1e-6), atol=1e-5, rtol=1e-4)


def test_one_and_two_threads_identical(force_parallel):
    x, g, b = _data((513, 37), seed=11)
    dy = np.random.default_rng(12).standard_normal(x.shape).astype(np.float32)
    old = pyfapi.get_num_threads()
    res = []
    try:
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            y, mean, var, inv = batch_norm_train(x, g, b)
            res.append((y, mean, var, inv, *batch_norm_train_backward(dy, x, mean, inv, g),
                        *batch_norm_inference_backward(dy, x, mean, var, g)))
    finally:
        pyfapi.set_num_threads(old)
    for a, e in zip(*res):
        np.testing.assert_array_equal(a, e)


def test_empty_inputs():
    x = np.zeros((0, 3), np.float32)
    with pytest.raises(ValueError, match=r"empty batch: x has shape \(0, 3\)"):
        batch_norm_train(x)
    y = batch_norm_inference(x, np.zeros(3), np.ones(3))
    assert y.shape == (0, 3)
    dx, dm, dv, dg, db = batch_norm_inference_backward(x, x, np.zeros(3), np.ones(3))
    assert dx.shape == (0, 3) and not dm.any() and not dv.any() and not dg.any() and not db.any()


def test_bad_inputs():
    x = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match=r"scale has shape \(2,\), expected \(3,\)"):
        batch_norm_train(x, np.ones(2))
    with pytest.raises(ValueError, match=r"variance has shape \(3, 1\), expected \(3,\)"):
        batch_norm_inference(x, np.zeros(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"at least 1 dimension"):
        batch_norm_train(np.float32(1.0))
    with pytest.raises(ValueError, match=r"d_y has shape \(4, 2\), expected \(4, 3\)"):
        batch_norm_train_backward(np.zeros((4, 2)), x, np.zeros(3), np.ones(3))
    with pytest.raises(TypeError, match="x must be a real"):
        batch_norm_train(np.array([["a"]]))
    with pytest.raises(ValueError, match="epsilon must be >= 0"):
        batch_norm_train(x, epsilon=-1.0)


def test_ops_batch_normalization_any_axis_and_tape():
    from pyfapi import GradientTape, ops
    from pyfapi.autodiff import Tensor
    x, g, b = _data((2, 3, 4), seed=30)
    rng = np.random.default_rng(31)
    mean = rng.standard_normal(3).astype(np.float32)
    var = rng.uniform(0.5, 2, 3).astype(np.float32)
    y = ops.batch_normalization(x, mean, var, axis=1, offset=b[:3], scale=g[:3], epsilon=1e-3)
    xm = np.moveaxis(x, 1, -1)
    want = np.moveaxis(bn_inference_ref(xm, mean, var, g[:3], b[:3], 1e-3), -1, 1)
    np.testing.assert_allclose(y.numpy(), want, atol=2e-5, rtol=1e-5)
    # statistics given with keepdims-like shapes (1, 1, C) are accepted (Keras broadcasting)
    y2 = ops.batch_normalization(x, g.reshape(1, 1, 4), b.reshape(1, 1, 4) ** 2 + 0.5, axis=-1)
    np.testing.assert_allclose(y2.numpy(), bn_inference_ref(x, g, b ** 2 + 0.5), atol=2e-5, rtol=1e-5)
    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        yt, m, v = ops.batch_norm_train(xt, g, b)
        loss = ops.sum(yt * yt)
    (gx,) = tape.gradient(loss, [xt])
    ry, rm, rv = bn_train_ref(x, g, b)
    np.testing.assert_allclose(yt.numpy(), ry, atol=2e-5, rtol=1e-5)
    np.testing.assert_allclose(v.numpy(), rv, rtol=1e-5)
    np.testing.assert_allclose(gx.numpy(), bn_train_backward_ref(2 * ry, x, g)[0], atol=1e-4, rtol=1e-4)
    with pytest.raises(ValueError, match="axis 3 is out of range"):
        ops.batch_normalization(x, mean, var, axis=3)


def test_c_entry_points_guard_themselves():
    from pyfapi import _C
    x = np.ones((4, 3), np.float32)
    with pytest.raises(ValueError):
        _C.batchnorm_train_forward(x, np.ones(2, np.float32), None, 1e-3)
    with pytest.raises(TypeError):
        _C.batchnorm_train_forward(x.astype(np.float64), None, None, 1e-3)
    with pytest.raises(TypeError):
        _C.batchnorm_infer_forward(x, np.zeros(3, np.float32), np.ones(3, np.float32), [1.0, 1, 1],
                                   None, 1e-3)
    with pytest.raises(ValueError):
        _C.batchnorm_train_backward(x[:, :2], x, np.zeros(3, np.float32), np.ones(3, np.float32), None)
