"""fit / evaluate / predict on generators, iterables and PyDatasets (pyfapi.training.batch_stream):
the same numbers as arrays, Keras's epoch rules, workers (threads and spawned processes), and
errors that reach the caller with their traceback and leave nothing running."""
import multiprocessing
import threading
import traceback
import warnings

import numpy as np
import pytest
import stream_datasets as sd

import pyfapi
from pyfapi import layers
from pyfapi.training import batch_stream


def _model(seed=1, loss="binary_crossentropy", metrics=("accuracy",)):
    pyfapi.utils.set_random_seed(seed)
    i = pyfapi.Input((5,))
    o = layers.Dense(1, activation="sigmoid")(layers.Dense(8, activation="relu")(i))
    m = pyfapi.Model(i, o)
    m.compile("sgd", loss, metrics=list(metrics))
    return m


def _weights_equal(a, b):
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


X, Y = sd.make_xy()


def _gen(batch=20, forever=True):
    while True:
        for k in range(0, len(X), batch):
            yield X[k:k + batch], Y[k:k + batch]
        if not forever:
            return


def test_generator_with_steps_trains_as_arrays():
    ref = _model()
    h_ref = ref.fit(X, Y, batch_size=20, epochs=3, shuffle=False, verbose=0)
    m = _model()
    h = m.fit(_gen(), steps_per_epoch=3, epochs=3, verbose=0)
    assert h.history == h_ref.history
    _weights_equal(m, ref)


def test_pydataset_thread_workers_train_as_arrays_and_call_epoch_hooks():
    ref = _model()
    h_ref = ref.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    ds = sd.ArrayBatches(X, Y, 16, workers=4, max_queue_size=3)
    m = _model()
    h = m.fit(ds, epochs=2, shuffle=False, verbose=0)
    assert h.history == h_ref.history
    _weights_equal(m, ref)
    assert ds.epoch_begins == 2 and ds.epoch_ends == 2


