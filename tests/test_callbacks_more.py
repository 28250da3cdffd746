"""CSVLogger, LearningRateScheduler, BackupAndRestore (a process killed mid-epoch resumes with the
same weights and optimizer state), TensorBoard (events read back with TensorBoard's own reader)
and ProgbarLogger with unknown steps."""
import csv
import os
import textwrap

import numpy as np
import pytest

import pyfapi
from pyfapi import callbacks, layers


def _model(seed=0, opt="adam"):
    pyfapi.utils.set_random_seed(seed)
    i = pyfapi.Input((4,))
    m = pyfapi.Model(i, layers.Dense(1, activation="sigmoid", name="out")(
        layers.Dense(6, activation="relu", name="hidden")(i)))
    m.compile(opt, "binary_crossentropy", metrics=["accuracy"])
    return m


RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")


def test_csv_logger_rows_header_append_and_separator(tmp_path):
    path = tmp_path / "sub" / "log.csv"
    m = _model()
    h = m.fit(X, Y, epochs=3, batch_size=10, verbose=0, validation_split=0.25,
              callbacks=[callbacks.CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert list(rows[0]) == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    np.testing.assert_allclose([float(r["loss"]) for r in rows], h.history["loss"], rtol=1e-6)
    m.fit(X, Y, epochs=2, batch_size=10, verbose=0, validation_split=0.25,
          callbacks=[callbacks.CSVLogger(path, append=True)])
    with open(path) as f:
        lines = f.read().splitlines()
    assert len(lines) == 1 + 3 + 2 and lines[0].startswith("epoch,")
    m.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(path, separator=";")])
    with open(path) as f:
        assert f.readline().strip() == "epoch;accuracy;loss"


def test_learning_rate_scheduler_sets_rate_and_logs_it():
    seen = []

    def schedule(epoch, lr):
        return 0.1 if epoch < 2 else lr * 0.5

    class Probe(callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(float(self.model.optimizer.learning_rate))

    m = _model(opt="sgd")
    h = m.fit(X, Y, epochs=4, verbose=0,
              callbacks=[callbacks.LearningRateScheduler(schedule), Probe()])
    np.testing.assert_allclose(seen, [0.1, 0.1, 0.05, 0.025], rtol=1e-6)
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.1, 0.05, 0.025], rtol=1e-6)
    one_arg = callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    m.fit(X, Y, epochs=2, verbose=0, callbacks=[one_arg])
    assert float(m.optimizer.learning_rate) == pytest.approx(0.02)
    with pytest.raises(ValueError, match="should be a float"):
        m.fit(X, Y, epochs=1, verbose=0,
              callbacks=[callbacks.LearningRateScheduler(lambda e, lr: "fast")])


BACKUP_SCRIPT = textwrap.dedent("""
    import os, sys
    import numpy as np
    import pyfapi
    from pyfapi import callbacks, layers
    backup, out, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pyfapi.set_num_threads(1)
    pyfapi.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    i = pyfapi.Input((4,))
    m = pyfapi.Model(i, layers.Dense(1, activation="sigmoid")(layers.Dense(6, activation="relu")(i)))
    m.compile("adam", "binary_crossentropy")
    class Kill(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if kill_at >= 0 and self.epoch == kill_at and batch == 2:
                os._exit(17)   # killed mid-epoch: no cleanup, no exception handling
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
            print("epoch", epoch, flush=True)
    m.fit(x, y, epochs=5, batch_size=8, shuffle=False, verbose=0,
          callbacks=[callbacks.BackupAndRestore(backup), Kill()])
    np.savez(out, *m.get_weights(), *[v.value for v in m.optimizer.variables])
""")


