"""pyfapi.kernels.dropout (csrc/dropout): the counter-based keep-mask against a numpy uint64
re-implementation of its stream (exact), its statistics, every ISA path and 1 vs 2 threads
bitwise, and the layers that use it."""
import numpy as np
import pytest

import pyfapi
from pyfapi import _C, layers
from pyfapi.kernels.dropout import draw_seed, dropout_mask
from references.dropout_ref import dropout_mask_ref

ISAS = ["generic", "avx2", "avx512"]
_M64 = (1 << 64) - 1


def _ref_mask(n, rate, seed):
    return dropout_mask_ref((n,), rate, seed)


@pytest.mark.parametrize("shape", [(1,), (2,), (7,), (3, 5, 11), (0, 4), (), (40003,)])
@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5, 0.97])
def test_mask_is_the_documented_stream(shape, rate, isa):
    seed = 0xDEADBEEF12345678 if rate else 3
    m = dropout_mask(shape, rate, seed)
    assert m.shape == shape and m.dtype == np.float32
    np.testing.assert_array_equal(m.reshape(-1), _ref_mask(int(np.prod(shape)), rate, seed))


def test_mask_statistics():
    n, rate = 1 << 20, 0.3
    m = dropout_mask((n,), rate, 12345)
    kept = m != 0
    assert set(np.unique(m)) == {np.float32(0), np.float32(1 / 0.7)}
    sd = np.sqrt(n * rate * (1 - rate))
    assert abs((~kept).sum() - n * rate) < 5 * sd
    # neighbours (the two halves of one draw, and consecutive draws) are independent
    for a, b in ((kept[0::2], kept[1::2]), (kept[1:-1:2], kept[2::2])):
        both = (a & b).mean()
        assert abs(both - (1 - rate) ** 2) < 5 * np.sqrt((1 - rate) ** 2 / len(a))
    # different seeds give different masks
    assert (dropout_mask((n,), rate, 12346) != m).mean() > 0.3


@pytest.mark.parametrize("isa_name", ISAS)
def test_same_bits_on_1_and_2_threads_and_every_isa(isa_name):
    old_isa, old_nt = _C.active_isa(), pyfapi.get_num_threads()
    if not _C.set_isa(isa_name):
        pytest.skip(isa_name)
    try:
        res = []
        for nt in (1, 2):
            pyfapi.set_num_threads(nt)
            _C._set_force_threads(nt > 1)
            res.append(dropout_mask((3, 70001), 0.25, 99))
        assert np.array_equal(res[0], res[1])
        _C.set_isa("generic")
        assert np.array_equal(res[0], dropout_mask((3, 70001), 0.25, 99))
    finally:
        _C._set_force_threads(False)
        _C.set_isa(old_isa)
        pyfapi.set_num_threads(old_nt)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="rate"):
        dropout_mask((3,), 1.0, 0)
    with pytest.raises(ValueError, match="rate"):
        dropout_mask((3,), -0.1, 0)
    with pytest.raises(ValueError, match="seed"):
        dropout_mask((3,), 0.5, -1)
    with pytest.raises(ValueError, match="seed"):
        dropout_mask((3,), 0.5, 1 << 64)
    with pytest.raises(ValueError, match="negative"):
        dropout_mask((3, -1), 0.5, 0)
    with pytest.raises(ValueError, match="dropout_mask"):  # the binding's own guard
        _C.dropout_mask(np.empty((4, 4), np.float32)[:, ::2], 1, 0, 1.0)


def test_draw_seed_spans_64_bits_and_advances():
    rng = np.random.default_rng(0)
    seeds = [draw_seed(rng) for _ in range(64)]
    assert len(set(seeds)) == 64 and all(0 <= s <= _M64 for s in seeds)
    assert max(seeds) >= 1 << 63  # the top bit is drawn too


def test_dropout_layer_uses_the_mask_seeded_and_in_training_only():
    x = np.random.default_rng(0).standard_normal((4, 50)).astype(np.float32)
    a = layers.Dropout(0.4, seed=7)(x, training=True).numpy()
    b = layers.Dropout(0.4, seed=7)(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    want = x * dropout_mask(x.shape, 0.4, draw_seed(np.random.default_rng(7)))
    np.testing.assert_array_equal(a, want)
    out = layers.Dropout(0.4, seed=7)(x)  # inference: the input itself
    np.testing.assert_array_equal(np.asarray(getattr(out, "value", out)), x)
    frac = (a == 0).mean()
    assert 0.25 < frac < 0.55


def test_random_dropout_gradient_is_the_mask():
    from pyfapi.autodiff import GradientTape, Tensor
    x = Tensor(np.ones((3, 33), np.float32))
    with GradientTape() as tape:
        tape.watch(x)
        y = pyfapi.random.dropout(x, 0.5, seed=1)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_array_equal(g, y.numpy())  # d(x * mask)/dx = mask = y at x = 1
    assert set(np.unique(g)) == {np.float32(0), np.float32(2)}
