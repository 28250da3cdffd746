"""Fused last-axis softmax kernels (csrc/softmax, pyfapi.kernels.softmax) and the masked_softmax
op against float64 numpy references: odd shapes (1, primes, empty batch), bool / additive /
broadcast masks, fully masked rows, NaN / inf rows, every ISA path, 1 vs 2 threads bitwise."""
import numpy as np
import pytest

import pyfapi
from pyfapi import _C, ops
from pyfapi.autodiff import GradientTape, Tensor
from pyfapi.kernels.softmax import softmax_backward, softmax_forward
from pyfapi.ops.masked_softmax import masked_softmax

ISAS = ("generic", "avx2", "avx512")  # the `isa` fixture over these paths is in conftest.py


def ref_forward(x, mask=None, uniform=False):
    """float64 reference, written independently of the kernel: masked entries removed from each
    row by hand, row by row."""
    x = np.asarray(x, np.float64)
    out = np.zeros(x.shape)
    n = x.shape[-1]
    keep = np.ones(x.shape, bool) if mask is None or mask.dtype != np.bool_ else \
        np.broadcast_to(mask, x.shape)
    add = np.zeros(x.shape) if mask is None or mask.dtype == np.bool_ else \
        np.broadcast_to(mask.astype(np.float64), x.shape)
    for idx in np.ndindex(*x.shape[:-1]):
        row, k = x[idx] + add[idx], keep[idx]
        if not k.any():
            out[idx] = 1.0 / n if uniform else 0.0
            continue
        v = row[k]
        e = np.exp(v - v.max())
        out[idx][k] = e / e.sum()
    return out


def ref_backward(g, y, mask=None):
    g, y = np.asarray(g, np.float64), np.asarray(y, np.float64)
    d = y * (g - (g * y).sum(-1, keepdims=True))
    if mask is not None and mask.dtype == np.bool_:
        d = np.where(np.broadcast_to(mask, y.shape), d, 0.0)
    return d


# (97, 10): narrow rows (under two vectors) exponentiated across 32-row blocks with a ragged end
SHAPES = [(1, 1), (3, 1), (1, 17), (5, 7), (2, 3, 33), (0, 5), (4, 0), (7, 128), (3, 2, 5, 100),
          (97, 10)]


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_backward_no_mask(shape, isa):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    y = softmax_forward(x)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y, ref_forward(x), rtol=2e-6, atol=1e-7)
    dx = softmax_backward(g, y)
    np.testing.assert_allclose(dx, ref_backward(g, y), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("uniform", [False, True])
@pytest.mark.parametrize("mshape", [(2, 3, 7, 13), (2, 1, 7, 13), (1, 13), (7, 1), (13,)])
def test_bool_mask_with_fully_masked_rows(mshape, uniform, isa):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((2, 3, 7, 13)) * 3).astype(np.float32)
    mask = rng.random(mshape) > 0.4
    if len(mshape) > 1 and mshape[-1] > 1:
        mask[..., 0, :] = False  # a fully masked row
    y = softmax_forward(x, mask, uniform)
    ref = ref_forward(x, mask, uniform)
    np.testing.assert_allclose(y, ref, rtol=2e-6, atol=1e-7)
    m = np.broadcast_to(mask, x.shape)
    assert np.all(y[~m & m.any(-1, keepdims=True)] == 0)  # masked entries exactly 0
    g = rng.standard_normal(x.shape).astype(np.float32)
    dx = softmax_backward(g, y, mask)
    ref_d = ref_backward(g, ref, mask)
    ref_d[~np.broadcast_to(mask, x.shape).any(-1)] = 0.0  # fully masked rows: no gradient
    np.testing.assert_allclose(dx, ref_d, rtol=1e-5, atol=1e-6)


def test_additive_mask_broadcast(isa):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 5, 11)).astype(np.float32)
    add = (rng.standard_normal((5, 11)) * 2).astype(np.float32)
    add[1, 3] = -np.inf
    y = softmax_forward(x, add)
    np.testing.assert_allclose(y, ref_forward(x, add), rtol=2e-6, atol=1e-7)
    assert np.all(y[:, 1, 3] == 0)


def test_nan_and_inf_rows_follow_numpy(isa):
    x = np.array([[0.0, np.nan, 1.0, 2.0, 3.0], [-np.inf] * 5, [np.inf, 0, 1, 2, 3],
                  [-np.inf, 0, 1, -np.inf, -1e30], [-200.0, 0.0, -100.0, -87.0, -88.0]],
                 np.float32)
    with np.errstate(invalid="ignore"):
        e = np.exp(x.astype(np.float64) - x.max(-1, keepdims=True))
        ref = e / e.sum(-1, keepdims=True)
    y = softmax_forward(x)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
    np.testing.assert_allclose(y[3:], ref[3:], rtol=2e-6, atol=1e-30)


