"""Callbacks in fit (hook order, logs, stop_training) and the progress display."""
import os

import numpy as np
import pytest

import pyfapi
from pyfapi import Input, callbacks, layers
from pyfapi.models import Model
from pyfapi.training.progbar import Progbar

RNG = np.random.default_rng(9)


def _model(seed=0):
    pyfapi.utils.set_random_seed(seed)
    inp = Input(shape=(4,))
    return Model(inp, layers.Dense(1)(layers.Dense(6, activation="relu")(inp)))


def _data(n=16):
    x = RNG.normal(size=(n, 4)).astype(np.float32)
    return x, (x.sum(axis=1, keepdims=True) * 0.5).astype(np.float32)


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch, sorted(logs)))

    def on_test_begin(self, logs=None):
        self.events.append(("test_begin",))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.events.append(("train_end",))


def test_hook_order_and_logs():
    m = _model()
    m.compile("sgd", "mse", metrics=["mae"])
    x, y = _data(10)
    rec = Recorder()
    m.fit(x, y, epochs=2, batch_size=4, validation_split=0.2, callbacks=[rec], verbose=0)
    ev = rec.events
    assert ev[0] == ("train_begin",) and ev[-1] == ("train_end",)
    assert ev[1] == ("epoch_begin", 0)
    assert ev[2:4] == [("batch_end", 0, ["loss", "mae"]), ("batch_end", 1, ["loss", "mae"])]
    assert ev[4] == ("test_begin",)
    assert ev[5] == ("epoch_end", 0, ["loss", "mae", "val_loss", "val_mae"])
    assert [e[0] for e in ev].count("epoch_end") == 2
    assert m.stop_training is False


def test_history_records_every_epoch_and_initial_epoch():
    m = _model()
    m.compile("sgd", "mse")
    x, y = _data()
    h = m.fit(x, y, epochs=5, initial_epoch=2, verbose=0)
    assert h.epoch == [2, 3, 4]
    assert len(h.history["loss"]) == 3


def test_early_stopping_stops_and_restores_best_weights():
    m = _model()
    m.compile(pyfapi.optimizers.SGD(learning_rate=0.05), "mse")
    x, y = _data(32)
    vx, vy = _data(16)
    seen = []

    class Snap(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((logs["val_loss"], self.model.get_weights()))
    # a validation target the model cannot fit makes val_loss worsen as training fits x -> y
    es = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    h = m.fit(x, y, epochs=50, batch_size=8, validation_data=(vx, -vy * 3),
              callbacks=[Snap(), es], verbose=0)
    n = len(h.history["loss"])
    assert n < 50 and es.stopped_epoch == n - 1
    losses = [v for v, _ in seen]
    best = int(np.argmin(losses))
    assert es.best == pytest.approx(losses[best])
    assert n - 1 - best == 2  # stopped after `patience` epochs without improvement
    for a, b in zip(seen[best][1], m.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_min_delta_and_baseline():
    es = callbacks.EarlyStopping(monitor="loss", min_delta=0.5, patience=1)

    class Fake:
        stop_training = False
    es.set_model(Fake())
    es.on_train_begin()
    for epoch, loss in enumerate([1.0, 0.8, 0.7]):  # improvements smaller than min_delta
        es.on_epoch_end(epoch, {"loss": loss})
        if Fake.stop_training or es.model.stop_training:
            break
    assert es.model.stop_training and es.stopped_epoch == 1
    es2 = callbacks.EarlyStopping(monitor="val_acc", baseline=0.9, patience=2)
    es2.set_model(Fake())
    es2.model.stop_training = False
    es2.on_train_begin()
    # flat at 0.5, never reaching the baseline: the first epoch already counts towards patience
    for epoch, acc in enumerate([0.5, 0.5, 0.5]):
        es2.on_epoch_end(epoch, {"val_acc": acc})
        if es2.model.stop_training:
            break
    assert es2.model.stop_training and es2.stopped_epoch == 1


def test_model_checkpoint_formats_paths_and_saves_best_only(tmp_path):
    m = _model()
    m.compile("sgd", "mse")
    x, y = _data()
    path = str(tmp_path / "w.{epoch:02d}-{loss:.2f}.weights.h5")
    m.fit(x, y, epochs=3, verbose=0,
          callbacks=[callbacks.ModelCheckpoint(path, save_weights_only=True, monitor="loss")])
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 3 and names[0].startswith("w.01-") and names[2].startswith("w.03-")
    assert not [n for n in names if n.endswith(".tmp")]  # written atomically, no leftovers
    best = tmp_path / "best.keras"
    ck = callbacks.ModelCheckpoint(str(best), monitor="loss", save_best_only=True)
    m.fit(x, y, epochs=2, verbose=0, callbacks=[ck])
    assert best.exists()
    loaded = pyfapi.saving.load_model(best)
    assert loaded.predict(x, verbose=0).shape == (16, 1)
    with pytest.raises(ValueError, match=".weights.h5"):
        callbacks.ModelCheckpoint(str(tmp_path / "x.keras"), save_weights_only=True)


def test_reduce_lr_on_plateau_lowers_the_learning_rate():
    m = _model()
    m.compile(pyfapi.optimizers.SGD(learning_rate=1e-12), "mse")  # the loss stays flat
    x, y = _data()
    cb = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, min_delta=1e-3)
    h = m.fit(x, y, epochs=5, verbose=0, callbacks=[cb])
    # epoch 0 sets the best; epochs 1-2 and 3-4 are plateaus of `patience` epochs
    np.testing.assert_allclose(h.history["learning_rate"],
                               [1e-12, 1e-12, 1e-12, 0.5e-12, 0.5e-12], rtol=1e-6)
    assert float(m.optimizer.learning_rate) == pytest.approx(0.25e-12, rel=1e-6)


def test_terminate_on_nan():
    m = _model()
    m.compile(pyfapi.optimizers.SGD(learning_rate=0.01), "mse")
    x, y = _data(16)
    y = y.copy()
    y[5] = np.nan
    h = m.fit(x, y, epochs=5, batch_size=4, verbose=0, shuffle=False,
              callbacks=[callbacks.TerminateOnNaN()])
    assert len(h.history["loss"]) == 1  # stopped during the first epoch


def test_lambda_callback():
    ends = []
    m = _model()
    m.compile("sgd", "mse")
    x, y = _data()
    m.fit(x, y, epochs=3, verbose=0, callbacks=[callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: ends.append((epoch, round(logs["loss"], 6))))])
    assert [e for e, _ in ends] == [0, 1, 2]


