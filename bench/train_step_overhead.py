"""Per-step cost of the Trainer's extension points on the MLP 64-32-32-10 at batch 128.

Usage::

    python bench/train_step_overhead.py [--threads 1] [--repeats 15] [--batch 128]

Times (median of ``--repeats`` samples, each a loop lasting >= 50 ms, wall and process CPU):

* ``train_on_batch``: the default ``train_step`` (fused path) through ``train_on_batch``;
* ``fit/step``: one ``fit`` epoch over 32 batches, divided by 32 (default ``train_step``);
* ``custom fit/step``: the same epoch with a user-written ``train_step`` as the Keras guide
  "Customizing what happens in fit()" writes it (GradientTape, ``compute_loss``,
  ``optimizer.apply``, ``compute_metrics``), which ``fit`` calls as written.

The ratio ``custom / default`` is the cost of overriding ``train_step``.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyfapi  # noqa: E402
from pyfapi import layers  # noqa: E402


def build(cls):
    inp = pyfapi.Input(shape=(64,))
    x = layers.Dense(32, activation="relu")(inp)
    x = layers.Dense(32, activation="relu")(x)
    out = layers.Dense(10, activation="softmax")(x)
    model = cls(inp, out)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def custom_class():
    class Custom(pyfapi.Model):
        def train_step(self, data):
            x, y = data
            with pyfapi.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            return self.compute_metrics(x, y, y_pred)
    return Custom


def timed(fn, repeats, min_time=0.05):
    fn()
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t >= min_time:
            break
        n *= 2
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        for _ in range(n):
            fn()
        wall.append((time.perf_counter() - t) / n)
        cpu.append((time.process_time() - c) / n)
    return statistics.median(wall), statistics.median(cpu)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--batch", type=int, default=128)
    args = p.parse_args(argv)
    pyfapi.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    b = args.batch
    x = rng.standard_normal((b, 64), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, b)]
    xe = rng.standard_normal((32 * b, 64), dtype=np.float32)
    ye = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 32 * b)]
    default = build(pyfapi.Model)
    rows = [("train_on_batch", timed(lambda: default.train_on_batch(x, y), args.repeats))]
    fit_t = timed(lambda: default.fit(xe, ye, batch_size=b, epochs=1, verbose=0,
                                      shuffle=False), max(5, args.repeats // 3))
    rows.append(("fit/step", tuple(t / 32 for t in fit_t)))
    try:
        custom = build(custom_class())
        cfit = timed(lambda: custom.fit(xe, ye, batch_size=b, epochs=1, verbose=0,
                                        shuffle=False), max(5, args.repeats // 3))
        rows.append(("custom fit/step", tuple(t / 32 for t in cfit)))
    except Exception as e:  # noqa: BLE001 - before the extension points exist
        print(f"custom train_step: {type(e).__name__}: {e}")
    print(f"MLP 64-32-32-10, batch {b}, {args.threads} thread(s); median ms (wall / cpu)")
    for name, (w, c) in rows:
        print(f"  {name:18s} {w * 1e3:8.3f} {c * 1e3:8.3f}")
    if len(rows) == 3:
        print(f"  custom / default fit step: {rows[2][1][1] / rows[1][1][1]:.2f} (cpu)")


if __name__ == "__main__":
    main()
