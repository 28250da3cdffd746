"""pyfapi.ops.conv / depthwise_conv / max_pool / average_pool: keras.ops signatures, tape
gradients of the float32 path against the float64 numpy references, dtypes, errors. (Finite-
difference gradchecks of these ops: tests/gradcheck_cases_conv.py via the registry walk.)"""
import numpy as np
import pytest

from pyfapi import ops
from pyfapi.autodiff import GradientTape, Variable
from references.conv_ref import (conv_backward_input_ref, conv_backward_kernel_ref, conv_ref,
                                 depthwise_backward_input_ref, depthwise_backward_kernel_ref,
                                 depthwise_ref)
from references.pool_ref import (avg_pool_backward_ref, avg_pool_ref, max_pool_backward_ref,
                                 max_pool_ref)

TOL = dict(rtol=1e-4, atol=1e-4)


def _grads(fn, *arrays):
    vs = [Variable(a) for a in arrays]
    with GradientTape() as tape:
        y = fn(*vs)
        w = np.cos(np.arange(y.value.size, dtype=np.float32)).reshape(y.shape)
        loss = ops.sum(y * w)
    return y.value, w, tape.gradient(loss, vs)


@pytest.mark.parametrize("x_shape, k_shape, kw", [
    ((2, 6, 5, 3), (3, 2, 3, 4), dict(strides=(2, 1), padding="same")),
    ((1, 7, 7, 2), (3, 3, 2, 3), dict(padding="valid", dilation_rate=2)),
    ((2, 9, 3), (4, 3, 2), dict(strides=2, padding="causal")),
])
def test_conv_op_and_tape_gradients(x_shape, k_shape, kw):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(np.float32)
    k = rng.standard_normal(k_shape).astype(np.float32)
    s, p, d = kw.get("strides", 1), kw["padding"], kw.get("dilation_rate", 1)
    y, w, (gx, gk) = _grads(lambda a, b: ops.conv(a, b, data_format="channels_last", **kw), x, k)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, conv_ref(x, k, s, p, d), **TOL)
    np.testing.assert_allclose(gx.numpy(), conv_backward_input_ref(w, k, x.shape, s, p, d), **TOL)
    np.testing.assert_allclose(gk.numpy(), conv_backward_kernel_ref(x, w, k.shape, s, p, d), **TOL)


def test_depthwise_op_and_tape_gradients():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, 2)).astype(np.float32)
    y, w, (gx, gk) = _grads(lambda a, b: ops.depthwise_conv(a, b, 2, "same"), x, k)
    np.testing.assert_allclose(y, depthwise_ref(x, k, 2, "same"), **TOL)
    np.testing.assert_allclose(gx.numpy(), depthwise_backward_input_ref(w, k, x.shape, 2, "same"), **TOL)
    np.testing.assert_allclose(gk.numpy(), depthwise_backward_kernel_ref(x, w, k.shape, 2, "same"), **TOL)


@pytest.mark.parametrize("x_shape, pool, strides, padding", [
    ((2, 5, 6, 3), 2, None, "same"),
    ((1, 7, 7, 2), (3, 2), (1, 2), "valid"),
    ((2, 9, 4), 3, 2, "same"),
])
def test_pool_ops_and_tape_gradients(x_shape, pool, strides, padding):
    x = np.random.default_rng(2).standard_normal(x_shape).astype(np.float32)
    y, w, (g,) = _grads(lambda a: ops.max_pool(a, pool, strides, padding), x)
    np.testing.assert_array_equal(y, max_pool_ref(x, pool, strides, padding).astype(np.float32))
    np.testing.assert_allclose(g.numpy(), max_pool_backward_ref(x, w, pool, strides, padding), **TOL)
    y, w, (g,) = _grads(lambda a: ops.average_pool(a, pool, strides, padding), x)
    np.testing.assert_allclose(y, avg_pool_ref(x, pool, strides, padding), **TOL)
    np.testing.assert_allclose(g.numpy(), avg_pool_backward_ref(w, x.shape, pool, strides, padding), **TOL)


