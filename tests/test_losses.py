"""pyfapi.losses against numpy float64 references (tests/references/training_ref.py), including
edge rows (all-zero targets, zero / one predictions, large logits), reductions with sample weights,
gradients by finite differences, and resolution errors."""
import numpy as np
import pytest

from pyfapi import losses
from pyfapi.autodiff import GradientTape, Tensor, Variable
from pyfapi.testing import gradcheck
from references import training_ref as ref

RNG = np.random.default_rng(7)


def _probs(n, k):
    p = RNG.random((n, k)) + 0.05
    return (p / p.sum(-1, keepdims=True)).astype(np.float32)


def _np(t):
    return np.asarray(t.value if hasattr(t, "value") else t, np.float64)


@pytest.mark.parametrize("fn,rfn", [(losses.mean_squared_error, ref.mse),
                                    (losses.mean_absolute_error, ref.mae)])
@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (7, 1), (3, 4, 2)])
def test_regression_losses_match_numpy(fn, rfn, shape):
    y = RNG.normal(size=shape).astype(np.float32)
    p = RNG.normal(size=shape).astype(np.float32)
    out = fn(y, Tensor(p))
    assert out.shape == shape[:-1]
    np.testing.assert_allclose(_np(out), rfn(y, p), rtol=1e-5, atol=1e-6)


def test_mse_accepts_targets_without_the_unit_axis():
    y = np.array([1.0, 2.0, 3.0])
    p = np.array([[1.5], [2.0], [2.0]], np.float32)
    np.testing.assert_allclose(_np(losses.mse(y, Tensor(p))), [0.25, 0.0, 1.0], rtol=1e-6)


def test_shape_mismatch_is_a_value_error_naming_both_shapes():
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 2\)"):
        losses.mean_squared_error(np.zeros((4, 3)), Tensor(np.zeros((4, 2), np.float32)))


def test_binary_crossentropy_matches_numpy_with_edge_predictions():
    y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]], np.float32)
    p = np.array([[0.0, 1.0, 0.5], [1e-9, 0.999999, 0.3], [1.0, 0.0, 0.0]], np.float32)
    out = _np(losses.binary_crossentropy(y, Tensor(p)))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref.bce(y, p), rtol=1e-4)
    # a confident wrong prediction is bounded by -log(eps) = 16.118
    assert out.max() < 16.2


def test_binary_crossentropy_from_logits_matches_numpy_for_large_logits():
    y = np.array([[1, 0], [0, 1], [1, 0]], np.float32)
    x = np.array([[80.0, -80.0], [0.0, 0.0], [-30.0, 5.0]], np.float32)
    out = _np(losses.binary_crossentropy(y, Tensor(x), from_logits=True))
    np.testing.assert_allclose(out, ref.bce(y, x, from_logits=True), rtol=1e-5, atol=1e-6)


def test_binary_crossentropy_from_logits_gradient_at_zero_is_sigmoid_minus_target():
    x = Variable(np.zeros((3, 1), np.float32))
    y = np.array([[1.0], [0.0], [1.0]], np.float32)
    with GradientTape() as tape:
        loss = losses.BinaryCrossentropy(from_logits=True)(y, x)
    g = _np(tape.gradient(loss, x))
    np.testing.assert_allclose(g, (0.5 - y) / 3, rtol=1e-6)


def test_categorical_crossentropy_all_zero_target_row_is_exactly_zero():
    y = np.array([[0, 1, 0], [0, 0, 0], [1, 0, 0]], np.float32)
    p = np.array([[0.2, 0.8, 0.0], [0.0, 0.0, 1.0], [0.0, 0.5, 0.5]], np.float32)
    out = _np(losses.categorical_crossentropy(y, Tensor(p)))
    assert out[1] == 0.0
    assert np.all(np.isfinite(out))  # zero prediction for the true class is clipped, not -log(0)
    np.testing.assert_allclose(out, ref.cce(y, p), rtol=1e-5)


def test_categorical_crossentropy_renormalises_unnormalised_predictions():
    y = np.eye(4, dtype=np.float32)[[0, 3]]
    p = np.array([[2.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0]], np.float32)
    np.testing.assert_allclose(_np(losses.categorical_crossentropy(y, Tensor(p))),
                               ref.cce(y, p), rtol=1e-6)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_matches_categorical_and_numpy(from_logits):
    labels = np.array([0, 2, 1, 4, 4])
    p = RNG.normal(size=(5, 5)).astype(np.float32) if from_logits else _probs(5, 5)
    sparse = _np(losses.sparse_categorical_crossentropy(labels, Tensor(p),
                                                        from_logits=from_logits))
    dense = _np(losses.categorical_crossentropy(np.eye(5, dtype=np.float32)[labels], Tensor(p),
                                                from_logits=from_logits))
    np.testing.assert_allclose(sparse, ref.sparse_cce(labels, p, from_logits), rtol=1e-5)
    np.testing.assert_allclose(sparse, dense, rtol=1e-5)
    # labels given as (n, 1) are accepted as well
    np.testing.assert_allclose(
        _np(losses.sparse_categorical_crossentropy(labels[:, None], Tensor(p),
                                                   from_logits=from_logits)), sparse)


