"""Xception (issue 7): pyfapi against Keras (TensorFlow) and PyTorch, in one run.

Run:  PYTHONPATH=. pytest bench/test_bench_applications.py --benchmark-only -s
      PYFAPI_BENCH_THREADS=N pins every framework to N threads (default: pyfapi's OpenMP count).

Workloads (float32, random weights, same thread count everywhere):
  * forward:    Xception(include_top=False) on a batch of 8 images of 299x299x3, inference mode;
  * train step: Xception(include_top=True, classes=10) at 150x150x3, batch 4: forward, sparse
                categorical cross-entropy, backward, RMSprop update (Keras: train_on_batch,
                a compiled tf.function after the warm-up call; PyTorch: eager autograd).
Reported (``-s`` and each result's extra_info): median seconds, the ratio pyfapi / peer, and the
peak resident memory of a fresh process doing the same workload twice (``VmHWM`` from
/proc/self/status, Linux; includes the interpreter and the framework itself). Peers are skipped when not installed. Speed is measured
here, never asserted.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import pyfapi

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
THREADS = int(os.environ.get("PYFAPI_BENCH_THREADS", 0)) or pyfapi.get_num_threads()
FWD_BATCH, FWD_SIZE = 8, 299
TRAIN_BATCH, TRAIN_SIZE, CLASSES = 4, 150, 10
_RESULTS: dict = {}


# ----------------------------------------------------------------------------- workloads
# Each builder returns a zero-argument callable doing one measured iteration. The same source
# runs in-process (timing) and in a child process (peak memory).

WORKLOADS = textwrap.dedent('''
    import os, sys
    import numpy as np
    THREADS = int(os.environ["PYFAPI_BENCH_THREADS"])

    def data(batch, size, classes=10):
        rng = np.random.default_rng(0)
        x = rng.uniform(-1, 1, size=(batch, size, size, 3)).astype("float32")
        y = rng.integers(0, classes, size=(batch,)).astype("int64")
        return x, y

    def pyfapi_forward(batch, size):
        import pyfapi
        pyfapi.set_num_threads(THREADS)
        from pyfapi import applications
        m = applications.Xception(weights=None, include_top=False)
        x, _ = data(batch, size)
        return lambda: m.predict_on_batch(x)

    def pyfapi_train(batch, size, classes):
        import pyfapi
        pyfapi.set_num_threads(THREADS)
        from pyfapi import applications
        m = applications.Xception(weights=None, include_top=True, classes=classes,
                                  input_shape=(size, size, 3))
        m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
        x, y = data(batch, size, classes)
        return lambda: m.train_on_batch(x, y)

    def keras_setup():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tensorflow as tf
        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        import keras
        return keras

    def keras_forward(batch, size):
        keras = keras_setup()
        m = keras.applications.Xception(weights=None, include_top=False)
        x, _ = data(batch, size)
        return lambda: m.predict_on_batch(x)

    def keras_train(batch, size, classes):
        keras = keras_setup()
        m = keras.applications.Xception(weights=None, include_top=True, classes=classes,
                                        input_shape=(size, size, 3))
        m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
        x, y = data(batch, size, classes)
        return lambda: m.train_on_batch(x, y)

    def torch_model(classes=None):
        import torch
        torch.set_num_threads(THREADS)
        sys.path.insert(0, BENCH_DIR)
        import models_torch
        base = models_torch._modules()["xception"](None)
        if classes is None:
            return torch, base
        head = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
                                   torch.nn.Linear(2048, classes))
        return torch, torch.nn.Sequential(base, head)

    def torch_forward(batch, size):
        torch, m = torch_model()
        m.eval()
        x, _ = data(batch, size)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        def run():
            with torch.no_grad():
                return m(xt)
        return run

    def torch_train(batch, size, classes):
        torch, m = torch_model(classes)
        m.train()
        opt = torch.optim.RMSprop(m.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        x, y = data(batch, size, classes)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        yt = torch.from_numpy(y)
        def run():
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(m(xt), yt)
            loss.backward()
            opt.step()
            return loss
        return run
''')

_NS: dict = {"BENCH_DIR": str(BENCH_DIR)}
os.environ.setdefault("PYFAPI_BENCH_THREADS", str(THREADS))
exec(compile(WORKLOADS, "bench_applications_workloads", "exec"), _NS)  # noqa: S102

PEERS = {"pyfapi": "pyfapi", "keras": "tensorflow", "torch": "torch"}
CASES = {"forward": (FWD_BATCH, FWD_SIZE), "train": (TRAIN_BATCH, TRAIN_SIZE, CLASSES)}


def _available(framework):
    if framework == "pyfapi":
        return True
    try:
        __import__(PEERS[framework])
        return True
    except ImportError:
        return False


def _peak_rss_mb(framework, case):
    """Peak RSS (MB) of a fresh process building the workload and running it twice."""
    args = ", ".join(map(str, CASES[case]))
    # VmHWM (the peak RSS of this process image) rather than ru_maxrss, which Linux carries over
    # from the forking parent (pytest, with TensorFlow and torch loaded) across fork + exec.
    code = (f"_NS = {{'BENCH_DIR': {str(BENCH_DIR)!r}}}\n"
            f"exec({WORKLOADS!r}, _NS)\nrun = _NS['{framework}_{case}']({args})\nrun(); run()\n"
            "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
            "print('PEAK_KB', hwm[0])\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               PYFAPI_BENCH_THREADS=str(THREADS))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=1800)
    for line in proc.stdout.splitlines():
        if line.startswith("PEAK_KB"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def _record(benchmark, case, framework):
    med = benchmark.stats.stats.median
    _RESULTS[(case, framework)] = med
    benchmark.extra_info.update(threads=THREADS, median_s=round(med, 4),
                                peak_rss_mb=_peak_rss_mb(framework, case))
    print(f"\n[{case}] {framework}: median {med:.3f} s, peak RSS "
          f"{benchmark.extra_info['peak_rss_mb']} MB (threads={THREADS})")
    mine = _RESULTS.get((case, "pyfapi"))
    if framework != "pyfapi" and mine is not None:
        ratio = mine / med
        benchmark.extra_info[f"pyfapi_over_{framework}"] = round(ratio, 2)
        print(f"[{case}] pyfapi / {framework} = {ratio:.2f}x")


@pytest.mark.parametrize("framework", list(PEERS))
@pytest.mark.parametrize("case", list(CASES))
def test_xception(benchmark, case, framework):
    if not _available(framework):
        pytest.skip(f"{framework} not installed")
    benchmark.group = f"xception-{case}"
    run = _NS[f"{framework}_{case}"](*CASES[case])
    run()  # warm-up: build, tf.function tracing, first allocation
    benchmark.pedantic(run, rounds=3, iterations=1)
    _record(benchmark, case, framework)


def test_workload_shapes():
    """The pyfapi workloads compute what they claim (cheap check at the minimum size)."""
    out = np.asarray(_NS["pyfapi_forward"](1, 71)())
    assert out.shape == (1, 3, 3, 2048)