def test_float64_inputs_give_float64_results():
    x = np.ones((1, 4, 4, 2))
    assert ops.conv(x, np.ones((3, 3, 2, 1)), padding="same").dtype == np.float64
    assert ops.depthwise_conv(x, np.ones((3, 3, 2, 1))).dtype == np.float64
    assert ops.max_pool(x, 2).dtype == np.float64
    assert ops.average_pool(x.astype(np.float32), 2).dtype == np.float32


@pytest.mark.parametrize("call, match", [
    (lambda: ops.conv(np.ones((1, 4, 4, 2)), np.ones((3, 3, 2, 1)), data_format="channels_first"), "channels_last"),
    (lambda: ops.depthwise_conv(np.ones((1, 4, 4, 2)), np.ones((3, 3, 2, 1)), data_format="NCHW"), "channels_last"),
    (lambda: ops.max_pool(np.ones((1, 4, 4, 2)), 2, data_format="channels_first"), "channels_last"),
    (lambda: ops.average_pool(np.ones((1, 4, 4, 2)), 2, data_format="channels_first"), "channels_last"),
    (lambda: ops.conv(np.ones((1, 4, 4, 2)), np.ones((3, 3, 3, 1))), r"in_channels \(3"),
    (lambda: ops.conv(np.ones((1, 4, 4, 2)), np.ones((3, 3, 2, 1)), padding="causal"), "causal"),
    (lambda: ops.max_pool(np.ones((1, 1, 4, 2)), 2), "input size 1"),
])
def test_op_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_conv_bias_activation_matches_unfused_ops():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    for act in (None, "relu"):
        y, w, (gx, gk, gb) = _grads(lambda a, c, d: ops.conv_bias_activation(a, c, d, 1, "same", activation=act), x, k, b)
        ref = conv_ref(x, k, 1, "same") + b
        mask = np.ones_like(ref) if act is None else (ref > 0)
        np.testing.assert_allclose(y, ref * mask, **TOL)
        g = w * mask
        np.testing.assert_allclose(gx.numpy(), conv_backward_input_ref(g, k, x.shape, 1, "same"), **TOL)
        np.testing.assert_allclose(gk.numpy(), conv_backward_kernel_ref(x, g, k.shape, 1, "same"), **TOL)
        np.testing.assert_allclose(gb.numpy(), g.sum(axis=(0, 1, 2)), **TOL)
    with pytest.raises(ValueError, match="activation"):
        ops.conv_bias_activation(x, k, b, activation="tanh")


def _gradcheck_params():
    from gradcheck_cases_conv import CASES
    return [pytest.param(name, case, id=f"{name}-{i}")
            for name, cases in CASES.items() for i, case in enumerate(cases)]


@pytest.mark.parametrize("name, case", _gradcheck_params())
def test_gradcheck_cases_pass(name, case):
    """The family's registry gradcheck cases (also run by the shared registry walk)."""
    from pyfapi.autodiff.registry import REGISTRY
    from pyfapi.testing import gradcheck
    assert name in REGISTRY and REGISTRY[name].differentiable
    fn, inputs, *kw = case
    gradcheck(fn, inputs, **(kw[0] if kw else {}))


def test_conv_bias_activation_keywords():
    """ops.conv(..., bias=, activation=): the Conv layers' fused path."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 7, 5)).astype(np.float32)
    k = rng.standard_normal((3, 5, 4)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    ref = conv_ref(x, k, 2, "causal")
    np.testing.assert_allclose(ops.conv(x, k, 2, "causal", bias=b, activation="linear"), ref + b, **TOL)
    np.testing.assert_allclose(ops.conv(x, k, 2, "causal", activation="relu"), np.maximum(ref, 0), **TOL)
    np.testing.assert_allclose(ops.conv(x, k, 2, "causal", bias=b, activation="relu"), np.maximum(ref + b, 0), **TOL)
    y, w, (gx, gk) = _grads(lambda a, c: ops.conv(a, c, 2, "causal", activation="relu"), x, k)
    g = w * (ref > 0)
    np.testing.assert_allclose(gx.numpy(), conv_backward_input_ref(g, k, x.shape, 2, "causal"), **TOL)
    np.testing.assert_allclose(gk.numpy(), conv_backward_kernel_ref(x, g, k.shape, 2, "causal"), **TOL)
    with pytest.raises(ValueError, match="bias"):
        ops.conv(x, k, bias=np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="activation"):
        ops.conv(x, k, activation="sigmoid")
