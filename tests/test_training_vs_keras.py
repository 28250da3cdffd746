"""End-to-end check against Keras 3: the same model, initial weights and data, fit without
shuffling, must give Keras's History, final weights and evaluate(). Keras's run is committed as a
small file (tests/references/keras_fit_multi_output.npz, written by
tests/references/gen_keras_fit.py with real Keras on JAX), so this needs no Keras at test time.
The numpy-reference tests of test_training.py cover the same code.

Batch sizes divide the sample counts here on purpose: with a partial last batch Keras 3.15 (TF)
reports per-output losses (``age_loss`` ...) that are not weighted by the partial batch's size
(its own ``loss`` is, so ``loss != 0.25 * age_loss + ...`` there). pyfapi weights every tracked
value by batch size, so its ``loss`` is exactly the weighted sum of the reported per-output losses
whatever the batch size (checked in test_training.py)."""
import os

import numpy as np
import pytest

import pyfapi
from pyfapi import Input, layers
from pyfapi.models import Model
from references import gen_keras_fit as gen

FIXTURE = os.path.join(os.path.dirname(__file__), "references", "keras_fit_multi_output.npz")


@pytest.fixture(scope="module")
def keras_run():
    with np.load(FIXTURE) as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("opt", gen.OPTIMIZERS)
def test_multi_output_fit_matches_keras(opt, keras_run):
    ref = keras_run
    x = ref["x"]
    y = {k: ref[f"y_{k}"] for k in ("age", "income", "gender")}
    pmodel = Model(*gen.build(layers, Input))
    pmodel.set_weights([ref[f"{opt}/init/{i}"] for i in range(int(ref[f"{opt}/n_weights"]))])
    popt = pyfapi.optimizers.SGD(0.05, momentum=0.9) if opt == "sgd" else opt
    pmodel.compile(optimizer=popt, loss=gen.LOSS, loss_weights=gen.LOSS_WEIGHTS,
                   metrics=gen.METRICS)
    ph = pmodel.fit(x, y, **gen.FIT).history
    prefix = f"{opt}/history/"
    kh = {k[len(prefix):]: v for k, v in ref.items() if k.startswith(prefix)}
    assert set(ph) == set(kh)
    for key in kh:
        np.testing.assert_allclose(ph[key], kh[key], rtol=2e-4, atol=1e-5, err_msg=key)
    final = pmodel.get_weights()
    assert len(final) == int(ref[f"{opt}/n_weights"])
    for i, a in enumerate(final):
        np.testing.assert_allclose(a, ref[f"{opt}/final/{i}"], rtol=1e-3, atol=1e-5)
    pe = pmodel.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(pe, ref[f"{opt}/evaluate"], rtol=2e-4, atol=1e-5)
