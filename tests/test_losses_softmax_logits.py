"""Crossentropy on softmax outputs computed from the logits (Keras 3 TensorFlow backend's
``_keras_logits``): values and gradients against numpy float64 references, the clipping cases where
the fused and clipped forms differ, the cases that must stay unfused, and a Keras cross-check."""
import numpy as np
import pytest

import pyfapi
from pyfapi import Input, Model, activations, layers, losses, ops
from pyfapi.autodiff import GradientTape, Variable
from references import training_ref as ref

RNG = np.random.default_rng(7)


def _softmax64(z):
    z = np.asarray(z, np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _loss_and_grad(loss_fn, y, logits):
    z = Variable(logits.astype(np.float32))
    with GradientTape() as tape:
        p = activations.softmax(z)
        loss = loss_fn(y, p)
    return float(loss.value), tape.gradient(loss, [z])[0].value


@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (7, 11)])
def test_categorical_from_softmax_output_matches_float64(shape):
    logits = RNG.normal(size=shape) * 3
    y = np.eye(shape[-1])[RNG.integers(0, shape[-1], shape[0])]
    loss, grad = _loss_and_grad(losses.CategoricalCrossentropy(), y, logits)
    exp = ref.cce(y, logits, from_logits=True).mean()
    np.testing.assert_allclose(loss, exp, rtol=1e-5, atol=1e-6)
    exp_grad = (_softmax64(logits) - y) / shape[0]  # d mean(-sum y log softmax) / d logits
    np.testing.assert_allclose(grad, exp_grad, rtol=1e-4, atol=1e-6)


def test_sparse_from_softmax_output_matches_float64():
    logits = RNG.normal(size=(13, 5)) * 3
    labels = RNG.integers(0, 5, 13)
    loss, grad = _loss_and_grad(losses.SparseCategoricalCrossentropy(), labels, logits)
    np.testing.assert_allclose(loss, ref.sparse_cce(labels, logits, True).mean(), rtol=1e-5)
    exp_grad = (_softmax64(logits) - np.eye(5)[labels]) / 13
    np.testing.assert_allclose(grad, exp_grad, rtol=1e-4, atol=1e-6)


def test_confidently_wrong_prediction_is_not_clipped():
    # true class probability e^-40: the clipped form caps the loss at -log(1e-7) = 16.12 with a
    # zero gradient; from the logits (Keras 3 on TensorFlow) the loss is ~40, the gradient p - y
    logits = np.array([[40.0, 0.0, 0.0]])
    y = np.array([[0.0, 1.0, 0.0]])
    loss, grad = _loss_and_grad(lambda t, p: ops.sum(losses.categorical_crossentropy(t, p)), y,
                                logits)
    np.testing.assert_allclose(loss, ref.cce(y, logits, from_logits=True)[0], rtol=1e-6)
    assert loss > 39
    np.testing.assert_allclose(grad, _softmax64(logits) - y, atol=1e-6)
    # the same probabilities given as plain data keep the clipped Keras semantics
    p = _softmax64(logits).astype(np.float32)
    clipped = float(losses.categorical_crossentropy(y, ops.convert_to_tensor(p)).value[0])
    np.testing.assert_allclose(clipped, ref.cce(y, p)[0], rtol=1e-6)
    assert clipped < 16.2


def test_fused_and_clipped_agree_inside_the_clip_range():
    logits = RNG.normal(size=(9, 6))
    y = np.eye(6)[RNG.integers(0, 6, 9)]
    p = ops.convert_to_tensor(_softmax64(logits).astype(np.float32))  # no logits attached
    fused = losses.categorical_crossentropy(y, activations.softmax(logits.astype(np.float32)))
    np.testing.assert_allclose(fused.value, losses.categorical_crossentropy(y, p).value,
                               rtol=2e-6, atol=1e-6)


def test_not_fused_along_another_axis_or_with_from_logits():
    x = RNG.normal(size=(2, 4, 3)).astype(np.float32)
    p = activations.softmax(x, axis=1)  # softmax over axis 1: the loss axis -1 is not its axis
    assert getattr(p, "_keras_logits", None) is None
    q = activations.softmax(x)
    assert getattr(q, "_keras_logits", None) is not None
    y = np.eye(3)[RNG.integers(0, 3, (2, 4))]
    # loss over axis 1 of a last-axis softmax: probabilities (clipped form), not the logits
    got = losses.categorical_crossentropy(np.moveaxis(y, -1, 1), ops.convert_to_tensor(
        np.moveaxis(q.value, -1, 1)), axis=1).value
    np.testing.assert_allclose(got, ref.cce(y, q.value), rtol=1e-5)
    # from_logits=True: y_pred itself is used as logits (unchanged behaviour)
    v = losses.categorical_crossentropy(y, q, from_logits=True).value
    np.testing.assert_allclose(v, ref.cce(y, q.value, from_logits=True), rtol=1e-5)


def test_model_training_uses_logits_and_matches_unfused(monkeypatch):
    def run(fused):
        if not fused:
            monkeypatch.setattr(losses, "_softmax_logits", lambda *a: None)
        pyfapi.utils.set_random_seed(1)
        i = Input((6,))
        o = layers.Dense(4, activation="softmax")(layers.Dense(8, activation="relu")(i))
        m = Model(i, o)
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        rng = np.random.default_rng(2)
        x = rng.normal(size=(16, 6)).astype(np.float32)
        y = rng.integers(0, 4, 16)
        out = [m.train_on_batch(x, y) for _ in range(3)]
        monkeypatch.undo()
        return out, m.get_weights()
    lf, wf = run(True)
    lu, wu = run(False)
    np.testing.assert_allclose(lf, lu, rtol=1e-5)
    for a, b in zip(wf, wu):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_matches_keras_on_a_confident_softmax_output():
    keras = pytest.importorskip("keras")
    logits = np.array([[30.0, 0.0, -5.0], [0.0, 1.0, 2.0]], np.float32)
    y = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], np.float32)
    if keras.backend.backend() == "tensorflow":
        k = keras.losses.categorical_crossentropy(y, keras.activations.softmax(logits))
    else:
        # only Keras's TensorFlow backend keeps the logits behind a softmax output
        # (_keras_logits), the semantics pyfapi follows; on JAX (the test backend) Keras clips the
        # probabilities, and its from_logits form gives the TensorFlow backend's value
        k = keras.losses.categorical_crossentropy(y, logits, from_logits=True)
    p = losses.categorical_crossentropy(y, activations.softmax(logits))
    np.testing.assert_allclose(p.value, np.asarray(k), rtol=1e-5)