def test_sparse_label_out_of_range_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        losses.sparse_categorical_crossentropy(np.array([0, 3]), Tensor(_probs(2, 3)))


def test_from_logits_categorical_matches_numpy():
    y = np.eye(3, dtype=np.float32)[[0, 1, 2, 2]]
    x = np.array([[100.0, 0, -100], [1, 2, 3], [0, 0, 0], [-50, 50, 0]], np.float32)
    np.testing.assert_allclose(
        _np(losses.categorical_crossentropy(y, Tensor(x), from_logits=True)),
        ref.cce(y, x, from_logits=True), rtol=1e-5, atol=1e-6)


def test_sum_over_batch_size_reduction_with_sample_weights():
    y = RNG.normal(size=(6, 2)).astype(np.float32)
    p = RNG.normal(size=(6, 2)).astype(np.float32)
    w = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 0.0], np.float32)
    got = float(losses.MeanSquaredError()(y, Tensor(p), sample_weight=w).value)
    # Keras 3: sum(w * l) / N with N the number of samples (zero weights still count in N)
    np.testing.assert_allclose(got, ref.reduce_sum_over_batch(ref.mse(y, p), w), rtol=1e-5)
    unweighted = float(losses.MeanSquaredError()(y, Tensor(p)).value)
    np.testing.assert_allclose(unweighted, ref.mse(y, p).mean(), rtol=1e-5)
    assert float(losses.MeanSquaredError(reduction="sum")(y, Tensor(p)).value) == \
        pytest.approx(ref.mse(y, p).sum(), rel=1e-5)
    none = losses.MeanSquaredError(reduction="none")(y, Tensor(p))
    assert none.shape == (6,)


@pytest.mark.parametrize("name,make_y", [
    ("mse", lambda: RNG.normal(size=(4, 3))),
    ("mae", lambda: RNG.normal(size=(4, 3))),
    ("binary_crossentropy", lambda: RNG.integers(0, 2, (4, 3)).astype(float)),
    ("categorical_crossentropy", lambda: np.eye(3)[RNG.integers(0, 3, 4)]),
])
def test_loss_gradients_by_finite_differences(name, make_y):
    y = make_y()
    p = (RNG.random((4, 3)) * 0.8 + 0.1)
    loss_obj = losses.get(name)
    gradcheck(lambda t: losses.LossFunctionWrapper(loss_obj)(y, t), [p], atol=1e-5, rtol=1e-3)


def test_get_resolves_names_classes_and_callables():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.mean_squared_error
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    fn = lambda y, p: p  # noqa: E731
    assert losses.get(fn) is fn
    assert losses.get(None) is None


def test_get_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'msee'.*mean_squared_error"):
        losses.get("msee")


def test_invalid_reduction():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="avg")


def test_matches_keras_when_installed():
    keras = pytest.importorskip("keras")
    y = np.eye(3, dtype=np.float32)[[0, 1, 2, 1]]
    y[3] = 0.0
    p = np.array([[0.0, 0.5, 0.5], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4], [0.1, 0.1, 0.8]], np.float32)
    k = np.asarray(keras.losses.categorical_crossentropy(y, p))
    np.testing.assert_allclose(_np(losses.categorical_crossentropy(y, Tensor(p))), k, rtol=1e-5)
    yb = np.array([[1.0], [0.0], [1.0], [0.0]], np.float32)
    pb = np.array([[0.0], [1.0], [0.7], [0.2]], np.float32)
    k = np.asarray(keras.losses.binary_crossentropy(yb, pb))
    np.testing.assert_allclose(_np(losses.binary_crossentropy(yb, Tensor(pb))), k, rtol=1e-5)
    w = np.array([1.0, 0.0, 2.0, 1.0], np.float32)
    k = float(keras.losses.MeanSquaredError()(yb, pb, sample_weight=w))
    assert float(losses.MeanSquaredError()(yb, Tensor(pb), sample_weight=w).value) == \
        pytest.approx(k, rel=1e-6)
