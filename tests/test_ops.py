"""Forward results of pyfapi.ops against plain numpy (float64 references)."""
import math

import numpy as np
import pytest

from pyfapi import ops
from pyfapi.autodiff import Tensor

rng = np.random.default_rng(7)


def r(*s):
    return rng.standard_normal(s)


def close(t, ref, rtol=1e-6, atol=1e-6):
    assert isinstance(t, Tensor)
    np.testing.assert_allclose(t.numpy(), ref, rtol=rtol, atol=atol)
    assert t.shape == np.shape(ref)


A, B = r(1, 3, 1), r(4, 1, 5)
P = rng.uniform(0.5, 2, (3, 4))
X = r(3, 4)


@pytest.mark.parametrize("name,ref", [
    ("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply), ("divide", np.divide),
    ("maximum", np.maximum), ("minimum", np.minimum),
])
def test_binary_broadcasting(name, ref):
    close(getattr(ops, name)(A, B), ref(A, B))


@pytest.mark.parametrize("name,ref,x", [
    ("negative", np.negative, X), ("exp", np.exp, X), ("log", np.log, P), ("sqrt", np.sqrt, P),
    ("square", np.square, X), ("abs", np.abs, X), ("absolute", np.abs, X), ("expm1", np.expm1, X),
    ("log1p", np.log1p, P), ("reciprocal", lambda v: 1 / v, P), ("sign", np.sign, X),
    ("tanh", np.tanh, X), ("relu", lambda v: np.maximum(v, 0), X),
    ("relu6", lambda v: np.clip(v, 0, 6), X * 5),
    ("sigmoid", lambda v: 1 / (1 + np.exp(-v)), X * 10),
    ("softplus", lambda v: np.log1p(np.exp(v)), X * 3),
    ("log_sigmoid", lambda v: -np.log1p(np.exp(-v)), X * 3),
    ("softsign", lambda v: v / (1 + np.abs(v)), X),
    ("silu", lambda v: v / (1 + np.exp(-v)), X),
    ("elu", lambda v: np.where(v > 0, v, np.exp(v) - 1), X),
    ("selu", lambda v: 1.0507009873554805 * np.where(v > 0, v, 1.6732632423543772 * (np.exp(v) - 1)), X),
    ("leaky_relu", lambda v: np.where(v >= 0, v, 0.2 * v), X),
    ("hard_sigmoid", lambda v: np.clip(v + 3, 0, 6) / 6, X * 4),
    ("hard_silu", lambda v: v * np.clip(v + 3, 0, 6) / 6, X * 4),
    ("gelu", lambda v: 0.5 * v * (1 + np.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3))), X),
])
def test_unary(name, ref, x):
    close(getattr(ops, name)(x), ref(x))


def test_gelu_exact():
    ref = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in X.ravel()]).reshape(X.shape)
    close(ops.gelu(X, approximate=False), ref)


def test_power_clip_where():
    close(ops.power(P, X), P ** X)
    close(ops.clip(X, -0.5, 0.3), np.clip(X, -0.5, 0.3))
    c = X > 0
    close(ops.where(c, X, -X), np.abs(X))
    close(ops.where(c, X, 0.0), np.where(c, X, 0))
    idx = ops.where(np.array([0, 1, 0, 1]))
    np.testing.assert_array_equal(idx[0].numpy(), [1, 3])


def test_matmul_variants():
    close(ops.matmul(X.astype(np.float32), P.T.astype(np.float32)), X @ P.T, rtol=1e-5, atol=1e-5)
    close(ops.matmul(X, P.T), X @ P.T)
    a, b = r(2, 3, 4), r(4, 5)
    close(ops.matmul(a, b), a @ b)
    v = r(4)
    close(ops.matmul(v, b), v @ b)
    close(ops.matmul(v, v), v @ v)
    out = ops.matmul(np.ones((3, 2), np.float32), np.ones((2, 4), np.float32))
    assert out.dtype == np.float32
    # odd, non-contiguous float32 operands go through the C++ GEMM
    big = rng.standard_normal((7, 13)).astype(np.float32)
    close(ops.matmul(big[:, ::2], big.T[::2, :5]), big[:, ::2].astype(np.float64) @ big.T[::2, :5], rtol=1e-4, atol=1e-4)
    close(ops.matmul(np.ones((0, 3), np.float32), np.ones((3, 2), np.float32)), np.zeros((0, 2)))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False), (-1, True)])
