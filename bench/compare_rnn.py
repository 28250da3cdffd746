"""Recurrent layers: one training step (forward, MSE loss, backward, SGD update) of
``GRU(32)`` and ``Bidirectional(LSTM(32))`` (each followed by Dense(1)) on inputs (128, 100, 64),
and a ``GRU(32, dropout=0.2, recurrent_dropout=0.2)`` forecaster on (128, 240, 14) (Keras book
ch. 10), in pyfapi, Keras 3 on JAX, Keras 3 on TensorFlow and PyTorch.

Usage::

    python bench/compare.py rnn [--threads 1 2] [--repeats 9] [--only gru bilstm gru_drop]
        [--frameworks pyfapi keras keras_tf torch]

Per thread count FRESH subprocesses run the frameworks with ``OMP_NUM_THREADS`` etc. = N,
``pyfapi.set_num_threads(N)``, ``torch.set_num_threads(N)`` (JAX/XLA gets
``--xla_cpu_multi_thread_eigen`` and ``intra_op_parallelism_threads=N``; TensorFlow intra- and
inter-op pools of N). A process holds one Keras backend, so pyfapi runs in both children: one
with Keras-on-JAX and PyTorch, one with Keras-on-TensorFlow; every ratio compares samples of the
same child (pyfapi's column shows the first child's medians). pyfapi and Keras use
``train_on_batch`` with SGD (same initial weights, copied with ``set_weights``); PyTorch
``nn.GRU`` / ``nn.LSTM(bidirectional=True)`` with zero_grad / forward / backward / step (its own
init; shapes equal). PyTorch has no recurrent dropout: its forecaster row runs WITHOUT dropout
(noted in the table), so that cell compares unequal work. Samples are interleaved round-robin
across frameworks; medians of the wall-clock time per step and of the process CPU time per step
(time.process_time: every thread of the process, so a peer's still-spinning worker threads are
counted against the framework measured next) are printed, each with its ratio to pyfapi
(ratio = peer time / pyfapi time: above 1 pyfapi is faster).
"""
from __future__ import annotations

import argparse
import importlib.util
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
    p.add_argument("--frameworks", nargs="+", default=["pyfapi", "keras", "keras_tf", "torch"],
                   help="keras = Keras 3 on JAX, keras_tf = Keras 3 on TensorFlow")
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
    if "keras" in fws or "keras_tf" in fws:
        import keras
        km = _pyfapi_model(case, keras.layers, keras.Input, keras.Sequential)
        km.compile(keras.optimizers.SGD(1e-3), "mse")
        if weights is not None:
            km.set_weights(weights)
        out["keras" if "keras" in fws else "keras_tf"] = lambda: km.train_on_batch(x, y)
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
    if "keras_tf" in args.frameworks:
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    results = {}
    for name in args.only:
        steppers = _steppers(name, CASES[name], args.frameworks)
        for fn in steppers.values():  # warm-up (Keras: tracing / compilation)
            fn()
            fn()
        wall = {k: [] for k in steppers}
        cpu = {k: [] for k in steppers}
        order = list(steppers)
        for r in range(args.repeats):
            for k in order[r % len(order):] + order[:r % len(order)]:
                c0, t0 = time.process_time(), time.perf_counter()
                steppers[k]()
                wall[k].append(time.perf_counter() - t0)
                cpu[k].append(time.process_time() - c0)
        results[name] = {k: [statistics.median(wall[k]), statistics.median(cpu[k])]
                         for k in steppers}
    print("RESULT " + json.dumps(results))
    return 0


def run(args):
    """Runs one subprocess per thread count and prints the medians and ratios."""
    if args._child is not None:
        return _child(args)
    print(f"uptime: {os.popen('uptime').read().strip()}")
    peers = [fw for fw in args.frameworks if fw != "pyfapi"]
    if "keras_tf" in peers and importlib.util.find_spec("tensorflow") is None:
        print("TensorFlow is not installed: no keras_tf column")
        peers.remove("keras_tf")
    # one child per Keras backend (a process holds one); pyfapi runs in each as the baseline
    groups = [("jax", ["pyfapi"] + [fw for fw in peers if fw != "keras_tf"])]
    if "keras_tf" in peers:
        groups.append(("tensorflow", ["pyfapi", "keras_tf"]))
    for threads in args.threads:
        merged = {}
        for backend, fws in groups:
            env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                       OPENBLAS_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                       KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2",
                       XLA_FLAGS=f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'}"
                                 f" intra_op_parallelism_threads={threads}",
                       PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
            cmd = [sys.executable, str(HERE / "compare.py"), "rnn", "--_child", str(threads),
                   "--repeats", str(args.repeats), "--only", *args.only, "--frameworks", *fws]
            res = subprocess.run(cmd, env=env, capture_output=True, text=True)
            line = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
            if res.returncode or not line:
                print(res.stdout[-2000:], res.stderr[-4000:])
                return 1
            for name, row in json.loads(line[0][7:]).items():
                dst = merged.setdefault(name, {})
                base = row["pyfapi"]
                dst.setdefault("pyfapi", base)
                for fw in fws[1:]:  # ratios against the pyfapi samples of the same child
                    dst[fw] = row[fw] + [row[fw][0] / base[0], row[fw][1] / base[1]]
        cols = ["pyfapi"] + peers
        for kind, idx in (("wall-clock", 0), ("process CPU", 1)):
            print(f"\n{threads} thread(s): median {kind} ms per training step "
                  f"(ratio = peer time / pyfapi time)")
            print(f"{'case':<10}" + "".join(f"{fw:>20}" for fw in cols))
            for name, row in merged.items():
                cells = []
                for fw in cols:
                    v = row.get(fw)
                    if v is None:
                        cells.append("-")
                    elif fw == "pyfapi":
                        cells.append(f"{v[idx] * 1e3:9.1f}")
                    else:
                        cells.append(f"{v[idx] * 1e3:9.1f} ({v[2 + idx]:4.2f}x)")
                note = "  (torch: NO dropout)" if name == "gru_drop" and "torch" in cols else ""
                print(f"{name:<10}" + "".join(f"{c:>20}" for c in cells) + note)
    print(f"uptime: {os.popen('uptime').read().strip()}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_arguments(parser)
    sys.exit(run(parser.parse_args()))
