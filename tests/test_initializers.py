"""pyfapi.initializers: statistics against the Keras 3 formulas, seeds, get/serialize."""
import math

import numpy as np
import pytest

from pyfapi import initializers as I
from pyfapi.utils import set_random_seed


@pytest.mark.parametrize("shape,fans", [((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)),
                                        ((3, 2, 4, 6), (24, 36))])
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


# (initializer, shape, expected variance, distribution check)
_FAN_IN, _FAN_OUT = 300, 200


@pytest.mark.parametrize("init,var", [
    (I.GlorotUniform(), 2.0 / (_FAN_IN + _FAN_OUT)),
    (I.GlorotNormal(), 2.0 / (_FAN_IN + _FAN_OUT)),
    (I.HeNormal(), 2.0 / _FAN_IN),
    (I.HeUniform(), 2.0 / _FAN_IN),
    (I.LecunNormal(), 1.0 / _FAN_IN),
    (I.LecunUniform(), 1.0 / _FAN_IN),
    (I.VarianceScaling(3.0, "fan_out", "untruncated_normal"), 3.0 / _FAN_OUT),
    (I.RandomNormal(0.0, 0.05), 0.05 ** 2),
    (I.RandomUniform(-0.05, 0.05), 0.1 ** 2 / 12),
])
def test_variance(init, var):
    set_random_seed(0)
    w = init((_FAN_IN, _FAN_OUT))
    assert w.shape == (_FAN_IN, _FAN_OUT) and w.dtype == np.float32
    # 60000 samples: relative standard error of a variance estimate ~ sqrt(2/n) < 1%
    assert abs(w.var() / var - 1.0) < 0.05
    assert abs(w.mean()) < 4 * math.sqrt(var / w.size)


def test_uniform_bounds_and_truncation():
    set_random_seed(1)
    w = I.GlorotUniform()((30, 70))
    limit = math.sqrt(6.0 / 100)
    assert w.min() >= -limit and w.max() <= limit and w.max() > 0.9 * limit
    t = I.TruncatedNormal(mean=1.0, stddev=0.5)((10000,))
    assert t.min() >= 1.0 - 1.0 - 1e-6 and t.max() <= 1.0 + 1.0 + 1e-6
    # the 2-sigma truncated normal has variance 0.7737 sigma^2
    assert abs(t.var() / (0.25 * 0.77374) - 1.0) < 0.05
    h = I.HeNormal()((3, 3, 16, 8))
    std = math.sqrt(2.0 / (9 * 16)) / 0.87962566103423978
    assert np.abs(h).max() <= 2 * std + 1e-6


def test_conv_kernel_fans():
    set_random_seed(2)
    w = I.GlorotUniform()((5, 5, 40, 60))
    limit = math.sqrt(6.0 / (25 * 40 + 25 * 60))
    assert np.abs(w).max() <= limit
    assert abs(w.var() / (limit ** 2 / 3) - 1) < 0.05


@pytest.mark.parametrize("shape", [(7, 7), (5, 11), (11, 5), (3, 2, 13), (1, 1)])
def test_orthogonal(shape):
    set_random_seed(3)
    w = I.Orthogonal(gain=2.0)(shape).astype(np.float64)
    m = w.reshape(-1, shape[-1])
    r, c = m.shape
    if r >= c:
        np.testing.assert_allclose(m.T @ m, 4.0 * np.eye(c), atol=1e-5)
    else:
        np.testing.assert_allclose(m @ m.T, 4.0 * np.eye(r), atol=1e-5)


def test_orthogonal_rejects_1d():
    with pytest.raises(ValueError, match="at least two-dimensional"):
        I.Orthogonal()((5,))


