"""pyfapi.kernels.pool (max / average pooling) against the float64 numpy references in
tests/references/pool_ref.py; first-maximum tie rule, finite differences, errors, threads."""
import numpy as np
import pytest

from pyfapi import _C
from pyfapi.kernels import pool as P
from references.pool_ref import (avg_pool_backward_ref, avg_pool_ref, max_pool_backward_ref,
                                 max_pool_ref)

# (x shape, pool_size, strides, padding)
CASES = [
    ((1, 1, 1, 1), 1, None, "valid"),
    ((2, 1, 1, 3), 3, None, "same"),             # pool larger than the input, 'same'
    ((2, 5, 6, 3), 2, None, "valid"),
    ((2, 5, 6, 3), 2, None, "same"),             # odd sizes: partial windows at bottom / right
    ((3, 7, 5, 2), (2, 3), (3, 1), "valid"),
    ((2, 7, 7, 5), 2, 3, "same"),                # stride larger than the pool
    ((1, 8, 9, 7), 3, 1, "same"),                # overlapping windows (scatter order)
    ((2, 6, 7, 4), (4, 2), 2, "same"),           # even pool, 'same'
    ((0, 5, 5, 3), 2, None, "valid"),            # empty batch
    ((2, 9, 9, 131), 3, 2, "same"),              # channels > one backward channel block
    ((1, 9, 3), 2, None, "valid"),               # 1-D
    ((2, 10, 5), 3, 1, "same"),
    ((2, 11, 2), 4, 3, "same"),
    ((0, 4, 3), 2, None, "same"),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_pooling_matches_reference(case):
    x_shape, pool, strides, padding = case
    rng = np.random.default_rng(sum(x_shape))
    x = rng.standard_normal(x_shape).astype(np.float32)
    y = P.max_pool_forward(x, pool, strides, padding)
    np.testing.assert_array_equal(y, max_pool_ref(x, pool, strides, padding).astype(np.float32))
    a = P.avg_pool_forward(x, pool, strides, padding)
    np.testing.assert_allclose(a, avg_pool_ref(x, pool, strides, padding), rtol=1e-5, atol=1e-6)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    np.testing.assert_allclose(P.max_pool_backward(x, dy, pool, strides, padding),
                               max_pool_backward_ref(x, dy, pool, strides, padding), rtol=1e-5, atol=1e-6)
    dx = P.avg_pool_backward(dy, x.shape, pool, strides, padding)
    np.testing.assert_allclose(dx, avg_pool_backward_ref(dy, x.shape, pool, strides, padding),
                               rtol=1e-5, atol=1e-6)
    # average pooling is linear: <dy, avg(x)> = <avg_bwd(dy), x>
    assert np.isclose(np.vdot(dy.astype(np.float64), a), np.vdot(dx.astype(np.float64), x), rtol=1e-4, atol=1e-4)


def test_max_pool_gradient_goes_to_first_maximum():
    x = np.array([[1, 3, 3], [3, 0, 2]], np.float32).reshape(1, 2, 3, 1)
    dy = np.ones((1, 1, 1, 1), np.float32)
    dx = P.max_pool_backward(x, dy, (2, 3))
    expected = np.zeros_like(x)
    expected[0, 0, 1, 0] = 1.0  # row-major first of the three 3s
    np.testing.assert_array_equal(dx, expected)
    np.testing.assert_array_equal(max_pool_backward_ref(x, dy, (2, 3)), expected)
    # overlapping windows accumulate on a shared maximum; all-equal windows pick the first
    x = np.zeros((1, 1, 4, 1), np.float32)
    dx = P.max_pool_backward(x, np.ones((1, 1, 3, 1), np.float32), (1, 2), 1)
    np.testing.assert_array_equal(dx.ravel(), [1, 1, 1, 0])


def test_average_pool_same_counts_only_inside_elements():
    x = np.ones((1, 3, 3, 1), np.float32)
    np.testing.assert_array_equal(P.avg_pool_forward(x, 2, padding="same"), np.ones((1, 2, 2, 1)))
    x = np.arange(3, dtype=np.float32).reshape(1, 3, 1)
    np.testing.assert_allclose(P.avg_pool_forward(x, 2, padding="same").ravel(), [0.5, 2.0])


def test_avg_pool_finite_differences():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 4, 5, 2)).astype(np.float32)
    w = rng.standard_normal(P.avg_pool_forward(x, 3, 2, "same").shape)
    g = P.avg_pool_backward(w, x.shape, 3, 2, "same")
    eps = 1e-2
    for i in range(x.size):
        p, m = x.copy(), x.copy()
        p.flat[i] += eps
        m.flat[i] -= eps
        fd = (np.vdot(w, P.avg_pool_forward(p, 3, 2, "same")) - np.vdot(w, P.avg_pool_forward(m, 3, 2, "same"))) / (2 * eps)
        assert abs(fd - g.flat[i]) < 1e-3


