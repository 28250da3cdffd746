"""Regression tests for behaviour new users hit where pyfapi differed from Keras 3 (issue 21)."""
import warnings

import numpy as np
import pytest

import pyfapi
from pyfapi import Input, Model, layers

RNG = np.random.default_rng(21)


# ---- 1. a dict of inputs with keys beside the input names ----------------------------------------
def _two_input_model():
    a, b = Input((3,), name="a"), Input((2,), name="b")
    out = layers.Dense(1, name="out")(layers.Concatenate()([a, b]))
    model = Model([a, b], out)
    model.compile("sgd", "mse")
    return model


def _ab_x():
    return {"a": RNG.normal(size=(6, 3)).astype(np.float32),
            "b": RNG.normal(size=(6, 2)).astype(np.float32),
            "x": np.zeros((6, 9), np.float32)}


def test_extra_dict_keys_are_ignored_with_a_warning_in_call_predict_evaluate():
    model, data = _two_input_model(), _ab_x()
    expected = np.asarray(model([data["a"], data["b"]]))
    with pytest.warns(UserWarning, match=r"\['x'\].*ignored"):
        got = np.asarray(model(data))
    np.testing.assert_array_equal(got, expected)
    with pytest.warns(UserWarning, match=r"\['x'\].*ignored"):
        np.testing.assert_array_equal(model.predict(data, verbose=0), expected)
    y = np.ones((6, 1), np.float32)
    with pytest.warns(UserWarning, match=r"\['x'\].*ignored"):
        loss = model.evaluate(data, y, verbose=0)
    assert loss == pytest.approx(float(np.mean((expected - 1.0) ** 2)), rel=1e-5)


def test_extra_dict_keys_are_ignored_in_fit_and_on_symbolic_inputs():
    model, data = _two_input_model(), _ab_x()
    y = np.ones((6, 1), np.float32)
    with pytest.warns(UserWarning, match=r"\['x'\].*ignored"):
        hist = model.fit(data, y, epochs=2, batch_size=3, verbose=0)
    assert len(hist.history["loss"]) == 2
    sym = {"a": Input((3,)), "b": Input((2,)), "x": Input((4,))}
    with pytest.warns(UserWarning, match=r"\['x'\].*ignored"):
        out = model(sym)
    assert out.shape == (None, 1)


def test_missing_dict_keys_keep_their_error():
    model, data = _two_input_model(), _ab_x()
    del data["b"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the missing name is reported, not the extra one
        with pytest.raises(ValueError, match=r"missing inputs \['b'\]"):
            model(data)
        with pytest.raises(ValueError, match=r"missing: \['b'\]"):
            model.predict(data, verbose=0)
        with pytest.raises(ValueError, match=r"missing: \['b'\]"):
            model.fit(data, np.ones((6, 1)), verbose=0)



# ---- 4. compile(loss_weights=[...]) of the wrong length shows the values -----------------------
def test_loss_weights_count_mismatch_shows_the_values():
    i = Input((4,))
    model = Model(i, [layers.Dense(1, name=f"o{k}")(i) for k in range(3)])
    with pytest.raises(ValueError, match=r"Expected 3 entries.*received 2: \[0\.25, 4\.0\]"):
        model.compile("sgd", "mse", loss_weights=[0.25, 4.0])
    with pytest.raises(ValueError, match=r"received 2: \['mse', 'mae'\]"):
        model.compile("sgd", loss=["mse", "mae"])


# ---- 5. a layer called on a non-tensor says what it received ----------------------------------
@pytest.mark.parametrize("make", [lambda: layers.Conv2D(3, 3), lambda: layers.Dense(2),
                                  lambda: layers.BatchNormalization()])
def test_layer_called_on_ellipsis_names_the_type(make):
    layer = make()
    with pytest.raises(ValueError, match=r"Ellipsis \(of type <class 'ellipsis'>\)") as e:
        layer(...)
    assert layer.name in str(e.value)


def test_layer_called_on_non_tensors_in_a_list_or_none():
    with pytest.raises(ValueError, match=r"Ellipsis \(of type <class 'ellipsis'>\)"):
        layers.Add()([Input((3,)), ...])
    with pytest.raises(ValueError, match=r"Got 'None' \(of type <class 'NoneType'>\).*dense_none"):
        layers.Dense(2, name="dense_none")(None)
    # arrays and lists of tensors stay accepted
    out = layers.Dense(2, kernel_initializer="ones")(np.array([[1.0, 2.0]], np.float32))
    np.testing.assert_allclose(np.asarray(out), [[3.0, 3.0]])
    assert layers.Add()([Input((3,)), Input((3,))]).shape == (None, 3)


# ---- real Keras in CI: an interop test that skips is a failure under CI=true -------------------
_SKIPPING_TEST = '''
import pytest

def test_needs_keras():
    pytest.importorskip("keras")

def test_other_skip():
    pytest.skip("unrelated")
'''


@pytest.mark.parametrize("ci,expect_rc,expect", [("true", 1, "1 failed, 1 skipped"),
                                                 ("", 0, "2 skipped")])
def test_interop_skip_fails_under_ci(tmp_path, ci, expect_rc, expect):
    import os
    import subprocess
    import sys

    (tmp_path / "keras.py").write_text('raise ImportError("No module named \'tensorflow\'")\n')
    (tmp_path / "test_interop_probe.py").write_text(_SKIPPING_TEST)
    tests_dir = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, CI=ci, PYTHONPATH=os.pathsep.join([str(tmp_path), tests_dir]))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                        "interop_plugin", "-c", os.devnull, "--rootdir", str(tmp_path),
                        str(tmp_path / "test_interop_probe.py")],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == expect_rc, r.stdout + r.stderr
    assert expect in r.stdout, r.stdout
    if ci:
        assert "may not skip under CI=true" in r.stdout and "tensorflow" in r.stdout