def test_callbacks_must_be_callback_instances():
    m = _model()
    m.compile("sgd", "mse")
    with pytest.raises(TypeError, match="Callback"):
        m.fit(*_data(), verbose=0, callbacks=[print])


# ---- progress display ----------------------------------------------------------------------------
def test_verbose_zero_prints_nothing(capsys):
    m = _model()
    m.compile("sgd", "mse")
    m.fit(*_data(), epochs=2, verbose=0)
    m.evaluate(*_data(), verbose=0)
    m.predict(_data()[0], verbose=0)
    assert capsys.readouterr().out == ""


def test_not_a_terminal_one_line_per_epoch(capsys, monkeypatch):
    monkeypatch.delenv("PYFAPI_PROGBAR", raising=False)
    m = _model()
    m.compile("sgd", "mse", metrics=["mae"])
    m.fit(*_data(), epochs=2, batch_size=4)  # verbose='auto' -> 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert len(lines) == 4
    assert lines[1].startswith("4/4 ") and "/step - loss: " in lines[1] and " - mae: " in lines[1]
    m.fit(*_data(), epochs=1, batch_size=4, verbose=2)
    out = capsys.readouterr().out.splitlines()
    # Keras 3 prints "Epoch i/n" only when epochs > 1
    assert len(out) == 1 and out[0].startswith("4/4 - ") and "loss:" in out[0]


def test_terminal_bar_redraws_in_place(capsys, monkeypatch):
    monkeypatch.setenv("PYFAPI_PROGBAR", "dynamic")
    m = _model()
    m.compile("sgd", "mse")
    m.fit(*_data(), epochs=1, batch_size=4)
    out = capsys.readouterr().out
    assert "Epoch" not in out  # one epoch: no "Epoch 1/1" line (Keras 3)
    assert "\r" in out and "\x1b[32m" in out  # carriage-return redraws, coloured bar
    assert out.rstrip("\n").split("\r")[-1].startswith("4/4 ")


def test_progbar_formats_like_keras(capsys):
    bar = Progbar(10, verbose=1, dynamic=False)
    bar.update(10, {"loss": 0.123456, "acc": 0.0001})
    line = capsys.readouterr().out.strip()
    assert line.startswith("10/10 " + "\u2501" * 20 + " 0s ")
    assert line.endswith("- loss: 0.1235 - acc: 1.0000e-04")


def test_begin_hooks_receive_an_empty_dict_not_none():
    # Keras 3 passes logs={} to on_*_begin
    seen = {}

    class Spy(callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["train_begin"] = logs

        def on_epoch_begin(self, epoch, logs=None):
            seen["epoch_begin"] = logs

        def on_train_batch_begin(self, batch, logs=None):
            seen["batch_begin"] = logs

        def on_test_begin(self, logs=None):
            seen["test_begin"] = logs

        def on_predict_begin(self, logs=None):
            seen["predict_begin"] = logs

    m = _model()
    m.compile("sgd", "mse")
    x, y = _data()
    m.fit(x, y, verbose=0, callbacks=[Spy()])
    m.evaluate(x, y, verbose=0, callbacks=[Spy()])
    m.predict(x, verbose=0, callbacks=[Spy()])
    assert seen == {k: {} for k in ("train_begin", "epoch_begin", "batch_begin", "test_begin",
                                    "predict_begin")}


def test_early_stopping_unknown_monitor_raises_like_keras():
    m = _model()
    m.compile("sgd", "mse", metrics=["mae"])
    x, y = _data()
    with pytest.raises(ValueError, match="monitor=val_foo.*mode='max'"):
        m.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.EarlyStopping(monitor="val_foo")])
    # a compiled metric is minimised; an explicit mode is always accepted
    m.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
          callbacks=[callbacks.EarlyStopping(monitor="val_mae")])
    with pytest.warns(UserWarning, match="conditioned on metric `foo` which is not available"):
        m.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.EarlyStopping(monitor="foo",
                                                                             mode="max")])
