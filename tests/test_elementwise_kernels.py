"""pyfapi.kernels.elementwise.bias_act_backward (csrc/elementwise) against a float64 numpy
reference: relu mask ``where(y > 0, g, 0)`` and the bias gradient (column sums), on odd shapes,
every ISA build, 1 vs 2 threads bitwise; errors raised in Python; its use in the fused
conv_bias_activation and linear ops."""
import numpy as np
import pytest

from pyfapi import _C, ops
from pyfapi.autodiff import GradientTape, Variable
from pyfapi.kernels.elementwise import bias_act_backward

SHAPES = [(1, 1), (0, 5), (3, 0), (7, 37), (129, 67), (257, 131), (2, 3, 5, 16), (13,), (300, 1)]


def _ref(g, y):
    g64 = g.astype(np.float64)
    gm = g64 if y is None else np.where(y > 0, g64, 0.0)
    return gm, gm.reshape(int(np.prod(g.shape[:-1])), g.shape[-1]).sum(axis=0)


@pytest.fixture
def restore():
    isa, nt = _C.active_isa(), _C.get_num_threads()
    yield
    _C.set_isa(isa)
    _C.set_num_threads(nt)


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("relu", [True, False])
def test_matches_reference_every_isa(isa, shape, relu, restore):
    if not _C.set_isa(isa):
        pytest.skip(f"CPU lacks {isa}")
    rng = np.random.default_rng(1)
    g = rng.standard_normal(shape).astype(np.float32)
    y = rng.standard_normal(shape).astype(np.float32) if relu else None
    if relu and y.size:
        y.flat[0] = 0.0  # y == 0: masked (gradient 0 at 0)
    gm, db = bias_act_backward(g, y)
    gm_ref, db_ref = _ref(g, y)
    assert gm.dtype == np.float32 and gm.shape == g.shape
    np.testing.assert_array_equal(gm, gm_ref.astype(np.float32))  # a select: exact
    assert db.shape == (shape[-1],) and db.dtype == np.float32
    np.testing.assert_allclose(db, db_ref, rtol=1e-5, atol=1e-5 * max(1, g.size // max(shape[-1], 1)) ** 0.5)
    if relu:
        assert gm is not g
    _, none = bias_act_backward(g, y, bias_grad=False)
    assert none is None


@pytest.mark.parametrize("isa", ["generic", "avx2", "avx512"])
def test_same_result_with_1_and_2_threads(isa, restore):
    if not _C.set_isa(isa):
        pytest.skip(f"CPU lacks {isa}")
    rng = np.random.default_rng(2)
    g = rng.standard_normal((4099, 67)).astype(np.float32)
    y = rng.standard_normal((4099, 67)).astype(np.float32)
    runs = []
    for nt in (1, 2):
        _C.set_num_threads(nt)
        runs.append(bias_act_backward(g, y) + bias_act_backward(g, None))
    for a, b in zip(runs[0], runs[1]):
        np.testing.assert_array_equal(a, b)


def test_nan_in_masked_positions_is_dropped():
    g = np.array([[np.nan, 1.0, 2.0]], np.float32)
    y = np.array([[-1.0, np.nan, 3.0]], np.float32)
    gm, db = bias_act_backward(g, y)
    np.testing.assert_array_equal(gm, [[0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(db, [0.0, 0.0, 2.0])


def test_bad_input_raises_in_python():
    with pytest.raises(ValueError, match=r"myop: the forward output y has shape \(3, 4\), expected .*\(3, 5\)"):
        bias_act_backward(np.zeros((3, 5), np.float32), np.zeros((3, 4), np.float32), op="myop")
    with pytest.raises(ValueError, match="rank >= 1"):
        bias_act_backward(np.float32(1.0))
    with pytest.raises(TypeError, match="grad must be a float32"):
        bias_act_backward(np.array([["a"]]))
    with pytest.raises(ValueError, match="gout"):  # last guard in C++ (never reached from Python)
        _C.bias_act_backward(np.zeros((2, 2), np.float32), np.zeros((2, 2), np.float32), None, None)
    with pytest.raises(ValueError, match="wrong shape"):
        _C.bias_act_backward(np.zeros((2, 2), np.float32), None, None, np.zeros(3, np.float32))


def _tape_grads(fn, *arrays):
    vs = [Variable(a) for a in arrays]
    with GradientTape() as tape:
        out = fn(*vs)
        loss = ops.sum(out * np.cos(np.arange(out.size, dtype=np.float32).reshape(out.shape)))
    return [np.asarray(t) for t in tape.gradient(loss, vs)]


def test_conv_bias_relu_backward_matches_numpy():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 7, 5, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, 37)).astype(np.float32)
    b = rng.standard_normal(37).astype(np.float32)
    gx, gk, gb = _tape_grads(lambda x, k, b: ops.conv(x, k, 1, "same", bias=b, activation="relu"), x, k, b)
    y = np.asarray(ops.conv(x, k, 1, "same", bias=b, activation="relu"))
    up = np.cos(np.arange(y.size, dtype=np.float32).reshape(y.shape)).astype(np.float64)
    gm = np.where(y > 0, up, 0.0)
    np.testing.assert_allclose(gb, gm.reshape(-1, 37).sum(0), rtol=1e-5, atol=1e-5)
    from pyfapi.kernels import conv as K
    np.testing.assert_allclose(gk, K.conv_backward_kernel(x, gm, k.shape, 1, "same"), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gx, K.conv_backward_input(gm, k, x.shape, 1, "same"), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("activation", ["relu", None])
def test_linear_backward_matches_numpy(activation):
    from pyfapi.ops.nn import Linear
    from pyfapi.autodiff.registry import apply
    rng = np.random.default_rng(5)
    x = rng.standard_normal((11, 7)).astype(np.float32)
    k = rng.standard_normal((7, 67)).astype(np.float32)
    b = rng.standard_normal(67).astype(np.float32)
    gx, gk, gb = _tape_grads(lambda x, k, b: apply(Linear, x, k, b, activation=activation), x, k, b)
    z = x.astype(np.float64) @ k + b
    up = np.cos(np.arange(z.size, dtype=np.float64).reshape(z.shape))
    gm = np.where(z > 0, up, 0.0) if activation == "relu" else up
    np.testing.assert_allclose(gb, gm.sum(0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gk, x.T.astype(np.float64) @ gm, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gx, gm @ k.T.astype(np.float64), rtol=1e-4, atol=1e-4)
