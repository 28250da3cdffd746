"""pyfapi.kernels.layernorm (csrc/layernorm) against the float64 numpy reference
(tests/references/layernorm_ref.py): odd shapes, every ISA path, 1 vs 2 threads bitwise."""
import numpy as np
import pytest

import pyfapi
from pyfapi import _C
from pyfapi.kernels.layernorm import layer_norm_backward, layer_norm_forward
from references.layernorm_ref import ln_backward_ref, ln_ref

SHAPES = [(1, 1), (5, 3), (2, 7, 5), (3, 17), (130, 33), (1, 1, 1, 13), (0, 4), (4, 64), (2, 257)]
ISAS = [i for i in ("generic", "avx2", "avx512")]


def _data(shape, seed=0, affine=True):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3 + 2).astype(np.float32)
    c = shape[-1]
    g = (rng.standard_normal(c) + 1).astype(np.float32) if affine else None
    b = rng.standard_normal(c).astype(np.float32) if affine else None
    return x, g, b


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_forward_matches_reference(shape, affine, isa):
    x, g, b = _data(shape, seed=len(shape), affine=affine)
    y, mean, inv = layer_norm_forward(x, g, b, 1e-3)
    ry, rm, rinv = ln_ref(x, g, b, 1e-3)
    assert y.shape == x.shape and y.dtype == np.float32 and mean.shape == x.shape[:-1]
    np.testing.assert_allclose(y, ry, atol=3e-5, rtol=1e-5)
    np.testing.assert_allclose(mean, rm, atol=1e-6, rtol=1e-6)
    np.testing.assert_allclose(inv, rinv, rtol=1e-6)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_backward_matches_reference(shape, affine, isa):
    x, g, _ = _data(shape, seed=5, affine=affine)
    dy = np.random.default_rng(9).standard_normal(shape).astype(np.float32)
    _, mean, inv = layer_norm_forward(x, g, None, 1e-3)
    dx, dg, db = layer_norm_backward(dy, x, mean, inv, g)
    rdx, rdg, rdb = ln_backward_ref(dy, x, g, 1e-3)
    scale = 1 + np.abs(rdx).max(initial=0)
    np.testing.assert_allclose(dx, rdx, atol=5e-5 * scale, rtol=1e-4)
    np.testing.assert_allclose(dg, rdg, atol=5e-5 * (1 + np.abs(rdg).max(initial=0)), rtol=1e-4)
    np.testing.assert_allclose(db, rdb, atol=5e-5 * (1 + np.abs(rdb).max(initial=0)), rtol=1e-4)


def test_backward_can_skip_outputs():
    x, g, _ = _data((6, 5))
    _, mean, inv = layer_norm_forward(x, g)
    dx, dg, db = layer_norm_backward(np.ones_like(x), x, mean, inv, g, need_dx=False,
                                     need_dbeta=False)
    assert dx is None and db is None and dg.shape == (5,)


def test_statistics_numerically_careful():
    """Large offset, small spread per row: a float32 E[x^2] - E[x]^2 would lose everything."""
    rng = np.random.default_rng(1)
    x = (1e4 + rng.standard_normal((64, 300))).astype(np.float32)
    y, mean, inv = layer_norm_forward(x, epsilon=0.0)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean, x64.mean(-1), rtol=1e-7)
    np.testing.assert_allclose(inv, 1 / x64.std(-1), rtol=1e-5)
    np.testing.assert_allclose(y, ln_ref(x, eps=0.0)[0], atol=2e-3)


def test_constant_row_gives_zero_not_nan():
    x = np.full((3, 8), 5.0, np.float32)
    y, _, inv = layer_norm_forward(x, epsilon=1e-3)
    assert np.all(y == 0) and np.isfinite(inv).all()


@pytest.mark.parametrize("isa_name", ISAS)
def test_same_bits_on_1_and_2_threads(isa_name):
    old_isa, old_nt = _C.active_isa(), pyfapi.get_num_threads()
    if not _C.set_isa(isa_name):
        pytest.skip(isa_name)
    try:
        x, g, b = _data((1000, 131), seed=3)  # > kMinElemsPerThread work: 2 threads really run
        dy = np.random.default_rng(2).standard_normal(x.shape).astype(np.float32)
        res = []
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            y, m, inv = layer_norm_forward(x, g, b)
            res.append((y, m, inv) + layer_norm_backward(dy, x, m, inv, g))
        for a, b_ in zip(*res):
            assert np.array_equal(a, b_)
    finally:
        _C.set_isa(old_isa)
        pyfapi.set_num_threads(old_nt)


def test_bad_input_raises_before_cpp():
    x = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match="gamma"):
        layer_norm_forward(x, np.ones(5, np.float32))
    with pytest.raises(ValueError, match="epsilon"):
        layer_norm_forward(x, epsilon=-1)
    with pytest.raises(TypeError, match="real"):
        layer_norm_forward(np.array([["a"]]))
    with pytest.raises(ValueError, match="d_y"):
        layer_norm_backward(np.ones((3, 5), np.float32), x, np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="layernorm_forward"):  # the binding's own guard
        _C.layernorm_forward(np.ones((3, 4), np.float32)[:, ::2], None, None, 1e-3)


# ---- the pipelined row kernels (csrc/layernorm/layernorm_rows.inc): row groups of 4 (forward)
# and 2 (backward, AVX-512) with single-row tails, vectors of 4 / 8 / 16 floats with scalar
# tails, lane chunks of 1024 floats, the shifted moments and their second pass.
ROWS = [1, 2, 3, 5, 6, 9]
WIDTHS = [1, 3, 4, 5, 8, 15, 16, 17, 31, 32, 33, 48, 1031, 2053]