def test_exp_accuracy_over_the_range(isa):
    # a row [0, t]: y1 = exp(t) / (1 + exp(t)) checks exp(t) for t in [-87, 0]
    t = np.linspace(-87.0, 0.0, 4001).astype(np.float32)
    x = np.stack([np.zeros_like(t), t], -1)
    y = softmax_forward(x)
    et = np.exp(t.astype(np.float64))
    np.testing.assert_allclose(y[:, 1], et / (1 + et), rtol=3e-7, atol=0)


@pytest.mark.parametrize("width", [131, 10])
@pytest.mark.parametrize("isa_name", ISAS)
def test_same_bits_on_1_and_2_threads(isa_name, width):
    old_isa, old_nt = _C.active_isa(), pyfapi.get_num_threads()
    if not _C.set_isa(isa_name):
        pytest.skip(isa_name)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((67, 3, width)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    mask = rng.random((67, 1, width)) > 0.3
    _C._set_force_threads(True)
    try:
        res = []
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            y0, y1 = softmax_forward(x), softmax_forward(x, mask, True)
            res.append((y0, y1, softmax_backward(g, y0), softmax_backward(g, y1, mask)))
        for a, b in zip(*res):
            assert np.array_equal(a, b)
    finally:
        _C._set_force_threads(False)
        _C.set_isa(old_isa)
        pyfapi.set_num_threads(old_nt)


def test_bad_input_raises_before_cpp():
    with pytest.raises(ValueError, match="does not broadcast"):
        softmax_forward(np.zeros((3, 4), np.float32), np.ones((3, 5), bool))
    with pytest.raises(ValueError, match="rank >= 1"):
        softmax_forward(np.float32(1.0))
    with pytest.raises(TypeError):
        softmax_forward(np.array([["a"]]))
    with pytest.raises(ValueError, match="expected y's shape"):
        softmax_backward(np.zeros((2, 3), np.float32), np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError):  # the binding's own guard: not a broadcast view of x's shape
        _C.softmax_forward(np.zeros((2, 3), np.float32), np.ones((3,), bool), False)


def test_converts_once_non_contiguous_and_float64():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 9))
    np.testing.assert_allclose(softmax_forward(x.T), ref_forward(x.T), rtol=2e-6, atol=1e-7)


# ---- the op -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_masked_softmax_op_value_and_gradients(dtype):
    rng = np.random.default_rng(6)
    x = Tensor(rng.standard_normal((2, 3, 5)).astype(dtype))
    mask = rng.random((2, 1, 5)) > 0.5
    mask[0, 0] = False
    g = rng.standard_normal((2, 3, 5)).astype(dtype)
    for uniform in (False, True):
        with GradientTape() as tape:
            tape.watch(x)
            y = masked_softmax(x, mask, uniform_if_all_masked=uniform)
        dx = tape.gradient(y, x, output_gradients=g)
        assert y.dtype == dtype and dx.dtype == dtype
        ref = ref_forward(x.value, mask, uniform)
        tol = 2e-6 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(y.value, ref, rtol=tol, atol=tol)
        ref_d = ref_backward(g, ref, mask)
        ref_d[~np.broadcast_to(mask, x.shape).any(-1)] = 0.0
        np.testing.assert_allclose(dx.value, ref_d, rtol=10 * tol, atol=10 * tol)


def test_masked_softmax_additive_mask_gradient_is_summed():
    rng = np.random.default_rng(7)
    x = Tensor(rng.standard_normal((4, 6)))
    add = Tensor(rng.standard_normal((1, 6)))
    with GradientTape() as tape:
        tape.watch([x, add])
        y = masked_softmax(x, add)
    g = rng.standard_normal((4, 6))
    dx, dm = tape.gradient(y, [x, add], output_gradients=g)
    ref_d = ref_backward(g, ref_forward(x.value + add.value))
    np.testing.assert_allclose(dx.value, ref_d, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dm.value, ref_d.sum(0, keepdims=True), rtol=1e-10, atol=1e-12)


def test_softmax_op_float32_last_axis_uses_the_kernel_values():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 7, 19)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        y = ops.softmax(xt, axis=-1)
    dx = tape.gradient(y, xt, output_gradients=g)
    np.testing.assert_allclose(y.value, ref_forward(x), rtol=2e-6, atol=1e-7)
    np.testing.assert_allclose(dx.value, ref_backward(g, ref_forward(x)), rtol=1e-5, atol=1e-6)


# ---- sparse softmax cross-entropy (csrc/softmax/xent.cpp) ------------------------------
def _xent_ref(x, t):
    z = x.astype(np.float64)
    z = z - z.max(-1, keepdims=True)
    lse = np.log(np.exp(z).sum(-1))
    loss = lse - z[np.arange(len(t)), t]
    p = np.exp(z - lse[:, None])
    return loss, p


