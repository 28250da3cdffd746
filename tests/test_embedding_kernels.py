"""pyfapi.kernels.embedding against the float64 numpy reference (tests/references/embedding_ref.py)."""
import numpy as np
import pytest

import pyfapi
from pyfapi.kernels.embedding import check_indices, embedding_lookup, embedding_lookup_backward
from references.embedding_ref import embedding_backward_ref, embedding_lookup_ref


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint8, np.int16, np.uint64])
@pytest.mark.parametrize("shape", [(), (1,), (5,), (3, 4), (2, 3, 5)])
def test_lookup_matches_reference(dtype, shape):
    rng = np.random.default_rng(len(shape))
    table = rng.standard_normal((11, 7)).astype(np.float32)
    idx = rng.integers(0, 11, size=shape).astype(dtype)
    out = embedding_lookup(table, idx)
    assert out.shape == shape + (7,) and out.dtype == np.float32
    np.testing.assert_array_equal(out, embedding_lookup_ref(table, idx))


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_backward_scatter_add_with_repeated_indices(dtype):
    rng = np.random.default_rng(3)
    idx = np.array([[1, 4, 1], [4, 4, 0], [9, 1, 1]], dtype=dtype)  # heavy repetition
    dy = rng.standard_normal(idx.shape + (6,)).astype(np.float32)
    got = embedding_lookup_backward(dy, idx, 10)
    assert got.shape == (10, 6) and got.dtype == np.float32
    np.testing.assert_allclose(got, embedding_backward_ref(dy, idx, 10), rtol=1e-6, atol=1e-6)
    assert not got[[2, 3, 5, 6, 7, 8]].any()  # rows never indexed stay exactly zero


def test_backward_large_random_case():
    rng = np.random.default_rng(8)
    idx = rng.integers(0, 50, size=(64, 9))
    dy = rng.standard_normal((64, 9, 5)).astype(np.float32)
    np.testing.assert_allclose(embedding_lookup_backward(dy, idx, 50),
                               embedding_backward_ref(dy, idx, 50), rtol=1e-5, atol=1e-5)


def test_one_and_two_threads_identical(force_parallel):
    rng = np.random.default_rng(0)
    table = rng.standard_normal((300, 33)).astype(np.float32)
    idx = rng.integers(0, 300, size=(128, 100)).astype(np.int32)
    dy = rng.standard_normal((128, 100, 33)).astype(np.float32)
    old = pyfapi.get_num_threads()
    res = []
    try:
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            res.append((embedding_lookup(table, idx), embedding_lookup_backward(dy, idx, 300)))
    finally:
        pyfapi.set_num_threads(old)
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])


def test_empty_indices_and_table_conversion():
    table = np.arange(12, dtype=np.float64).reshape(4, 3)
    out = embedding_lookup(table, np.zeros((0, 2), np.int64))
    assert out.shape == (0, 2, 3) and out.dtype == np.float32
    assert not embedding_lookup_backward(np.zeros((0, 2, 3)), np.zeros((0, 2), np.int32), 4).any()
    # a float64, Fortran-ordered table is converted once; values match
    np.testing.assert_array_equal(embedding_lookup(np.asfortranarray(table), [3, 0]),
                                  table[[3, 0]].astype(np.float32))
    # non-contiguous indices
    idx = np.arange(8, dtype=np.int64).reshape(2, 4)[:, ::2] % 4
    np.testing.assert_array_equal(embedding_lookup(table, idx), embedding_lookup_ref(table, idx))


def test_finite_difference_gradient():
    """d/dtable of sum(w * lookup(table, idx)) by central differences equals the scatter-add."""
    rng = np.random.default_rng(2)
    table = rng.standard_normal((5, 3))
    idx = np.array([[0, 3], [3, 3], [4, 0]])
    w = rng.standard_normal((3, 2, 3))
    fd = np.zeros_like(table)
    eps = 1e-3
    for p in np.ndindex(table.shape):
        t1, t2 = table.copy(), table.copy()
        t1[p] += eps
        t2[p] -= eps
        f1 = (embedding_lookup(t1, idx).astype(np.float64) * w).sum()
        f2 = (embedding_lookup(t2, idx).astype(np.float64) * w).sum()
        fd[p] = (f1 - f2) / (2 * eps)
    np.testing.assert_allclose(embedding_lookup_backward(w, idx, 5), fd, atol=2e-3, rtol=1e-3)


@pytest.mark.parametrize("bad, dtype", [
    (-1, np.int32), (7, np.int32), (-1, np.int64), (7, np.int64), (2 ** 40, np.int64)])
def test_out_of_range_index_raises_index_error(bad, dtype):
    value, pos = bad, (1, 2)
    idx = np.zeros((2, 4), dtype=dtype)
    idx[pos] = bad
    idx[1, 3] = -5  # a later bad index: the first one is reported
    table = np.ones((7, 2), np.float32)
    msg = rf"index {value} at position \(1, 2\).*input_dim=7"
    with pytest.raises(IndexError, match=msg):
        embedding_lookup(table, idx)
    with pytest.raises(IndexError, match=msg):
        embedding_lookup_backward(np.ones((2, 4, 2), np.float32), idx, 7)


def test_uint64_huge_index_raises_index_error():
    idx = np.array([1, 2 ** 63 + 5], dtype=np.uint64)
    with pytest.raises(IndexError, match=rf"index {2 ** 63 + 5} at position \(1,\).*input_dim=7"):
        embedding_lookup(np.ones((7, 2), np.float32), idx)