def _affine(c, which, seed):
    rng = np.random.default_rng(seed)
    g = (rng.standard_normal(c) + 1).astype(np.float32) if which in ("both", "gamma") else None
    b = rng.standard_normal(c).astype(np.float32) if which in ("both", "beta") else None
    return g, b


@pytest.mark.parametrize("rows", ROWS)
@pytest.mark.parametrize("width", WIDTHS)
def test_row_groups_and_tails_match_reference(rows, width, isa):
    rng = np.random.default_rng(rows * 1000 + width)
    x = (rng.standard_normal((rows, width)) * 2 - 1).astype(np.float32)
    which = ("both", "gamma", "beta", "none")[(rows + width) % 4]
    g, b = _affine(width, which, width)
    y, mean, inv = layer_norm_forward(x, g, b, 1e-3)
    ry, rm, rinv = ln_ref(x, g, b, 1e-3)
    np.testing.assert_allclose(y, ry, atol=3e-5, rtol=1e-5)
    np.testing.assert_allclose(mean, rm, atol=1e-6, rtol=1e-6)
    np.testing.assert_allclose(inv, rinv, rtol=1e-6)
    dy = rng.standard_normal(x.shape).astype(np.float32)
    dx, dg, db = layer_norm_backward(dy, x, mean, inv, g)
    rdx, rdg, rdb = ln_backward_ref(dy, x, g, 1e-3)
    np.testing.assert_allclose(dx, rdx, atol=5e-5 * (1 + np.abs(rdx).max()), rtol=1e-4)
    np.testing.assert_allclose(dg, rdg, atol=5e-5 * (1 + np.abs(rdg).max()), rtol=1e-4)
    np.testing.assert_allclose(db, rdb, atol=5e-5 * (1 + np.abs(rdb).max()), rtol=1e-4)


@pytest.mark.parametrize("need", [(True, False, False), (False, True, False),
                                  (False, False, True), (True, True, False)])
def test_backward_partial_outputs_match_reference(need, isa):
    x, g, _ = _data((7, 37), seed=4)
    dy = np.random.default_rng(8).standard_normal(x.shape).astype(np.float32)
    _, mean, inv = layer_norm_forward(x, g, None, 1e-3)
    out = layer_norm_backward(dy, x, mean, inv, g, need_dx=need[0], need_dgamma=need[1],
                              need_dbeta=need[2])
    for got, want, asked in zip(out, ln_backward_ref(dy, x, g, 1e-3), need):
        if not asked:
            assert got is None
        else:
            np.testing.assert_allclose(got, want, atol=5e-5 * (1 + np.abs(want).max()), rtol=1e-4)


@pytest.mark.parametrize("width", [7, 64, 256, 1031])
def test_shift_far_from_the_mean_still_accurate(width, isa):
    """The first vector of each row (the kernels' shift) far from the rest: the second moment
    about the shift cancels, so the kernel must take a second pass about the mean."""
    rng = np.random.default_rng(width)
    x = rng.standard_normal((6, width)).astype(np.float32)
    x[:, :16] += np.float32(300.0)  # the first vector (4, 8 or 16 floats) an outlier
    x[1] += np.float32(5e3)  # and an offset row
    y, mean, inv = layer_norm_forward(x, epsilon=0.0)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean, x64.mean(-1), rtol=1e-6)
    np.testing.assert_allclose(inv, 1 / x64.std(-1), rtol=1e-6)
    # y = (x - mean) inv with mean rounded to float32: half an ulp of the mean, times inv
    tol = 3e-5 + np.spacing(np.abs(mean)) * inv
    assert np.all(np.abs(y - ln_ref(x, eps=0.0)[0]) <= tol[:, None])


def test_non_finite_rows_stay_in_their_rows(isa):
    x, g, b = _data((9, 40), seed=6)
    x[2, 5] = np.nan
    x[6, 0] = np.inf
    y, mean, inv = layer_norm_forward(x, g, b)
    assert np.isnan(y[2]).all() and np.isnan(y[6]).all() and np.isnan(mean[2])
    ok = [i for i in range(9) if i not in (2, 6)]
    np.testing.assert_allclose(y[ok], ln_ref(x[ok], g, b)[0], atol=3e-5, rtol=1e-5)


@pytest.mark.parametrize("shape", [(1001, 256), (67, 1031), (5, 16), (130, 33)])
@pytest.mark.parametrize("isa_name", ISAS)
def test_same_bits_on_1_and_2_threads_forced(shape, isa_name):
    """Every shape through the 2-thread split (force-threads): row blocks of 64 in both runs,
    the dgamma / dbeta block partials added in block order."""
    old_isa, old_nt = _C.active_isa(), pyfapi.get_num_threads()
    if not _C.set_isa(isa_name):
        pytest.skip(isa_name)
    try:
        x, g, b = _data(shape, seed=11)
        dy = np.random.default_rng(12).standard_normal(shape).astype(np.float32)
        res = []
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            _C._set_force_threads(nt > 1)
            y, m, inv = layer_norm_forward(x, g, b)
            res.append((y, m, inv) + layer_norm_backward(dy, x, m, inv, g))
        for a, b_ in zip(*res):
            assert np.array_equal(a, b_)
    finally:
        _C._set_force_threads(False)
        _C.set_isa(old_isa)
        pyfapi.set_num_threads(old_nt)
