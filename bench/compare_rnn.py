"""Recurrent layers: one training step (forward, MSE loss, backward, SGD update) of
``GRU(32)`` and ``Bidirectional(LSTM(32))`` (each followed by Dense(1)) on inputs (128, 100, 64),
and a ``GRU(32, dropout=0.2, recurrent_dropout=0.2)`` forecaster on (128, 240, 14) (Keras book
ch. 10), in pyfapi, Keras 3 on JAX and PyTorch.

Usage::

    python bench/compare.py rnn [--threads 1 2] [--repeats 9] [--only gru bilstm gru_drop]

Per thread count a FRESH subprocess runs every framework with ``OMP_NUM_THREADS`` etc. = N,
``pyfapi.set_num_threads(N)``, ``torch.set_num_threads(N)`` (JAX/XLA gets
``--xla_cpu_multi_thread_eigen`` and ``intra_op_parallelism_threads=N``). pyfapi and Keras use
``train_on_batch`` with SGD (same initial weights, copied with ``set_weights``); PyTorch
``nn.GRU`` / ``nn.LSTM(bidirectional=True)`` with zero_grad / forward / backward / step (its own
init; shapes equal). PyTorch has no recurrent dropout: its forecaster row runs without dropout
(noted in the table). Samples are interleaved round-robin across frameworks; medians of the
wall-clock time per step and the ratio to pyfapi are printed. Keras on TensorFlow is not
installed here.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CASES = {
    "gru": dict(shape=(128, 100, 64), layer="gru"),
    "bilstm": dict(shape=(128, 100, 64), layer="bilstm"),
    "gru_drop": dict(shape=(128, 240, 14), layer="gru_drop"),
}


def add_arguments(p):
    """CLI options of the ``rnn`` subcommand."""
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--only", nargs="+", choices=sorted(CASES), default=list(CASES))
    p.add_argument("--frameworks", nargs="+", default=["pyfapi", "keras", "torch"])
    p.add_argument("--_child", type=int, default=None, help=argparse.SUPPRESS)


def _pyfapi_model(case, layers_mod, Input, Sequential):
    n, t, d = case["shape"]
    if case["layer"] == "gru":
        rnn = layers_mod.GRU(32)
    elif case["layer"] == "gru_drop":
        rnn = layers_mod.GRU(32, dropout=0.2, recurrent_dropout=0.2)
    else:
        rnn = layers_mod.Bidirectional(layers_mod.LSTM(32))
    return Sequential([Input((t, d)), rnn, layers_mod.Dense(1)])


def _steppers(name, case, fws):
    n, t, d = case["shape"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, t, d)).astype(np.float32)
    y = rng.standard_normal((n, 1)).astype(np.float32)
    out = {}
    weights = None
    if "pyfapi" in fws:
        import pyfapi
        from pyfapi import Input, layers
        from pyfapi.models import Sequential
        m = _pyfapi_model(case, layers, Input, Sequential)
        m.compile(pyfapi.optimizers.SGD(1e-3), "mse")
        weights = m.get_weights()
        out["pyfapi"] = lambda: m.train_on_batch(x, y)
    if "keras" in fws:
        import keras
        km = _pyfapi_model(case, keras.layers, keras.Input, keras.Sequential)
        km.compile(keras.optimizers.SGD(1e-3), "mse")
        if weights is not None:
            km.set_weights(weights)
        out["keras"] = lambda: km.train_on_batch(x, y)
    if "torch" in fws:
        import torch
        bi = case["layer"] == "bilstm"
        cls = torch.nn.LSTM if bi else torch.nn.GRU
        rnn = cls(d, 32, batch_first=True, bidirectional=bi)
        head = torch.nn.Linear(64 if bi else 32, 1)
        params = list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.SGD(params, lr=1e-3)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)

        def step():
            opt.zero_grad()
            seq, _ = rnn(xt)
            if bi:  # Keras's last output: forward at T-1, backward at step 0
                last = torch.cat([seq[:, -1, :32], seq[:, 0, 32:]], dim=1)
            else:
                last = seq[:, -1]
            loss = torch.nn.functional.mse_loss(head(last), yt)
            loss.backward()
            opt.step()
        out["torch"] = step
    return out


def _child(args):
    threads = args._child
    import pyfapi
    pyfapi.set_num_threads(threads)
    try:
        import torch
        torch.set_num_threads(threads)
        torch.set_num_interop_threads(1)
    except ImportError:
        pass
    results = {}
    for name in args.only:
        steppers = _steppers(name, CASES[name], args.frameworks)
        for fn in steppers.values():  # warm-up (Keras: tracing / compilation)
            fn()
            fn()
        samples = {k: [] for k in steppers}
        order = list(steppers)
        for r in range(args.repeats):
            for k in order[r % len(order):] + order[:r % len(order)]:
                t0 = time.perf_counter()
                steppers[k]()
                samples[k].append(time.perf_counter() - t0)
        results[name] = {k: statistics.median(v) for k, v in samples.items()}
    print("RESULT " + json.dumps(results))
    return 0


def run(args):
    """Runs one subprocess per thread count and prints the medians and ratios."""
    if args._child is not None:
        return _child(args)
    print(f"uptime: {os.popen('uptime').read().strip()}")
    for threads in args.threads:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads), KERAS_BACKEND="jax",
                   XLA_FLAGS=f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'}"
                             f" intra_op_parallelism_threads={threads}",
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        cmd = [sys.executable, str(HERE / "compare.py"), "rnn", "--_child", str(threads),
               "--repeats", str(args.repeats), "--only", *args.only, "--frameworks",
               *args.frameworks]
        res = subprocess.run(cmd, env=env, capture_output=True, text=True)
        line = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
        if res.returncode or not line:
            print(res.stdout[-2000:], res.stderr[-4000:])
            return 1
        data = json.loads(line[0][7:])
        print(f"\n{threads} thread(s): median ms per training step (ratio = time / pyfapi's)")
        print(f"{'case':<10}" + "".join(f"{fw:>18}" for fw in args.frameworks))
        for name, row in data.items():
            base = row.get("pyfapi")
            cells = []
            for fw in args.frameworks:
                v = row.get(fw)
                cells.append("-" if v is None else
                             f"{v * 1e3:9.1f} ({v / base:4.2f}x)" if base else f"{v * 1e3:.1f}")
            note = "  (torch: no dropout)" if name == "gru_drop" else ""
            print(f"{name:<10}" + "".join(f"{c:>18}" for c in cells) + note)
    print(f"uptime: {os.popen('uptime').read().strip()}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