def test_check_indices_on_big_array_reports_first_bad_position():
    idx = np.zeros(1_000_003, np.int64)
    idx[700_001] = 10
    idx[900_000] = -3
    with pytest.raises(IndexError, match=r"index 10 at position \(700001,\).*input_dim=10"):
        check_indices(idx, 10)
    table = np.ones((10, 3), np.float32)
    with pytest.raises(IndexError, match=r"index 10 at position \(700001,\).*input_dim=10"):
        embedding_lookup(table, idx)  # bounds check fused into the threaded C++ gather
    with pytest.raises(IndexError, match=r"index 10 at position \(700001,\).*input_dim=10"):
        embedding_lookup_backward(np.ones((idx.size, 3), np.float32), idx, 10)
    idx[700_001] = 9
    assert check_indices(idx.reshape(1, -1)[:, :800_000], 10).shape == (1, 800_000)


@pytest.mark.parametrize("indices", [np.array([0.0, 1.0]), np.array([True, False]), [0.5]])
def test_non_integer_indices_raise_type_error(indices):
    with pytest.raises(TypeError, match="indices must be an integer array"):
        embedding_lookup(np.ones((3, 2), np.float32), indices)


def test_bad_table_and_gradient_shapes():
    with pytest.raises(ValueError, match=r"table must be 2-D .* got shape \(3,\)"):
        embedding_lookup(np.ones(3, np.float32), [0])
    with pytest.raises(ValueError, match=r"d_outputs has shape \(2, 2\)"):
        embedding_lookup_backward(np.ones((2, 2), np.float32), np.array([0, 1, 2]), 4)


def test_ops_embedding_lookup_on_the_tape():
    from pyfapi import GradientTape, Variable, ops
    rng = np.random.default_rng(5)
    table = Variable(rng.standard_normal((6, 4)).astype(np.float32))
    idx = np.array([[5, 0, 5], [1, 5, 2]], np.int32)
    w = rng.standard_normal((2, 3, 4)).astype(np.float32)
    with GradientTape() as tape:
        out = ops.embedding_lookup(table, idx)
        loss = ops.sum(out * w)
    (g,) = tape.gradient(loss, [table])
    np.testing.assert_array_equal(out.numpy(), table.numpy()[idx])
    np.testing.assert_allclose(g.numpy(), embedding_backward_ref(w, idx, 6), rtol=1e-6, atol=1e-6)
    # negative indices only with wrap_negative (take semantics); otherwise IndexError
    np.testing.assert_array_equal(ops.embedding_lookup(table, np.array([-1, 0]), wrap_negative=True).numpy(),
                                  table.numpy()[[5, 0]])
    with pytest.raises(IndexError, match=r"index -1 at position \(0,\).*input_dim=6"):
        ops.embedding_lookup(table, np.array([-1, 0]))
    with pytest.raises(IndexError, match=r"index -7 at position \(1,\).*input_dim=6"):
        ops.embedding_lookup(table, np.array([0, -7]), wrap_negative=True)
    with pytest.raises(TypeError, match="indices must be an integer array"):
        ops.embedding_lookup(table, np.array([0.0]))


def test_c_entry_points_guard_themselves():
    """Calling pyfapi._C directly with bad arguments raises or reports the first bad index
    position (and no output); it never reads out of bounds."""
    from pyfapi import _C
    table = np.ones((4, 2), np.float32)
    assert _C.embedding_gather(table, np.array([0, 4, 1, 9], np.int64)) == (1, None)
    assert _C.embedding_scatter_add(np.ones((2, 2), np.float32), np.array([0, -1], np.int32), 4) == (1, None)
    bad, out = _C.embedding_gather(table, np.array([3, 0], np.int32))
    assert bad == -1 and out.shape == (2, 2)
    with pytest.raises(TypeError):
        _C.embedding_gather(table.astype(np.float64), np.array([0], np.int64))
    with pytest.raises(TypeError):
        _C.embedding_gather(table, np.array([0.0]))
    with pytest.raises(ValueError):
        _C.embedding_gather(table, np.arange(4, dtype=np.int32)[::2])
    assert _C.embedding_first_bad_index(np.array([0, 1, 9, -1], np.int32), 4) == 2


def test_ops_take_axis0_runs_on_the_embedding_kernels(run_python):
    """ops.take(table, indices, axis=0) on a float32 2-D table (the Embedding layer's lookup)."""
    from pyfapi import GradientTape, Variable, ops
    from pyfapi.ops import embedding as E
    # importing pyfapi.ops installs the kernels (checked in a fresh interpreter: other tests may
    # swap the hook in this one)
    code = ("import pyfapi.ops; from pyfapi.ops import shape_ops as s; from pyfapi.kernels import "
            "embedding as K; assert s._TAKE_KERNELS == (K.embedding_lookup, K.embedding_lookup_backward)")
    run_python("-c", code)
    E.install_take_kernels()
    rng = np.random.default_rng(6)
    table = Variable(rng.standard_normal((7, 3)).astype(np.float32))
    idx = np.array([[6, 0, -1], [2, 6, 6]], np.int64)  # take wraps negative indices
    w = rng.standard_normal((2, 3, 3)).astype(np.float32)
    with GradientTape() as tape:
        loss = ops.sum(ops.take(table, idx, axis=0) * w)
    (g,) = tape.gradient(loss, [table])
    np.testing.assert_allclose(g.numpy(), embedding_backward_ref(w, idx % 7, 7), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(ops.take(table, idx, axis=0).numpy(), table.numpy()[idx])
