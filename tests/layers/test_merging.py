"""Merge layers: forward vs numpy, graph-build-time shape checks with Keras's messages (the
notebook's inception block as printed must fail), broadcasting, configs."""
import numpy as np
import pytest

from notebook_models import inception_branches_as_printed

import pyfapi
from pyfapi import layers


def _np(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


def _xs(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


@pytest.mark.parametrize("cls,fn,helper", [
    (layers.Add, lambda a: a[0] + a[1] + a[2], layers.add),
    (layers.Multiply, lambda a: a[0] * a[1] * a[2], layers.multiply),
    (layers.Average, lambda a: (a[0] + a[1] + a[2]) / 3, layers.average),
    (layers.Maximum, lambda a: np.maximum(np.maximum(a[0], a[1]), a[2]), layers.maximum),
    (layers.Minimum, lambda a: np.minimum(np.minimum(a[0], a[1]), a[2]), layers.minimum)])
def test_elementwise_merges(cls, fn, helper):
    xs = _xs((3, 5, 2), (3, 5, 2), (3, 5, 2))
    expected = fn([x.astype(np.float64) for x in xs])
    np.testing.assert_allclose(_np(cls()(xs)), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(_np(helper(xs)), expected, rtol=1e-6, atol=1e-6)
    sym = [pyfapi.Input(shape=(5, 2)) for _ in range(3)]
    assert tuple(helper(sym).shape) == (None, 5, 2)
    layer = cls()
    config = layer.get_config()
    assert cls.from_config(config).get_config() == config


def test_subtract():
    a, b = _xs((2, 3), (2, 3))
    np.testing.assert_allclose(_np(layers.subtract([a, b])), a - b, rtol=1e-6)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([pyfapi.Input(shape=(3,))] * 3)


def test_elementwise_broadcasting():
    a, b = _xs((2, 4, 3), (2, 1, 3))
    np.testing.assert_allclose(_np(layers.add([a, b])), a + b, rtol=1e-6)
    assert layers.Add().compute_output_shape([(None, 4, 3), (None, 1, 3)]) == (None, 4, 3)
    assert layers.Add().compute_output_shape([(None, None, 3), (None, 4, 3)]) == (None, None, 3)
    c, d = _xs((2, 4, 3), (2, 3))  # lower rank: axis inserted after the batch axis (Keras)
    np.testing.assert_allclose(_np(layers.add([c, d])), c + d[:, None, :], rtol=1e-6)


def test_add_incompatible_shapes_at_graph_build():
    x = pyfapi.Input(shape=(16, 16, 128))
    y = pyfapi.Input(shape=(32, 32, 128))
    with pytest.raises(ValueError, match="incompatible shapes") as err:
        layers.add([x, y], name="add_bad")
    msg = str(err.value)
    assert "add_bad" in msg and "(16, 16, 128)" in msg and "(32, 32, 128)" in msg
    with pytest.raises(ValueError, match="different batch sizes"):
        layers.Add().compute_output_shape([(2, 3), (4, 3)])
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(pyfapi.Input(shape=(3,)))


def test_concatenate_forward_and_shapes():
    a, b, c = _xs((2, 3, 4), (2, 3, 1), (2, 3, 2))
    np.testing.assert_array_equal(_np(layers.concatenate([a, b, c])),
                                  np.concatenate([a, b, c], -1))
    d = _xs((2, 5, 4))[0]
    np.testing.assert_array_equal(_np(layers.Concatenate(axis=1)([a, d])),
                                  np.concatenate([a, d], 1))
    layer = layers.Concatenate(axis=1)
    assert layer.compute_output_shape([(None, 3, 4), (None, 5, 4)]) == (None, 8, 4)
    assert layer.compute_output_shape([(None, None, 4), (None, 5, 4)]) == (None, None, 4)
    assert layer.compute_output_shape([(None, 3, None), (None, 5, 4)]) == (None, 8, 4)
    l_in, r_in = pyfapi.Input(shape=(32,)), pyfapi.Input(shape=(16,))
    assert tuple(layers.concatenate([l_in, r_in], axis=-1).shape) == (None, 48)
    config = layers.Concatenate(axis=2).get_config()
    assert config["axis"] == 2
    assert layers.Concatenate.from_config(config).get_config() == config


def test_concatenate_notebook_inception_as_printed_fails_at_graph_build():
    x = pyfapi.Input(shape=(32, 32, 256))
    branch_a, branch_b, branch_c, branch_d = inception_branches_as_printed(x)
    shapes = [tuple(t.shape) for t in (branch_a, branch_b, branch_c, branch_d)]
    assert shapes == [(None, 16, 16, 128), (None, 15, 15, 128), (None, 13, 13, 128),
                      (None, 14, 14, 128)]
    with pytest.raises(ValueError) as err:
        layers.concatenate([branch_a, branch_b, branch_c, branch_d], axis=-1,
                           name="inception_concat")
    msg = str(err.value)
    assert msg.startswith("A `Concatenate` layer requires inputs with matching shapes except "
                          "for the concatenation axis. Received: input_shape=")
    assert "inception_concat" in msg
    for s in shapes:
        assert str(s) in msg


def test_concatenate_errors():
    with pytest.raises(ValueError, match="matching shapes"):
        layers.Concatenate()([pyfapi.Input(shape=(3, 4)), pyfapi.Input(shape=(4,))])
    with pytest.raises(ValueError, match="matching shapes"):
        layers.Concatenate()(_xs((2, 3), (3, 3)))
    with pytest.raises(ValueError, match="out of range"):
        layers.Concatenate(axis=3)([pyfapi.Input(shape=(3,)), pyfapi.Input(shape=(3,))])
    with pytest.raises(ValueError, match="list"):
        layers.Concatenate()(pyfapi.Input(shape=(3,)))


def test_merge_layers_autocast_float16_inputs_to_float32_as_keras():
    """Keras 3 casts floating inputs to the layer's float32 compute dtype before merging."""
    a = np.array([2.0], np.float16)
    b = np.array([-0.3684], np.float16)
    y = layers.Subtract()([a, b])
    assert y.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(y), a.astype(np.float32) - b.astype(np.float32))
    z = layers.Concatenate()([a[None], b[None]])
    assert z.dtype == np.float32