def test_pydataset_spawned_processes_train_as_arrays_and_leave_no_process():
    ref = _model()
    h_ref = ref.fit(X, Y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    ds = sd.ArrayBatches(X, Y, 16, workers=2, use_multiprocessing=True)
    m = _model()
    h = m.fit(ds, epochs=2, shuffle=False, verbose=0)
    # unpickled batches sit at another address; the GEMM's result depends on x's alignment in
    # the last bits (seen 2026-12-06), so equal to float32 rounding rather than bitwise
    for k in h_ref.history:
        np.testing.assert_allclose(h.history[k], h_ref.history[k], rtol=1e-6)
    assert ds.epoch_ends == 2
    assert multiprocessing.active_children() == []


def test_worker_error_reaches_caller_with_traceback_threads():
    ds = sd.ArrayBatches(X, Y, 16, fail_at=2, workers=3)
    m = _model()
    with pytest.raises(KeyError, match="broken batch 2") as info:
        m.fit(ds, epochs=1, shuffle=False, verbose=0)
    tb = "".join(traceback.format_exception(info.value))
    assert "__getitem__" in tb and "stream_datasets.py" in tb
    assert not [t for t in threading.enumerate() if t.name.startswith("pyfapi-pydataset")]


def test_worker_error_reaches_caller_from_processes_no_orphans():
    ds = sd.ArrayBatches(X, Y, 16, fail_at=1, workers=2, use_multiprocessing=True)
    m = _model()
    with pytest.raises(KeyError, match="broken batch 1") as info:
        m.fit(ds, epochs=1, shuffle=False, verbose=0)
    # the worker's own traceback travels with the error (concurrent.futures' remote traceback)
    tb = "".join(traceback.format_exception(info.value))
    assert "__getitem__" in tb and "stream_datasets.py" in tb
    assert multiprocessing.active_children() == []


def test_worker_process_that_dies_is_an_error_not_a_hang():
    from concurrent.futures.process import BrokenProcessPool
    ds = sd.DiesInWorker(X, Y, 16, fail_at=1, workers=2, use_multiprocessing=True)
    with pytest.raises(BrokenProcessPool):
        _model().fit(ds, epochs=1, shuffle=False, verbose=0)
    assert multiprocessing.active_children() == []


def test_generator_error_reaches_caller_with_its_frame():
    def bad():
        yield X[:10], Y[:10]
        raise RuntimeError("generator broke")

    with pytest.raises(RuntimeError, match="generator broke") as info:
        _model().fit(bad(), epochs=1, verbose=0)
    assert any(f.name == "bad" for f in traceback.extract_tb(info.value.__traceback__))


def test_slow_generator_runs_in_a_prefetch_thread_fast_one_inline():
    import time
    names = []

    def gen(delay):
        for k in range(12):
            names.append(threading.current_thread().name)
            if delay:
                time.sleep(delay)
            yield X[k * 5:(k + 1) * 5], Y[k * 5:(k + 1) * 5]

    _model().fit(gen(0.002), epochs=1, verbose=0)
    # the first PROBE batches are timed inline; slow ones move to the prefetch thread
    assert names[:batch_stream.PROBE] == ["MainThread"] * batch_stream.PROBE
    assert names[batch_stream.PROBE:] and \
        all(n == "pyfapi-prefetch" for n in names[batch_stream.PROBE:])
    names.clear()
    _model().fit(gen(0), epochs=1, verbose=0)
    assert set(names) == {"MainThread"}  # slicing arrays: threads would cost more


def test_slow_pydataset_uses_its_worker_threads():
    import time
    seen = []

    class Slow(sd.ArrayBatches):
        def __getitem__(self, i):
            seen.append(threading.current_thread().name)
            time.sleep(0.002)
            return super().__getitem__(i)

    ref = _model()
    h_ref = ref.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    m = _model()
    h = m.fit(Slow(X, Y, 4, workers=3), epochs=1, shuffle=False, verbose=0)
    assert h.history == h_ref.history
    assert any(n.startswith("pyfapi-pydataset") for n in seen[batch_stream.PROBE:])


def test_inconsistent_batch_structure_is_a_clear_error():
    def gen():
        yield X[:10], Y[:10]
        yield X[10:20], Y[10:20], np.ones(10, "float32")

    with pytest.raises(ValueError, match=r"change structure.*batch 1"):
        _model().fit(gen(), epochs=1, verbose=0)


def test_empty_pydataset_and_stream_arguments_refused():
    with pytest.raises(ValueError, match="length 0"):
        _model().fit(sd.Empty(), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="`y` is not supported"):
        _model().fit(_gen(), Y, steps_per_epoch=2, verbose=0)
    with pytest.raises(ValueError, match="`validation_split` is not supported"):
        _model().fit(_gen(), steps_per_epoch=2, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="without targets"):
        _model().fit((X[k:k + 10] for k in range(0, 60, 10)), epochs=1, verbose=0)


def test_steps_beyond_generator_warn_and_replay_the_peeked_batches():
    m = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        h = m.fit(_gen(forever=False), steps_per_epoch=2, epochs=5, verbose=0)
    # 3 batches: epoch 1 takes 2, epoch 2 gets 1 (warning), later epochs replay the first two
    # (Keras 3's GeneratorDataAdapter keeps them); fit does not stop
    assert len(h.history["loss"]) == 5
    ref = _model()
    r = [ref.fit(X[:40], Y[:40], batch_size=20, epochs=1, shuffle=False, verbose=0),
         ref.fit(X[40:], Y[40:], batch_size=20, epochs=1, shuffle=False, verbose=0),
         ref.fit(X[:40], Y[:40], batch_size=20, epochs=3, shuffle=False, verbose=0)]
    np.testing.assert_allclose(h.history["loss"], sum((x.history["loss"] for x in r), []),
                               rtol=1e-6)


def test_exhausted_generator_epochs_follow_real_keras():
    """fit(generator, epochs=N) and fit(generator, steps_per_epoch=k, epochs=N) give the losses
    real Keras 3 gives, epoch by epoch (the same weights, SGD)."""
    keras = pytest.importorskip("keras")

    def gen(n):
        for k in range(n):
            yield np.full((4, 3), k + 1, "float32") / 7, np.ones((4, 1), "float32")

    w = [np.array([[0.1], [0.2], [-0.3]], "float32"), np.zeros(1, "float32")]
    for n, steps in ((5, None), (7, 3)):
        hist = []
        for lib in (keras, pyfapi):
            i = lib.Input((3,))
            m = lib.Model(i, lib.layers.Dense(1)(i))
            m.compile(lib.optimizers.SGD(0.1), "mse")
            m.set_weights(w)
            with pytest.warns(UserWarning, match="ran out of data"):
                hist.append(m.fit(gen(n), steps_per_epoch=steps, epochs=5, shuffle=False,
                                  verbose=0).history["loss"])
        np.testing.assert_allclose(hist[1], hist[0], rtol=1e-5, err_msg=f"{n} {steps}")


def test_iterable_restarts_each_epoch_and_generator_is_consumed_once():
    class Batches:
        def __iter__(self):
            return _gen(forever=False)

    ref = _model()
    h_ref = ref.fit(X, Y, batch_size=20, epochs=3, shuffle=False, verbose=0)
    m = _model()
    h = m.fit(Batches(), epochs=3, verbose=0)
    assert h.history == h_ref.history
    m2 = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        h2 = m2.fit(_gen(forever=False), epochs=3, verbose=0)
    ref2 = _model()  # the generator is consumed once; epochs 2-3 replay its first two batches
    r = [ref2.fit(X, Y, batch_size=20, epochs=1, shuffle=False, verbose=0),
         ref2.fit(X[:40], Y[:40], batch_size=20, epochs=2, shuffle=False, verbose=0)]
    np.testing.assert_allclose(h2.history["loss"], r[0].history["loss"] + r[1].history["loss"],
                               rtol=1e-6)


def test_class_weight_and_sample_weight_batches_as_arrays():
    cw = {0: 0.5, 1: 2.0}
    ref = _model()
    h_ref = ref.fit(X, Y, batch_size=20, epochs=2, shuffle=False, verbose=0, class_weight=cw)
    m = _model()
    h = m.fit(_gen(), steps_per_epoch=3, epochs=2, verbose=0, class_weight=cw)
    assert h.history == h_ref.history
    sw = np.linspace(0.1, 2, len(X)).astype("float32")
    ref = _model()
    ref.fit(X, Y, sample_weight=sw, batch_size=20, epochs=1, shuffle=False, verbose=0)
    m = _model()
    m.fit(sd.ArrayBatches(X, Y, 20, sample_weight=sw), epochs=1, shuffle=False, verbose=0)
    _weights_equal(m, ref)
    e_ref = ref.evaluate(X, Y, sample_weight=sw, batch_size=20, verbose=0)
    e = ref.evaluate(sd.ArrayBatches(X, Y, 20, sample_weight=sw), verbose=0)
    np.testing.assert_allclose(e, e_ref, rtol=1e-6)


def test_validation_data_as_generator_with_validation_steps():
    ref = _model()
    h_ref = ref.fit(X, Y, batch_size=20, epochs=2, shuffle=False, verbose=0,
                    validation_data=(X[:40], Y[:40]), validation_batch_size=20)
    m = _model()
    h = m.fit(sd.ArrayBatches(X, Y, 20), epochs=2, shuffle=False, verbose=0,
              validation_data=_gen(), validation_steps=2)
    for k in h_ref.history:  # epoch 1 validates on batches 0-1 of the generator
        np.testing.assert_allclose(h.history[k][0], h_ref.history[k][0], rtol=1e-6)
        if not k.startswith("val_"):
            np.testing.assert_allclose(h.history[k], h_ref.history[k], rtol=1e-6)
    # with validation_steps the generator continues (Keras): epoch 2 sees batches 2, 0
    want = ref.evaluate(np.concatenate([X[40:], X[:20]]), np.concatenate([Y[40:], Y[:20]]),
                        batch_size=20, verbose=0, return_dict=True)
    np.testing.assert_allclose(h.history["val_loss"][1], want["loss"], rtol=1e-6)
    np.testing.assert_allclose(h.history["val_accuracy"][1], want["accuracy"], rtol=1e-6)


def test_pydataset_shuffle_visits_every_batch_in_a_new_order():
    ds = sd.ArrayBatches(X, Y, 6)
    pyfapi.utils.set_random_seed(0)
    _model().fit(ds, epochs=2, verbose=0)  # shuffle=True by default, as Keras
    first, second = ds.seen[:10], ds.seen[10:]
    assert sorted(first) == sorted(second) == list(range(10))
    assert first != list(range(10)) and first != second


def test_dict_inputs_and_predict_on_x_only_batches():
    pyfapi.utils.set_random_seed(0)
    a = pyfapi.Input((3,), name="a")
    b = pyfapi.Input((2,), name="b")
    o = layers.Dense(1)(layers.Concatenate()([a, b]))
    m = pyfapi.Model([a, b], o)
    m.compile("sgd", "mse")

    def gen():
        for k in range(0, 60, 15):
            yield {"b": X[k:k + 15, 3:], "a": X[k:k + 15, :3]}, Y[k:k + 15]

    m.fit(gen(), epochs=1, verbose=0)
    want = m.predict({"a": X[:, :3], "b": X[:, 3:]}, batch_size=15, verbose=0)
    got = m.predict(({"a": X[k:k + 15, :3], "b": X[k:k + 15, 3:]} for k in range(0, 60, 15)),
                    verbose=0)
    np.testing.assert_array_equal(got, want)


def test_is_stream_leaves_array_likes_alone():
    assert not batch_stream.is_stream(X)
    assert not batch_stream.is_stream([X, X])
    assert not batch_stream.is_stream({"a": X})
    assert batch_stream.is_stream(iter([X]))
    assert batch_stream.is_stream(sd.ArrayBatches(X, Y, 4))


def test_pydataset_without_super_init_warns_as_keras():
    class NoInit(pyfapi.utils.PyDataset):
        def __init__(self):
            pass

        def __len__(self):
            return 1

        def __getitem__(self, i):
            return X[:4], Y[:4]

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        _model().fit(NoInit(), epochs=1, verbose=0)
    assert any("super().__init__" in str(x.message) for x in w)