def test_constant_zeros_ones():
    np.testing.assert_array_equal(I.Zeros()((2, 3)), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(I.Ones()((4,)), np.ones(4, np.float32))
    np.testing.assert_array_equal(I.Constant(2.5)((3,)), np.full(3, 2.5, np.float32))
    assert I.Zeros()((2,), dtype="float64").dtype == np.float64
    with pytest.raises(ValueError, match="floating"):
        I.Ones()((2,), dtype="int32")


def test_set_random_seed_reproducible():
    set_random_seed(123)
    a = [I.GlorotUniform()((4, 5)), I.Orthogonal()((3, 3)), I.TruncatedNormal()((6,))]
    set_random_seed(123)
    b = [I.GlorotUniform()((4, 5)), I.Orthogonal()((3, 3)), I.TruncatedNormal()((6,))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    # unseeded initializers advance the global stream: two calls differ
    assert not np.array_equal(I.GlorotUniform()((4, 5)), I.GlorotUniform()((4, 5)))


def test_explicit_seed_same_every_call():
    init = I.HeUniform(seed=7)
    set_random_seed(0)
    a = init((3, 4))
    set_random_seed(99)
    np.testing.assert_array_equal(a, init((3, 4)))
    assert not np.array_equal(a, I.HeUniform(seed=8)((3, 4)))


@pytest.mark.parametrize("name,cls", [("glorot_uniform", I.GlorotUniform),
                                      ("GlorotUniform", I.GlorotUniform),
                                      ("orthogonal", I.Orthogonal), ("zeros", I.Zeros),
                                      ("ones", I.Ones), ("he_normal", I.HeNormal),
                                      ("random_normal", I.RandomNormal),
                                      ("truncated_normal", I.TruncatedNormal),
                                      ("lecun_normal", I.LecunNormal)])
def test_get_by_name(name, cls):
    assert type(I.get(name)) is cls


def test_get_instance_callable_none_and_errors():
    inst = I.Constant(3.0)
    assert I.get(inst) is inst
    fn = lambda shape, dtype=None: np.zeros(shape)  # noqa: E731
    assert I.get(fn) is fn
    assert I.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret initializer"):
        I.get("glorot_uniformm")
    with pytest.raises(ValueError, match="Could not interpret initializer"):
        I.get(3)


@pytest.mark.parametrize("init", [I.GlorotUniform(seed=3), I.Constant(1.5),
                                  I.VarianceScaling(2.0, "fan_avg", "uniform", seed=1),
                                  I.Orthogonal(gain=0.5), I.RandomNormal(1.0, 2.0),
                                  I.TruncatedNormal(stddev=0.1), I.Zeros()])
def test_serialize_round_trip(init):
    cfg = I.serialize(init)
    assert cfg["class_name"] == type(init).__name__
    again = I.get(cfg)
    assert type(again) is type(init) and again.get_config() == init.get_config()


def test_bad_arguments():
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_middle")
    with pytest.raises(ValueError, match="distribution"):
        I.VarianceScaling(distribution="cauchy")
    with pytest.raises(ValueError, match="scale"):
        I.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="seed"):
        I.GlorotUniform(seed="abc")


def test_input_output_axes_fans():
    # Keras 3.15: fans from explicit axes; (4, 6, 5): fan_in = 4 * 6, fan_out = 5
    assert I.compute_fans((4, 6, 5), [0, 1], [2]) == (24, 5)
    set_random_seed(4)
    w = I.HeUniform(input_axes=[0, 1], output_axes=[2])((40, 60, 5))
    assert np.abs(w).max() <= math.sqrt(6.0 / 2400)
    cfg = I.GlorotUniform().get_config()
    assert cfg == {"seed": None, "input_axes": None, "output_axes": None}


def test_lower_case_names_are_the_classes_as_keras():
    """keras.initializers.glorot_uniform(seed=1) is the GlorotUniform class under another name."""
    from pyfapi import initializers as I
    pairs = {"zeros": "Zeros", "ones": "Ones", "constant": "Constant", "glorot_uniform":
             "GlorotUniform", "glorot_normal": "GlorotNormal", "he_normal": "HeNormal",
             "he_uniform": "HeUniform", "lecun_normal": "LecunNormal", "lecun_uniform":
             "LecunUniform", "random_normal": "RandomNormal", "random_uniform": "RandomUniform",
             "truncated_normal": "TruncatedNormal", "variance_scaling": "VarianceScaling",
             "orthogonal": "Orthogonal", "identity": "Identity",
             "IdentityInitializer": "Identity", "OrthogonalInitializer": "Orthogonal"}
    for alias, cls in pairs.items():
        assert getattr(I, alias) is getattr(I, cls), alias
    a = I.glorot_uniform(seed=3)((5, 4))
    b = I.GlorotUniform(seed=3)((5, 4))
    assert (a == b).all()
