"""pyfapi.constraints: Keras formulas/defaults vs numpy float64, get/serialize, resolution of
layer arguments at construction, and constraints applied after each optimizer step."""
import numpy as np
import pytest

from pyfapi import Input, Model, constraints, layers

RNG = np.random.default_rng(12)
EPS = 1e-7


def _norms(w, axis):
    return np.sqrt((w ** 2).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("shape,axis", [((4, 3), 0), ((4, 3), 1), ((3, 3, 2, 5), (0, 1, 2))])
def test_formulas(shape, axis):
    w = RNG.normal(size=shape) * 2
    n = _norms(w, axis)
    got = constraints.MaxNorm(1.5, axis=axis)(w).numpy()
    np.testing.assert_allclose(got, w * np.clip(n, 0, 1.5) / (EPS + n), rtol=1e-5)
    got = constraints.MinMaxNorm(0.5, 1.0, rate=0.7, axis=axis)(w).numpy()
    desired = 0.7 * np.clip(n, 0.5, 1.0) + 0.3 * n
    np.testing.assert_allclose(got, w * desired / (EPS + n), rtol=1e-5)
    np.testing.assert_allclose(constraints.UnitNorm(axis)(w).numpy(), w / (EPS + n), rtol=1e-5)
    np.testing.assert_array_equal(constraints.NonNeg()(w).numpy(), np.maximum(w, 0))


def test_keras_defaults_and_get():
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert constraints.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0,
                                                     "rate": 1.0, "axis": 0}
    assert constraints.UnitNorm().get_config() == {"axis": 0}
    assert isinstance(constraints.get("non_neg"), constraints.NonNeg)
    assert isinstance(constraints.get("MaxNorm"), constraints.MaxNorm)
    assert isinstance(constraints.get("unit_norm"), constraints.UnitNorm)
    cfg = constraints.serialize(constraints.MaxNorm(3, axis=1))
    assert cfg == {"module": "keras.constraints", "class_name": "MaxNorm",
                   "config": {"max_value": 3, "axis": 1}, "registered_name": None}
    assert constraints.get(cfg).get_config() == {"max_value": 3, "axis": 1}
    assert constraints.get(None) is None
    with pytest.raises(ValueError, match="nonneg"):
        constraints.get("nonneg")


def test_layer_constraints_resolve_at_construction_and_apply_after_updates():
    with pytest.raises(ValueError, match="Dense.*kernel_constraint.*'positive'"):
        layers.Dense(2, kernel_constraint="positive")
    d = layers.Dense(3, kernel_constraint="non_neg", bias_constraint={"class_name": "MaxNorm",
                                                                      "config": {"max_value": 0.1}})
    assert isinstance(d.kernel_constraint, constraints.NonNeg)
    clone = layers.Dense.from_config(d.get_config())
    assert isinstance(clone.bias_constraint, constraints.MaxNorm)
    assert clone.bias_constraint.max_value == 0.1
    inp = Input(shape=(4,))
    model = Model(inp, d(inp))
    model.compile("sgd", "mse")
    x = RNG.normal(size=(16, 4))
    model.fit(x, -10 * np.abs(RNG.normal(size=(16, 3))), epochs=3, verbose=0)
    kernel, bias = model.get_weights()
    assert kernel.min() >= 0.0
    assert np.linalg.norm(bias) <= 0.1 + 1e-5