def test_max_pool_finite_differences():
    rng = np.random.default_rng(6)
    x = rng.permutation(40).astype(np.float32).reshape(1, 4, 5, 2)  # distinct values, gaps of >= 1
    w = rng.standard_normal(P.max_pool_forward(x, 2, 1, "same").shape)
    g = P.max_pool_backward(x, w, 2, 1, "same")
    eps = 1e-2
    for i in range(x.size):
        p, m = x.copy(), x.copy()
        p.flat[i] += eps
        m.flat[i] -= eps
        fd = (np.vdot(w, P.max_pool_forward(p, 2, 1, "same")) - np.vdot(w, P.max_pool_forward(m, 2, 1, "same"))) / (2 * eps)
        assert abs(fd - g.flat[i]) < 1e-3


@pytest.fixture
def restore_threads():
    n = _C.get_num_threads()
    yield
    _C.set_num_threads(n)


def test_same_result_with_1_and_2_threads(restore_threads, force_parallel):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 33, 31, 70)).astype(np.float32)
    x1 = rng.standard_normal((1, 65, 29, 37)).astype(np.float32)
    runs = []
    for nt in (1, 2):
        _C.set_num_threads(nt)
        out = []
        for xx in (x, x1):
            y = P.max_pool_forward(xx, 3, 2, "same")
            dy = np.cos(y)
            out += [y, P.max_pool_backward(xx, dy, 3, 2, "same"), P.avg_pool_forward(xx, 3, 2, "same"),
                    P.avg_pool_backward(dy, xx.shape, 3, 2, "same")]
        runs.append(out)
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_output_shape_helper():
    assert P.pool_output_shape((None, 9, 8, 3), 2) == (None, 4, 4, 3)
    assert P.pool_output_shape((None, None, 8, 3), 3, 2, "same") == (None, None, 4, 3)
    assert P.pool_output_shape((2, 7, 3), 2, 1, "valid") == (2, 6, 3)


@pytest.mark.parametrize("call, match", [
    (lambda: P.max_pool_forward(np.zeros((2, 5)), 2), r"rank 3 .*got shape \(2, 5\)"),
    (lambda: P.max_pool_forward(np.zeros((2, 1, 5, 3)), 2), r"input size 1 .*pool_size 2"),
    (lambda: P.avg_pool_forward(np.zeros((2, 5, 5, 3)), 0), r"pool_size"),
    (lambda: P.avg_pool_forward(np.zeros((2, 5, 5, 3)), 2, (1, 0)), r"strides"),
    (lambda: P.avg_pool_forward(np.zeros((2, 5, 5, 3)), (2, 2, 2)), r"pool_size .*tuple of 2"),
    (lambda: P.max_pool_forward(np.zeros((2, 5, 5, 3)), 2, padding="causal"), r"padding"),
    (lambda: P.max_pool_backward(np.zeros((2, 5, 5, 3)), np.zeros((2, 3, 3, 3)), 2), r"dy .*\(2, 3, 3, 3\).*\(2, 2, 2, 3\)"),
    (lambda: P.avg_pool_backward(np.zeros((2, 2, 2, 3)), (2, 5, 5, 4), 2), r"dy .*\(2, 2, 2, 3\).*\(2, 2, 2, 4\)"),
], ids=range(8))
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_converts_other_dtypes_and_layouts():
    x = np.arange(2 * 6 * 6 * 3, dtype=np.float64).reshape(2, 6, 6, 3)[:, ::-1]
    np.testing.assert_array_equal(P.max_pool_forward(x, 2), max_pool_ref(x, 2).astype(np.float32))


try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover
    given = None

if given is not None:
    @st.composite
    def _geometries(draw):
        rank = draw(st.sampled_from([1, 2]))
        spatial = [draw(st.integers(1, 9)) for _ in range(rank)]
        pool = tuple(draw(st.integers(1, 4)) for _ in range(rank))
        strides = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 4)] * rank)))
        padding = draw(st.sampled_from(["valid", "same"]))
        if padding == "valid":
            spatial = [max(n, p) for n, p in zip(spatial, pool)]
        return (draw(st.integers(0, 3)), *spatial, draw(st.sampled_from([1, 3, 8, 70]))), pool, strides, padding

    @settings(max_examples=60, deadline=None)
    @given(_geometries())
    def test_pool_random_geometries_match_reference(geom):
        x_shape, pool, strides, padding = geom
        rng = np.random.default_rng(1)
        x = np.round(rng.standard_normal(x_shape), 1).astype(np.float32)  # rounding makes ties
        y = P.max_pool_forward(x, pool, strides, padding)
        np.testing.assert_array_equal(y, max_pool_ref(x, pool, strides, padding).astype(np.float32))
        dy = rng.standard_normal(y.shape).astype(np.float32)
        np.testing.assert_allclose(P.max_pool_backward(x, dy, pool, strides, padding),
                                   max_pool_backward_ref(x, dy, pool, strides, padding), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(P.avg_pool_forward(x, pool, strides, padding),
                                   avg_pool_ref(x, pool, strides, padding), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(P.avg_pool_backward(dy, x.shape, pool, strides, padding),
                                   avg_pool_backward_ref(dy, x.shape, pool, strides, padding), rtol=1e-5, atol=1e-5)