def test_backup_and_restore_resumes_a_killed_process(tmp_path, run_python):
    script = tmp_path / "train.py"
    script.write_text(BACKUP_SCRIPT)
    ref = run_python(str(script), str(tmp_path / "b0"), str(tmp_path / "ref.npz"), "-1")
    assert ref.stdout.split() == ["epoch", "0", "epoch", "1", "epoch", "2", "epoch", "3",
                                  "epoch", "4"]
    killed = run_python(str(script), str(tmp_path / "b1"), str(tmp_path / "x.npz"), "3",
                        check=False)
    assert killed.returncode == 17 and not (tmp_path / "x.npz").exists()
    assert os.path.exists(tmp_path / "b1" / "checkpoint.json")
    resumed = run_python(str(script), str(tmp_path / "b1"), str(tmp_path / "res.npz"), "-1")
    assert resumed.stdout.split() == ["epoch", "3", "epoch", "4"]  # resumes in epoch 3
    with np.load(tmp_path / "ref.npz") as a, np.load(tmp_path / "res.npz") as b:
        assert len(a.files) == len(b.files)
        for k in a.files:  # weights, then iterations / learning rate / Adam slots
            np.testing.assert_array_equal(a[k], b[k])
    assert not os.path.exists(tmp_path / "b1")  # deleted after the normal end


def test_backup_errors(tmp_path):
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore(tmp_path, save_freq="daily")
    (tmp_path / "bk").mkdir()
    (tmp_path / "bk" / "checkpoint.json").write_text("{not json")
    with pytest.raises(ValueError, match="corrupt"):
        _model().fit(X, Y, epochs=1, verbose=0,
                     callbacks=[callbacks.BackupAndRestore(tmp_path / "bk")])
    # a backup of an Adam run does not resume an SGD one: its optimizer state does not fit
    adam = _model(opt="adam")
    keep = callbacks.BackupAndRestore(tmp_path / "bk2", delete_checkpoint=False)
    adam.fit(X, Y, epochs=1, verbose=0, callbacks=[keep])
    sgd = _model(opt="sgd")
    before = [w.copy() for w in sgd.get_weights()]
    with pytest.raises(ValueError, match="BackupAndRestore: .*does not fit the model"):
        sgd.fit(X, Y, epochs=2, verbose=0,
                callbacks=[callbacks.BackupAndRestore(tmp_path / "bk2")])
    for a, b in zip(before, sgd.get_weights()):  # nothing assigned
        np.testing.assert_array_equal(a, b)


def test_tensorboard_events_read_back_with_tensorboard(tmp_path):
    pytest.importorskip("tensorboardX")
    ea_mod = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    m = _model()
    tb = callbacks.TensorBoard(tmp_path / "logs", histogram_freq=1, update_freq="batch")
    h = m.fit(X, Y, epochs=3, batch_size=10, verbose=0, validation_split=0.25, callbacks=[tb])

    def load(sub):
        ea = ea_mod.EventAccumulator(str(tmp_path / "logs" / sub),
                                     size_guidance={"scalars": 0, "histograms": 0})
        ea.Reload()
        return ea

    train, val = load("train"), load("validation")
    loss = [e.value for e in train.Scalars("epoch_loss")]
    np.testing.assert_allclose(loss, h.history["loss"], rtol=1e-6)
    assert [e.step for e in train.Scalars("epoch_loss")] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_loss")],
                               h.history["val_loss"], rtol=1e-6)
    assert len(train.Scalars("epoch_learning_rate")) == 3
    assert [e.step for e in train.Scalars("batch_loss")] == list(range(1, 10))
    hist_tags = train.Tags()["histograms"]
    assert any("hidden" in t and "kernel" in t for t in hist_tags)
    kernel_tag = next(t for t in hist_tags if "hidden" in t and "kernel" in t)
    last = train.Histograms(kernel_tag)[-1].histogram_value
    assert last.num == 4 * 6 and last.min == pytest.approx(float(m.layers[1].kernel.value.min()))


def test_tensorboard_missing_writer_is_a_clear_error(monkeypatch):
    import builtins
    real = builtins.__import__

    def fake(name, *a, **k):
        if name.startswith("tensorboardX"):
            raise ImportError("no tensorboardX")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(ImportError, match=r"pyfapi\[tensorboard\]"):
        _model().fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.TensorBoard("/tmp/x")])


def test_progbar_with_unknown_steps(capsys):
    def gen():
        for k in range(0, 40, 10):
            yield X[k:k + 10], Y[k:k + 10]
    _model().fit(gen(), epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert "4/Unknown" in out.replace(" ", "")
