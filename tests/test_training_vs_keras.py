"""End-to-end check against Keras 3 when it is installed (skipped otherwise): the same model, the
same initial weights and data, fit without shuffling must give the same History and weights.
The numpy-reference tests of test_training.py cover the same code without Keras.

Batch sizes divide the sample counts here on purpose: with a partial last batch Keras 3.15 (TF)
reports per-output losses (``age_loss`` ...) that are not weighted by the partial batch's size
(its own ``loss`` is, so ``loss != 0.25 * age_loss + ...`` there). pyfapi weights every tracked
value by batch size, so its ``loss`` is exactly the weighted sum of the reported per-output losses
whatever the batch size (checked in test_training.py)."""
import numpy as np
import pytest

import pyfapi
from pyfapi import Input, layers
from pyfapi.models import Model

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # raised inside TensorFlow


def _build(mod, inp_layer):
    inp = inp_layer(shape=(6,), name="posts")
    x = mod.Dense(8, activation="relu")(inp)
    outs = [mod.Dense(1, name="age")(x), mod.Dense(4, activation="softmax", name="income")(x),
            mod.Dense(1, activation="sigmoid", name="gender")(x)]
    return inp, outs


@pytest.mark.parametrize("opt", ["sgd", "rmsprop", "adam"])
def test_multi_output_fit_matches_keras(opt):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    n = 24
    x = rng.normal(size=(n, 6)).astype(np.float32)
    y = {"age": rng.normal(size=(n, 1)).astype(np.float32),
         "income": np.eye(4, dtype=np.float32)[rng.integers(0, 4, n)],
         "gender": rng.integers(0, 2, (n, 1)).astype(np.float32)}
    kin, kouts = _build(keras.layers, keras.Input)
    kmodel = keras.Model(kin, kouts)
    pin, pouts = _build(layers, Input)
    pmodel = Model(pin, pouts)
    pmodel.set_weights([np.asarray(w) for w in kmodel.get_weights()])
    kwargs = dict(loss={"age": "mse", "income": "categorical_crossentropy",
                        "gender": "binary_crossentropy"},
                  loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0},
                  metrics={"income": ["acc"], "gender": ["acc"]})
    kopt = {"sgd": keras.optimizers.SGD(0.05, momentum=0.9), "rmsprop": "rmsprop",
            "adam": "adam"}[opt]
    popt = {"sgd": pyfapi.optimizers.SGD(0.05, momentum=0.9), "rmsprop": "rmsprop",
            "adam": "adam"}[opt]
    kmodel.compile(optimizer=kopt, **kwargs)
    pmodel.compile(optimizer=popt, **kwargs)
    fit = dict(epochs=3, batch_size=6, shuffle=False, verbose=0, validation_split=0.25)
    kh = kmodel.fit(x, y, **fit).history
    ph = pmodel.fit(x, y, **fit).history
    assert set(ph) == set(kh)
    for key in kh:
        np.testing.assert_allclose(ph[key], kh[key], rtol=2e-4, atol=1e-5, err_msg=key)
    for a, b in zip(pmodel.get_weights(), kmodel.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-3, atol=1e-5)
    ke = kmodel.evaluate(x, y, verbose=0)
    pe = pmodel.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(pe, ke, rtol=2e-4, atol=1e-5)