@pytest.mark.parametrize("shape", [(1, 1), (3, 2), (7, 10), (97, 13), (5, 131), (0, 4)])
@pytest.mark.parametrize("ldt", [np.int32, np.int64])
def test_sparse_xent_against_float64(shape, ldt, isa):
    from pyfapi.kernels.softmax import sparse_xent_backward, sparse_xent_forward
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    t = rng.integers(0, shape[1], shape[0]).astype(ldt)
    loss, p = sparse_xent_forward(x, t)
    ref_loss, ref_p = _xent_ref(x, t)
    assert loss.dtype == np.float32 and loss.shape == shape[:1] and p.shape == shape
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(p, ref_p, rtol=2e-6, atol=1e-7)
    g = rng.standard_normal(shape[0]).astype(np.float32)
    onehot = np.eye(shape[1])[t] if shape[0] else np.zeros(shape)
    np.testing.assert_allclose(sparse_xent_backward(g, p, t), g[:, None] * (ref_p - onehot),
                               rtol=2e-6, atol=1e-6)


def test_sparse_xent_underflow_nan_and_bad_labels():
    from pyfapi.kernels.softmax import sparse_xent_forward
    # label's probability underflows float32: the loss still equals the float64 value (~150)
    x = np.array([[0.0, -150.0, 1.0], [np.nan, 0.0, 1.0], [2.0, 2.0, 2.0],
                  [0.0, -800.0, 0.0]], np.float32)  # a gap past double's exp range: 800.69
    loss, _ = sparse_xent_forward(x, np.array([1, 0, 2, 1]))
    np.testing.assert_allclose(loss[0], _xent_ref(x[:1], np.array([1]))[0][0], rtol=1e-6)
    assert np.isnan(loss[1])
    np.testing.assert_allclose(loss[2], np.log(3.0), rtol=1e-6)
    np.testing.assert_allclose(loss[3], 800.0 + np.log(2.0), rtol=1e-6)
    with pytest.raises(ValueError, match=r"must be in \[0, 3\), got 3 at row 1"):
        sparse_xent_forward(x, np.array([0, 3, 1, 0]))
    with pytest.raises(ValueError, match=r"got -1 at row 0"):
        sparse_xent_forward(x, np.array([-1, 0, 1, 0], np.int32))
    with pytest.raises(ValueError, match="expected logits"):
        sparse_xent_forward(x, np.array([0, 1]))


def test_sparse_categorical_crossentropy_op_uses_the_kernel_values():
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((33, 10)) * 2).astype(np.float32)
    t = rng.integers(0, 10, 33)
    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        loss = ops.sparse_categorical_crossentropy(t, xt, from_logits=True)
        total = ops.sum(loss)
    g = tape.gradient(total, xt)
    ref_loss, ref_p = _xent_ref(x, t)
    np.testing.assert_allclose(np.asarray(loss.value), ref_loss, rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(g.value, ref_p - np.eye(10)[t], rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(1, 1), (3, 2), (7, 10), (97, 13), (5, 131), (0, 4)])
def test_xent_with_target_distributions_against_float64(shape, isa):
    from pyfapi.kernels.softmax import xent_backward, xent_forward
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    t = rng.random(shape).astype(np.float32)  # not normalised: sum(t) enters the gradient
    loss, y, lse = xent_forward(x, t)
    z = x.astype(np.float64)
    ref_lse = np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1)) + z.max(-1) if shape[0] \
        else np.zeros(0)
    ref_logp = z - ref_lse[:, None]
    np.testing.assert_allclose(lse, ref_lse, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(loss, -(t * ref_logp).sum(-1), rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(shape[0]).astype(np.float32)
    ref_dx = g[:, None] * (np.exp(ref_logp) * t.sum(-1, keepdims=True) - t)
    np.testing.assert_allclose(xent_backward(g, y, t), ref_dx, rtol=1e-5, atol=1e-6)


def test_xent_with_no_class_reads_nothing():
    from pyfapi.kernels.softmax import xent_forward
    loss, y, lse = xent_forward(np.empty((3, 0), np.float32), np.empty((3, 0), np.float32))
    assert loss.tolist() == [0.0, 0.0, 0.0] and y.shape == (3, 0) and np.all(lse == -np.inf)


def test_categorical_crossentropy_op_kernel_gradients_for_logits_and_target():
    rng = np.random.default_rng(8)
    x = Tensor((rng.standard_normal((9, 6)) * 2).astype(np.float32))
    t = Tensor(rng.dirichlet(np.ones(6), 9).astype(np.float32))
    with GradientTape() as tape:
        tape.watch([x, t])
        total = ops.sum(ops.categorical_crossentropy(t, x, from_logits=True) * 1.5)
    gx, gt = tape.gradient(total, [x, t])
    z = x.value.astype(np.float64)
    logp = z - np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)) - \
        z.max(-1, keepdims=True)
    np.testing.assert_allclose(gx.value, 1.5 * (np.exp(logp) - t.value), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gt.value, -1.5 * logp, rtol=1e-5, atol=1e-6)