def test_reductions(axis, keepdims):
    x = r(2, 3, 4)
    for name, ref in [("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min)]:
        close(getattr(ops, name)(x, axis=axis, keepdims=keepdims), ref(x, axis=axis, keepdims=keepdims))


def test_arg_reductions_and_comparisons():
    x = r(3, 5)
    np.testing.assert_array_equal(ops.argmax(x, axis=1).numpy(), np.argmax(x, axis=1))
    np.testing.assert_array_equal(ops.argmin(x).numpy(), np.argmin(x))
    assert ops.argmax(x, axis=-1).dtype == np.int32
    for name, ref in [("equal", np.equal), ("not_equal", np.not_equal), ("less", np.less),
                      ("less_equal", np.less_equal), ("greater", np.greater), ("greater_equal", np.greater_equal)]:
        np.testing.assert_array_equal(getattr(ops, name)(x, 0.0).numpy(), ref(x, 0.0))


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_log_softmax(axis):
    x = r(3, 4) * 30  # large values: must stay finite
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    sm = e / e.sum(axis=axis, keepdims=True)
    close(ops.softmax(x, axis=axis), sm)
    close(ops.log_softmax(x, axis=axis), np.log(sm), atol=1e-5)
    close(ops.softmax(x.astype(np.float32), axis=axis), sm, rtol=1e-4, atol=1e-6)


def test_crossentropies():
    logits = r(5, 4)
    labels = np.array([0, 3, 1, 1, 2])
    onehot = np.eye(4)[labels]
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    close(ops.sparse_categorical_crossentropy(labels, logits, from_logits=True), -logp[np.arange(5), labels])
    close(ops.categorical_crossentropy(onehot, logits, from_logits=True), -logp[np.arange(5), labels])
    p = np.exp(logp)
    close(ops.categorical_crossentropy(onehot, p), -logp[np.arange(5), labels], atol=1e-6)
    close(ops.sparse_categorical_crossentropy(labels, p), -logp[np.arange(5), labels], atol=1e-6)
    t = rng.random((3, 4))
    close(ops.binary_crossentropy(t, X, from_logits=True),
          -(t * np.log(1 / (1 + np.exp(-X))) + (1 - t) * np.log(1 - 1 / (1 + np.exp(-X)))))
    with pytest.raises(ValueError, match=r"target values must be in \[0, 4\)"):
        ops.sparse_categorical_crossentropy(np.array([4]), r(1, 4), from_logits=True)


def test_one_hot():
    np.testing.assert_array_equal(ops.one_hot(np.array([2, 0]), 3).numpy(), [[0, 0, 1], [1, 0, 0]])
    assert ops.one_hot(np.array([1]), 2).dtype == np.float32


def test_shape_ops():
    x = r(2, 3, 4)
    close(ops.reshape(x, (4, -1)), x.reshape(4, -1))
    close(ops.transpose(x), x.T)
    close(ops.transpose(x, (1, 0, 2)), x.transpose(1, 0, 2))
    close(ops.expand_dims(x, 1), x[:, None])
    close(ops.squeeze(x[:, :1]), x[:, 0])
    close(ops.squeeze(x[:, :1], axis=1), x[:, 0])
    close(ops.concatenate([x, x[:, :1]], axis=1), np.concatenate([x, x[:, :1]], axis=1))
    close(ops.stack([x, x], axis=-1), np.stack([x, x], -1))
    parts = ops.split(x, 2, axis=2)
    assert len(parts) == 2
    close(parts[1], x[..., 2:])
    close(ops.split(x, [1], axis=1)[1], x[:, 1:])
    close(ops.broadcast_to(r(1, 4), (3, 4)) * 0 + 1, np.ones((3, 4)))
    close(ops.pad(x[0], ((1, 0), (0, 2))), np.pad(x[0], ((1, 0), (0, 2))))
    close(ops.tile(x[0], (2, 1)), np.tile(x[0], (2, 1)))
    close(ops.repeat(x[0], 2, axis=0), np.repeat(x[0], 2, axis=0))
    close(ops.swapaxes(x, 0, 2), np.swapaxes(x, 0, 2))
    close(ops.moveaxis(x, 0, -1), np.moveaxis(x, 0, -1))
    close(ops.slice(x, (0, 1, 2), (2, 2, 1)), x[0:2, 1:3, 2:3])
    with pytest.raises(ValueError, match="squeeze: cannot squeeze axis 1 of size 3"):
        ops.squeeze(x, axis=1)
    with pytest.raises(ValueError, match="split: axis 1 of size 3 cannot be split into 2"):
        ops.split(x, 2, axis=1)


def test_indexing_take():
    x = r(4, 5)
    t = Tensor(x)
    close(t[1], x[1])
    close(t[:, 1:4:2], x[:, 1:4:2])
    close(t[..., None], x[..., None])
    close(t[np.array([3, 0, 3])], x[[3, 0, 3]])
    close(t[Tensor(np.array([1, 2]))], x[[1, 2]])
    close(t[x > 0], x[x > 0])
    idx = np.array([[0, 3], [4, 4]])
    close(ops.take(x, idx, axis=1), np.take(x, idx, axis=1))
    close(ops.take(x, np.array([0, 3, 3]), axis=0), x[[0, 3, 3]])
    close(ops.take(x, np.array([19, 0, -1])), x.ravel()[[19, 0, -1]])
    close(ops.take_along_axis(x, np.argsort(x, axis=1), axis=1), np.sort(x, axis=1))
    with pytest.raises(IndexError, match="get_item"):
        t[7]
    with pytest.raises(TypeError, match="take: indices must be integers"):
        ops.take(x, np.array([0.5]))


def test_cast_and_constants():
    x = np.array([1.7, -2.2])
    c = ops.cast(x, "int32")
    assert c.dtype == np.int32
    np.testing.assert_array_equal(c.numpy(), [1, -2])
    assert ops.cast(x, "float32").dtype == np.float32
    assert ops.ones_like(x).dtype == np.float64 and ops.zeros_like(x, "float32").dtype == np.float32
    assert ops.ones((2,)).dtype == np.float32
    np.testing.assert_array_equal(ops.full_like(x, 3).numpy(), [3, 3])
    assert ops.arange(3).dtype == np.int32
    assert ops.shape(x) == (2,)
    assert ops.convert_to_tensor([1.0]).dtype == np.float32
    np.testing.assert_array_equal(ops.convert_to_numpy(Tensor([1.0])), [1.0])


def test_dtype_policy():
    f = np.ones(3, np.float32)
    i = np.arange(3, dtype=np.int32)
    assert ops.add(f, i).dtype == np.float32
    assert ops.multiply(i, 2.5).dtype == np.float32
    assert ops.add(i, 1).dtype == np.int32
    assert ops.exp(i).dtype == np.float32
    assert ops.mean(i).dtype == np.float32
    assert ops.divide(i, i + 1).dtype == np.float32
    assert ops.add(np.ones(2), 1.0).dtype == np.float64
    assert ops.multiply(f, np.float64(2.0)).dtype == np.float32


def test_logsumexp_var_std_moments_dot_any_all():
    x = r(3, 4) * 20
    ref = np.log(np.exp(x - x.max(1, keepdims=True)).sum(1)) + x.max(1)
    close(ops.logsumexp(x, axis=1), ref)
    close(ops.logsumexp(x), np.log(np.exp(x - x.max()).sum()) + x.max())
    close(ops.var(x, axis=0), x.var(axis=0), rtol=1e-6, atol=1e-5)
    close(ops.std(x), x.std(), rtol=1e-6)
    m, v = ops.moments(x, axes=(0,))
    close(m, x.mean(0))
    close(v, x.var(0), atol=1e-5)
    a, b = r(3, 4), r(4, 2)
    close(ops.dot(a, b), a @ b)
    close(ops.dot(2.0, a), 2 * a)
    np.testing.assert_array_equal(ops.any(x > 0, axis=1).numpy(), (x > 0).any(1))
    np.testing.assert_array_equal(ops.all(x > -100).numpy(), True)
    np.testing.assert_array_equal(ops.isnan(np.array([np.nan, 1.0])).numpy(), [True, False])


def test_matmul_numpy_fallback_matches_kernel(monkeypatch):
    import pyfapi.ops.math as m
    a = rng.standard_normal((5, 7)).astype(np.float32)
    b = rng.standard_normal((7, 3)).astype(np.float32)
    k = ops.matmul(a, b).numpy()
    monkeypatch.setattr(m, "USE_GEMM_KERNEL", False)
    np.testing.assert_allclose(ops.matmul(a, b).numpy(), k, rtol=1e-5, atol=1e-5)


def test_take_kernel_hook_is_used_and_matches_numpy():
    from pyfapi.autodiff import GradientTape, Variable
    from pyfapi.ops import shape_ops
    calls = []

    def gather(table, idx):
        calls.append("g")
        return table[idx]

    def scatter_add(grad, idx, n):
        calls.append("s")
        out = np.zeros((n, grad.shape[-1]), np.float32)
        np.add.at(out, idx.reshape(-1), grad.reshape(-1, grad.shape[-1]))
        return out

    table = rng.standard_normal((5, 3)).astype(np.float32)
    idx = np.array([[0, 4], [-1, 2]])
    installed = shape_ops._TAKE_KERNELS  # the C++ embedding kernels, restored afterwards
    shape_ops.register_take_kernels(gather, scatter_add)
    try:
        w = Variable(table)
        with GradientTape() as tape:
            y = ops.take(w, idx, axis=0)
            loss = ops.sum(y * 2.0)
        g = tape.gradient(loss, w)
    finally:
        shape_ops.register_take_kernels(*(installed or (None, None)))
    assert calls == ["g", "s"]
    np.testing.assert_array_equal(y.numpy(), np.take(table, idx, axis=0))
    expect = np.zeros((5, 3), np.float32)
    np.add.at(expect, np.array([0, 4, 4, 2]), 2.0)
    np.testing.assert_array_equal(g.numpy(), expect)


@pytest.mark.parametrize("use_kernel", [True, False])
def test_linear_matches_numpy(use_kernel, monkeypatch):
    import pyfapi.ops.math as m
    monkeypatch.setattr(m, "USE_GEMM_KERNEL", use_kernel)
    x = rng.standard_normal((7, 5)).astype(np.float32)
    k = rng.standard_normal((5, 3)).astype(np.float32)
    b = rng.standard_normal(3).astype(np.float32)
    ref = x.astype(np.float64) @ k + b
    close(ops.linear(x, k, b), ref, rtol=1e-5, atol=1e-5)
    close(ops.linear(x, k, b, activation="relu"), np.maximum(ref, 0), rtol=1e-5, atol=1e-5)
    close(ops.linear(x.reshape(7, 1, 5), k), (x.astype(np.float64) @ k).reshape(7, 1, 3), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"linear: incompatible shapes \(7, 5\) and \(4, 3\)"):
        ops.linear(x, k[:4])
    with pytest.raises(ValueError, match=r"linear: bias has shape \(2,\)"):
        ops.linear(x, k, b[:2])


def test_linear_relu_gradient_float32_matches_composite():
    from pyfapi.autodiff import GradientTape, Variable
    x = rng.standard_normal((6, 4)).astype(np.float32)
    k = Variable(rng.standard_normal((4, 3)))
    b = Variable(rng.standard_normal(3))
    with GradientTape(persistent=True) as tape:
        y1 = ops.sum(ops.linear(x, k, b, activation="relu") * 1.5)
        y2 = ops.sum(ops.relu(ops.matmul(x, k) + b) * 1.5)
    for g1, g2 in zip(tape.gradient(y1, [k, b]), tape.gradient(y2, [k, b])):
        np.testing.assert_allclose(g1.numpy(), g2.numpy(), rtol=1e-5, atol=1e-6)


def test_unstack():
    x = r(2, 3, 4)
    parts = ops.unstack(x, axis=1)
    assert len(parts) == 3
    for i, p in enumerate(parts):
        close(p, x[:, i])
    close(ops.unstack(x, num=2)[1], x[1])
    with pytest.raises(ValueError, match="unstack: num=3 does not match axis 0 of size 2"):
        ops.unstack(x, num=3)


# ---- empty inputs and fast paths (regressions; the fuzzer's known bugs are in test_fuzz_ops.py) --
def _grad(fn, x):
    from pyfapi.autodiff import GradientTape, Variable
    v = Variable(x, dtype=x.dtype)
    with GradientTape() as tape:
        y = fn(v)
    return y, tape.gradient(y, v)


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("shape", [(2, 0), (0, 3), (0, 0)])
def test_crossentropies_of_empty_inputs(shape, from_logits):
    """An empty class axis (or batch) gives the per-sample result numpy/Keras give (0 for no class,
    empty for no sample) and an empty gradient, not numpy's 'zero-size array to reduction ...'."""
    x = np.ones(shape, np.float32)
    y, g = _grad(lambda v: ops.categorical_crossentropy(np.ones(shape, np.float32), v,
                                                        from_logits=from_logits), x)
    np.testing.assert_array_equal(y.numpy(), np.zeros(shape[:1]))
    assert g.shape == shape
    if shape[0] == 0:  # sparse: an empty class axis with samples is an out-of-range target
        y, g = _grad(lambda v: ops.sparse_categorical_crossentropy(np.zeros((0,), np.int32), v,
                                                                   from_logits=from_logits), x)
        assert y.shape == (0,) and g.shape == shape


def test_linear_with_no_output_unit_on_3d_input():
    """kernel (in, 0) on a rank-3 input: the backward reshape no longer fails on an empty grad."""
    x = r(2, 3, 4).astype(np.float32)
    y, g = _grad(lambda v: ops.linear(v, np.ones((4, 0), np.float32)), x)
    assert y.shape == (2, 3, 0)
    np.testing.assert_array_equal(g.numpy(), np.zeros((2, 3, 4)))


def test_pad_of_0d_input_and_bad_pad_width():
    """numpy's pad_width rules (one pair per axis, or one pair / one int for all); a 0-d input has
    no axis to pad; anything else raises a ValueError naming pad_width and the input shape."""
    np.testing.assert_array_equal(ops.pad(np.float32(3), 2).numpy(), 3)
    assert ops.pad(np.ones((2, 3)), [1, 2]).shape == (5, 6)
    assert ops.pad(np.ones((2, 3)), [(1, 0), (0, 2)]).shape == (3, 5)
    with pytest.raises(ValueError, match=r"pad_width.*\(2, 3\)"):
        ops.pad(np.ones((2, 3)), [[1, 2], [3]])


@pytest.mark.parametrize("shape", [(128, 10), (40, 3, 5), (2, 64), (64, 65), (33, 1)])
@pytest.mark.parametrize("name", ["max", "min"])
def test_last_axis_extremum_fast_path_is_exact(shape, name):
    """max/min over a short last axis of many rows (transposed reduction) equal numpy's exactly,
    NaN rows included; so do softmax's shift and logsumexp built on it."""
    x = r(*shape).astype(np.float32)
    x.flat[::7] = np.nan
    ref = getattr(np, name)(x, axis=-1, keepdims=True)
    np.testing.assert_array_equal(getattr(ops, name)(x, axis=-1, keepdims=True).numpy(), ref)
    strided = r(*shape, 2).astype(np.float32)[..., 0]
    np.testing.assert_array_equal(getattr(ops, name)(strided, axis=-1).numpy(),
                                  getattr(np, name)(strided, axis=-1))


def test_mean_matches_numpy_bitwise():
    """Mean's direct add.reduce / n equals np.mean bit for bit (float32 and float64)."""
    for dt in (np.float32, np.float64):
        x = (r(37, 11) * 1e3).astype(dt)
        for axis in (None, 0, 1, (0, 1)):
            np.testing.assert_array_equal(ops.mean(x, axis=axis).numpy(), np.mean(x, axis=axis))


# ---- IEEE edge values without RuntimeWarnings (pytest runs with filterwarnings=error) ----------
def test_edge_values_give_ieee_results_without_warnings():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(ops.sqrt(-1.0).numpy())
        assert ops.divide(1.0, 0.0).numpy() == np.inf
        assert np.isnan(ops.divide(0.0, 0.0).numpy())
        assert ops.power(0.0, -1.0).numpy() == np.inf
        assert np.isnan(ops.softmax(np.full((1, 3), -np.inf, np.float32)).numpy()).all()
        assert np.isnan(ops.log_softmax(np.full((1, 3), -np.inf, np.float32)).numpy()).all()


def test_edge_gradients_without_warnings():
    # values as TensorFlow 2 gives them: d sqrt(x)/dx at 0 = inf; d x**0/dx at 0 = nan (0 * 0**-1)
    from pyfapi.autodiff import GradientTape, Variable
    x = Variable(np.array([0.0, 4.0], np.float32))
    with GradientTape() as t:
        y = ops.sum(ops.sqrt(x))
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [np.inf, 0.25])
    with GradientTape() as t:
        y = ops.sum(ops.power(x, 0.0))
    g = t.gradient(y, x).numpy()
    assert np.isnan(g[0]) and g[1] == 0.0
    b = Variable(np.array([0.0, 2.0], np.float32))
    with GradientTape() as t:
        y = ops.sum(ops.divide(1.0, b))
    np.testing.assert_array_equal(t.gradient(y, b).numpy(), [-np.inf, -0.25])


# Expected values: Keras 3.15.1 (TensorFlow backend) keras.ops.*_crossentropy on these inputs.
_CE_PRED = np.array([[0.0, 0.0, 0.0], [0.2, 0.3, 0.5], [1.0, 1.0, 2.0], [0.5, 1e-9, 0.7]], np.float32)
_CE_LABELS = np.array([1, 2, 2, 1])


def test_sparse_categorical_crossentropy_matches_keras_on_zero_and_unnormalised_rows():
    got = ops.sparse_categorical_crossentropy(_CE_LABELS, _CE_PRED).numpy()
    np.testing.assert_allclose(got, [1.0986123, 0.6931472, 1.0986123, 16.300417], rtol=1e-6)


def test_categorical_crossentropy_zero_row_is_nan_as_keras():
    got = ops.categorical_crossentropy(np.eye(3, dtype=np.float32)[_CE_LABELS], _CE_PRED).numpy()
    assert np.isnan(got[0])
    np.testing.assert_allclose(got[1:], [0.6931472, 0.6931472, 16.118095], rtol=1e-6)


def test_crossentropy_gradients_on_zero_row_without_warnings():
    from pyfapi.autodiff import GradientTape, Variable
    p = Variable(_CE_PRED)
    with GradientTape() as t:
        loss = ops.sum(ops.sparse_categorical_crossentropy(_CE_LABELS, p))
    g = t.gradient(loss, p).numpy()
    np.testing.assert_array_equal(g[0], [0.0, 0.0, 0.0])     # all clipped: no gradient (tf.clip_by_value)
    # in-range row: d/dp_j [log(sum p) - log(p_t)] = 1/sum(p) - [j == t] / p_t (float64 by hand)
    np.testing.assert_allclose(g[1], [1.0, 1.0, 1.0 - 1.0 / 0.5], rtol=1e-5)
    with GradientTape() as t:
        loss = ops.sum(ops.categorical_crossentropy(np.eye(3, dtype=np.float32)[_CE_LABELS], p))
    g = t.gradient(loss, p).numpy()
    assert np.isfinite(g[1:]).all()
