"""fit's cost per epoch when batches come from a generator or a PyDataset instead of arrays.

Run:  PYTHONPATH=. python bench/data_pipelines.py [--epochs 7] [--threads 2] [--posts]

Feeds (same model, same batches, shuffle off):
  * arrays:    fit(x, y, batch_size=B)
  * generator: fit(gen(), steps_per_epoch=n/B): a Python generator slicing the arrays
  * pydataset: fit(PyDataset(workers=4)) whose __getitem__ slices the arrays
                (``--work-ms`` adds per-batch Python work in __getitem__ to show the overlap)
Models: the bench MLP (64-32-32-10, batch 128, 16,384 samples) and, with ``--posts``, the
posts model (Embedding 50000x256 + 5 Conv1D, batch 64, length 500) fed by a threaded PyDataset.
Prints, per feed, the median wall seconds and the median process CPU seconds per epoch
(``time.process_time``: all threads of the process, so the batch-producing threads count; far less
sensitive than wall time to other processes on a shared machine) over alternating rounds (each
fit's first epoch, which builds, is dropped), and their ratios to arrays. Quote them with
``uptime``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import cpu_name, ensure_pyfapi_importable  # noqa: E402

ensure_pyfapi_importable()
import pyfapi  # noqa: E402
from models_pyfapi import LOSSES, build_keras_api_model  # noqa: E402


class Batches(pyfapi.utils.PyDataset):
    def __init__(self, xs, ys, batch_size, work_ms=0.0, **kw):
        super().__init__(**kw)
        self.xs, self.ys, self.bs, self.work = xs, ys, batch_size, work_ms / 1e3

    def __len__(self):
        return -(-len(self.xs) // self.bs)

    def __getitem__(self, i):
        if self.work:
            t = time.perf_counter() + self.work
            while time.perf_counter() < t:  # releases the GIL only between bytecodes
                pass
        s = slice(i * self.bs, (i + 1) * self.bs)
        y = self.ys[s] if not isinstance(self.ys, dict) else {k: v[s] for k, v in self.ys.items()}
        return self.xs[s], y


class EpochTimer(pyfapi.callbacks.Callback):
    """Wall and process-CPU seconds of every epoch."""

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._t = (time.perf_counter(), time.process_time())

    def on_epoch_end(self, epoch, logs=None):
        self.times.append((time.perf_counter() - self._t[0], time.process_time() - self._t[1]))


def _model(name, cfg):
    pyfapi.utils.set_random_seed(0)
    m = build_keras_api_model(pyfapi, name, cfg)
    loss, lw = LOSSES[name]
    m.compile("rmsprop", loss, loss_weights=lw)
    return m


def run(name, cfg, xs, ys, bs, feeds, epochs, work_ms, rounds=3):
    """``{feed: (median wall s/epoch, median CPU s/epoch)}``; the feeds alternate over ``rounds``
    fits each, in a rotated order every round (noise on a shared machine hits them alike)."""
    times = {f: [] for f in feeds}
    for r in range(rounds):
        order = feeds[r % len(feeds):] + feeds[:r % len(feeds)]
        for feed, t in _run_once(name, cfg, xs, ys, bs, order, epochs, work_ms).items():
            times[feed] += t
    return {f: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
            for f, t in times.items()}


def _report(title, res):
    print(title)
    print(f"  {'feed':12s} {'wall s':>8s} {'ratio':>6s}   {'CPU s':>8s} {'ratio':>6s}")
    w0, c0 = res["arrays"]
    for f, (w, c) in res.items():
        print(f"  {f:12s} {w:8.4f} x{w / w0:.3f}   {c:8.4f} x{c / c0:.3f}")


def _run_once(name, cfg, xs, ys, bs, feeds, epochs, work_ms):
    out = {}
    n = len(xs)
    for feed in feeds:
        m = _model(name, cfg)
        t = EpochTimer()
        if feed == "arrays":
            m.fit(xs, ys, batch_size=bs, epochs=epochs, shuffle=False, verbose=0, callbacks=[t])
        elif feed == "generator":
            def gen():
                while True:
                    for k in range(0, n, bs):
                        y = ys[k:k + bs] if not isinstance(ys, dict) else \
                            {kk: v[k:k + bs] for kk, v in ys.items()}
                        yield xs[k:k + bs], y
            m.fit(gen(), steps_per_epoch=-(-n // bs), epochs=epochs, verbose=0, callbacks=[t])
        else:
            workers = int(feed.split("-")[1])
            m.fit(Batches(xs, ys, bs, work_ms, workers=workers), epochs=epochs, shuffle=False,
                  verbose=0, callbacks=[t])
        out[feed] = t.times[1:]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=7)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--posts", action="store_true")
    ap.add_argument("--work-ms", type=float, default=0.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-mlp", action="store_true")
    a = ap.parse_args()
    if a.threads:
        pyfapi.set_num_threads(a.threads)
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  {cpu_name()}  "
          f"threads={pyfapi.get_num_threads()}  load={os.getloadavg()[0]:.2f}")
    rng = np.random.default_rng(0)
    n = 16384
    x = rng.normal(size=(n, 64)).astype("float32")
    y = np.eye(10, dtype="float32")[rng.integers(0, 10, n)]
    if not a.no_mlp:
        feeds = ["arrays", "generator", "pydataset-4"]
        res = run("mlp", {}, x, y, 128, feeds, a.epochs, a.work_ms, a.rounds)
        _report("MLP 64-32-32-10, batch 128, 128 steps/epoch: medians per epoch", res)
    if a.posts:
        n = 256
        cfg = dict(vocab=50000, income=10)
        xp = rng.integers(0, 50000, (n, 500)).astype("int32")
        yp = {"age": rng.normal(size=(n, 1)).astype("float32"),
              "income": np.eye(10, dtype="float32")[rng.integers(0, 10, n)],
              "gender": rng.integers(0, 2, (n, 1)).astype("float32")}
        feeds = ["arrays", "pydataset-2"]
        res = run("posts", cfg, xp, yp, 64, feeds, max(3, a.epochs // 2), a.work_ms, a.rounds)
        _report("posts, batch 64, length 500, 4 steps/epoch: medians per epoch", res)
    print(f"load at the end={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
