"""Issue-16 layers side by side: pyfapi vs Keras 3 on TensorFlow, Keras 3 on JAX and PyTorch,
1 and 2 threads.

Usage::

    python bench/compare.py layers [--threads 1 2] [--repeats 15] [--only ln convt block mhadrop]

Cases (each timed as one step with forward AND backward):

* ``ln``: LayerNormalization forward + backward on (4096, 256) (gamma / beta gradients too);
  every framework returns the forward output as well (graph compilers -- XLA, grappler --
  would otherwise drop it: the backward of these ops does not need it);
* ``convt``: Conv2DTranspose 3x3 stride 2 'same', (32, 16, 16, 64) -> 32 filters, forward +
  backward (input and kernel gradients);
* ``block``: a transformer encoder block training step (MHA 4 heads x 16 + LayerNormalization +
  Dense 128/64 + residual adds, Adam, MSE), batch 32, length 128, dim 64.
* ``mhadrop``: MultiHeadAttention(4 heads x 16, dropout=0.1) self-attention training step (Adam,
  MSE), batch 32, length 128, dim 64 (PyTorch: ``nn.MultiheadAttention(64, 4, dropout=0.1)``).
  Not in the default set (``--only mhadrop``).

For every thread count FRESH subprocesses run the frameworks: one with pyfapi, PyTorch and Keras
on JAX (``KERAS_BACKEND=jax``), one with pyfapi and Keras on TensorFlow
(``KERAS_BACKEND=tensorflow``; Keras picks its backend once per process). ``OMP_NUM_THREADS`` = N,
``pyfapi.set_num_threads(N)``, ``torch.set_num_threads(N)``, JAX via ``XLA_FLAGS``
(``--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1`` for one thread),
TensorFlow via ``tf.config.threading`` (intra-op N, inter-op 1). JAX steps are ``jax.jit``-
compiled, TensorFlow's ``tf.function`` graphs (compilation excluded); Keras's block uses
``train_on_batch`` (Keras's default ``jit_compile="auto"``). Frameworks are timed interleaved
(one sample each in turn) so load spikes hit all of them; the table shows medians of wall and
process-CPU time (all threads) per call and pyfapi's ratio to each peer (< 1: pyfapi faster),
each ratio against the pyfapi timed in the SAME subprocess (row ``pyfapi@tf`` for the TF run). On a shared, oversubscribed machine the CPU time is the robust
figure; wall time there mostly measures the scheduler.
"""
from __future__ import annotations

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

CASES = ("ln", "convt", "block", "mhadrop")
DEFAULT_CASES = ("ln", "convt", "block")


def add_arguments(p):
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--only", nargs="+", choices=CASES, default=list(DEFAULT_CASES))
    p.add_argument("--json", default=None, help="write the results here")


# ---- the three frameworks' step functions (run inside the child) ------------------------------
def _pyfapi_steps(n_threads, only):
    import pyfapi
    from pyfapi import layers, ops
    from pyfapi.autodiff import GradientTape, Tensor
    pyfapi.set_num_threads(n_threads)
    rng = np.random.default_rng(0)
    steps = {}
    if "ln" in only:
        x = Tensor(rng.standard_normal((4096, 256)).astype(np.float32))
        g = pyfapi.Variable(np.ones(256, np.float32))
        b = pyfapi.Variable(np.zeros(256, np.float32))
        dy = rng.standard_normal((4096, 256)).astype(np.float32)

        def ln(x=x, g=g, b=b, dy=dy):
            with GradientTape() as tape:
                tape.watch(x)
                y = ops.layer_normalization(x, g, b, epsilon=1e-3)
            tape.gradient(y, [x, g, b], output_gradients=dy)
        steps["ln"] = ln
    if "convt" in only:
        x = Tensor(rng.standard_normal((32, 16, 16, 64)).astype(np.float32))
        k = pyfapi.Variable(rng.standard_normal((3, 3, 32, 64)).astype(np.float32) * 0.05)
        dy = rng.standard_normal((32, 32, 32, 32)).astype(np.float32)

        def convt(x=x, k=k, dy=dy):
            with GradientTape() as tape:
                tape.watch(x)
                y = ops.conv_transpose(x, k, 2, "same")
            tape.gradient(y, [x, k], output_gradients=dy)
        steps["convt"] = convt
    if "block" in only:
        pyfapi.utils.set_random_seed(0)
        inp = pyfapi.Input((128, 64))
        a = layers.MultiHeadAttention(4, 16)(inp, inp)
        h = layers.LayerNormalization()(layers.Add()([inp, a]))
        f = layers.Dense(64)(layers.Dense(128, activation="relu")(h))
        model = pyfapi.Model(inp, layers.LayerNormalization()(layers.Add()([h, f])))
        model.compile(optimizer="adam", loss="mse")
        xb = rng.standard_normal((32, 128, 64)).astype(np.float32)
        yb = rng.standard_normal((32, 128, 64)).astype(np.float32)
        steps["block"] = lambda: model.train_on_batch(xb, yb)
    if "mhadrop" in only:
        pyfapi.utils.set_random_seed(0)
        inp = pyfapi.Input((128, 64))
        mmodel = pyfapi.Model(inp, layers.MultiHeadAttention(4, 16, dropout=0.1)(inp, inp))
        mmodel.compile(optimizer="adam", loss="mse")
        xm = rng.standard_normal((32, 128, 64)).astype(np.float32)
        ym = rng.standard_normal((32, 128, 64)).astype(np.float32)
        steps["mhadrop"] = lambda: mmodel.train_on_batch(xm, ym)
    return steps


def _torch_steps(n_threads, only):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(n_threads)
    torch.set_num_interop_threads(1)
    rng = np.random.default_rng(0)
    steps = {}
    if "ln" in only:
        x = torch.tensor(rng.standard_normal((4096, 256)).astype(np.float32), requires_grad=True)
        g = torch.ones(256, requires_grad=True)
        b = torch.zeros(256, requires_grad=True)
        dy = torch.tensor(rng.standard_normal((4096, 256)).astype(np.float32))

        def ln(x=x, g=g, b=b, dy=dy):
            y = F.layer_norm(x, (256,), g, b, 1e-3)
            torch.autograd.grad(y, [x, g, b], dy)
        steps["ln"] = ln
    if "convt" in only:
        # NCHW, the native layout (channels_last would be slower for torch)
        x = torch.tensor(rng.standard_normal((32, 64, 16, 16)).astype(np.float32), requires_grad=True)
        k = torch.tensor(rng.standard_normal((64, 32, 3, 3)).astype(np.float32) * 0.05,
                         requires_grad=True)
        dy = torch.tensor(rng.standard_normal((32, 32, 32, 32)).astype(np.float32))

        def convt(x=x, k=k, dy=dy):
            y = F.conv_transpose2d(x, k, stride=2, padding=1, output_padding=1)
            torch.autograd.grad(y, [x, k], dy)
        steps["convt"] = convt
    if "block" in only:
        torch.manual_seed(0)

        class Block(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.mha = torch.nn.MultiheadAttention(64, 4, batch_first=True)
                self.ln1, self.ln2 = torch.nn.LayerNorm(64, eps=1e-3), torch.nn.LayerNorm(64, eps=1e-3)
                self.f1, self.f2 = torch.nn.Linear(64, 128), torch.nn.Linear(128, 64)

            def forward(self, x):
                h = self.ln1(x + self.mha(x, x, x, need_weights=False)[0])
                return self.ln2(h + self.f2(torch.relu(self.f1(h))))
        m = Block()
        opt = torch.optim.Adam(m.parameters(), 1e-3)
        xb = torch.tensor(rng.standard_normal((32, 128, 64)).astype(np.float32))
        yb = torch.tensor(rng.standard_normal((32, 128, 64)).astype(np.float32))

        def block():
            opt.zero_grad()
            loss = F.mse_loss(m(xb), yb)
            loss.backward()
            opt.step()
        steps["block"] = block
    if "mhadrop" in only:
        torch.manual_seed(0)
        mha = torch.nn.MultiheadAttention(64, 4, dropout=0.1, batch_first=True)
        mopt = torch.optim.Adam(mha.parameters(), 1e-3)
        xm = torch.tensor(rng.standard_normal((32, 128, 64)).astype(np.float32))
        ym = torch.tensor(rng.standard_normal((32, 128, 64)).astype(np.float32))

        def mhadrop():
            mopt.zero_grad()
            loss = F.mse_loss(mha(xm, xm, xm, need_weights=False)[0], ym)
            loss.backward()
            mopt.step()
        steps["mhadrop"] = mhadrop
    return steps


def _fwd_and_vjp(jax, f, dy, *args):
    """(y, input gradients): y is returned so XLA cannot drop the forward (pyfapi and PyTorch
    compute it; without it only the backward of a linear op would be timed)."""
    y, vjp = jax.vjp(f, *args)
    return y, vjp(dy)


def _keras_jax_steps(n_threads, only):
    import jax
    import keras
    rng = np.random.default_rng(0)
    steps = {}
    if "ln" in only:
        x = jax.numpy.asarray(rng.standard_normal((4096, 256)).astype(np.float32))
        g, b = jax.numpy.ones(256), jax.numpy.zeros(256)
        dy = jax.numpy.asarray(rng.standard_normal((4096, 256)).astype(np.float32))

        def f_ln(x, g, b):
            return keras.ops.layer_normalization(x, g, b, epsilon=1e-3)
        vjp = jax.jit(lambda x, g, b, dy: _fwd_and_vjp(jax, f_ln, dy, x, g, b))
        steps["ln"] = lambda vjp=vjp, x=x, g=g, b=b, dy=dy: jax.block_until_ready(vjp(x, g, b, dy))
    if "convt" in only:
        x = jax.numpy.asarray(rng.standard_normal((32, 16, 16, 64)).astype(np.float32))
        k = jax.numpy.asarray(rng.standard_normal((3, 3, 32, 64)).astype(np.float32) * 0.05)
        dy = jax.numpy.asarray(rng.standard_normal((32, 32, 32, 32)).astype(np.float32))

        def f_ct(x, k):
            return keras.ops.conv_transpose(x, k, 2, "same")
        vjp = jax.jit(lambda x, k, dy: _fwd_and_vjp(jax, f_ct, dy, x, k))
        steps["convt"] = lambda vjp=vjp, x=x, k=k, dy=dy: jax.block_until_ready(vjp(x, k, dy))
    if "block" in only:
        keras.utils.set_random_seed(0)
        L = keras.layers
        inp = keras.Input((128, 64))
        a = L.MultiHeadAttention(4, 16)(inp, inp)
        h = L.LayerNormalization()(L.Add()([inp, a]))
        f = L.Dense(64)(L.Dense(128, activation="relu")(h))
        model = keras.Model(inp, L.LayerNormalization()(L.Add()([h, f])))
        model.compile(optimizer="adam", loss="mse")
        xb = rng.standard_normal((32, 128, 64)).astype(np.float32)
        yb = rng.standard_normal((32, 128, 64)).astype(np.float32)
        steps["block"] = lambda: model.train_on_batch(xb, yb)
    if "mhadrop" in only:
        keras.utils.set_random_seed(0)
        inp = keras.Input((128, 64))
        mmodel = keras.Model(inp, keras.layers.MultiHeadAttention(4, 16, dropout=0.1)(inp, inp))
        mmodel.compile(optimizer="adam", loss="mse")
        xm = rng.standard_normal((32, 128, 64)).astype(np.float32)
        ym = rng.standard_normal((32, 128, 64)).astype(np.float32)
        steps["mhadrop"] = lambda: mmodel.train_on_batch(xm, ym)
    return steps


def _keras_tf_steps(n_threads, only):
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(n_threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"Keras runs on {keras.backend.backend()}, not tensorflow")
    rng = np.random.default_rng(0)
    steps = {}
    if "ln" in only:
        x = tf.constant(rng.standard_normal((4096, 256)).astype(np.float32))
        g, b = tf.Variable(tf.ones(256)), tf.Variable(tf.zeros(256))
        dy = tf.constant(rng.standard_normal((4096, 256)).astype(np.float32))

        @tf.function
        def ln(x=x, g=g, b=b, dy=dy):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = keras.ops.layer_normalization(x, g, b, epsilon=1e-3)
            # y returned too: else grappler prunes the forward output (pyfapi / torch compute it)
            return [y] + tape.gradient(y, [x, g, b], output_gradients=dy)
        steps["ln"] = lambda: [t.numpy() for t in ln()]
    if "convt" in only:
        x = tf.constant(rng.standard_normal((32, 16, 16, 64)).astype(np.float32))
        k = tf.Variable(rng.standard_normal((3, 3, 32, 64)).astype(np.float32) * 0.05)
        dy = tf.constant(rng.standard_normal((32, 32, 32, 32)).astype(np.float32))

        @tf.function
        def convt(x=x, k=k, dy=dy):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = keras.ops.conv_transpose(x, k, 2, "same")
            return [y] + tape.gradient(y, [x, k], output_gradients=dy)
        steps["convt"] = lambda: [t.numpy() for t in convt()]
    if "block" in only:
        keras.utils.set_random_seed(0)
        L = keras.layers
        inp = keras.Input((128, 64))
        a = L.MultiHeadAttention(4, 16)(inp, inp)
        h = L.LayerNormalization()(L.Add()([inp, a]))
        f = L.Dense(64)(L.Dense(128, activation="relu")(h))
        model = keras.Model(inp, L.LayerNormalization()(L.Add()([h, f])))
        model.compile(optimizer="adam", loss="mse")
        xb = rng.standard_normal((32, 128, 64)).astype(np.float32)
        yb = rng.standard_normal((32, 128, 64)).astype(np.float32)
        steps["block"] = lambda: model.train_on_batch(xb, yb)
    if "mhadrop" in only:
        keras.utils.set_random_seed(0)
        inp = keras.Input((128, 64))
        mmodel = keras.Model(inp, keras.layers.MultiHeadAttention(4, 16, dropout=0.1)(inp, inp))
        mmodel.compile(optimizer="adam", loss="mse")
        xm = rng.standard_normal((32, 128, 64)).astype(np.float32)
        ym = rng.standard_normal((32, 128, 64)).astype(np.float32)
        steps["mhadrop"] = lambda: mmodel.train_on_batch(xm, ym)
    return steps


_MAKERS = {"pyfapi": "_pyfapi_steps", "torch": "_torch_steps", "keras-jax": "_keras_jax_steps",
           "keras-tf": "_keras_tf_steps"}
#: the subprocesses of one thread count: (KERAS_BACKEND, frameworks)
_RUNS = (("jax", ("pyfapi", "torch", "keras-jax")), ("tensorflow", ("pyfapi", "keras-tf")))


def child(n_threads, repeats, only, frameworks=("pyfapi", "torch", "keras-jax")):
    """Runs in the subprocess: builds the frameworks' steps, times them interleaved."""
    fws = {}
    for name in frameworks:
        make = globals()[_MAKERS[name]]
        try:
            fws[name] = make(n_threads, only)
        except Exception as e:  # a missing peer: reported, not fatal
            print(f"# {name} unavailable: {type(e).__name__}: {e}", file=sys.stderr)
    res = {}
    for case in only:
        runners = {fw: s[case] for fw, s in fws.items() if case in s}
        for fn in runners.values():  # warm-up (JIT compilation, first-call allocation)
            fn()
            fn()
        samples = {fw: ([], []) for fw in runners}
        order = list(runners)
        for r in range(repeats):
            order = order[1:] + order[:1]
            for fw in order:
                w0, c0 = time.perf_counter(), time.process_time()
                runners[fw]()
                samples[fw][0].append(time.perf_counter() - w0)
                samples[fw][1].append(time.process_time() - c0)
        res[case] = {fw: {"wall_ms": 1e3 * statistics.median(w), "cpu_ms": 1e3 * statistics.median(c)}
                     for fw, (w, c) in samples.items()}
    print(json.dumps(res))


def run(args):
    from _util import cpu_name
    out = {}
    for nt in args.threads:
        out[nt] = {case: {} for case in args.only}
        for backend, fws in _RUNS:
            env = dict(os.environ, OMP_NUM_THREADS=str(nt), OPENBLAS_NUM_THREADS=str(nt),
                       MKL_NUM_THREADS=str(nt), KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2",
                       XLA_FLAGS=f"--xla_cpu_multi_thread_eigen={'false' if nt == 1 else 'true'} "
                                 f"intra_op_parallelism_threads={nt}",
                       PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE),
                                                   os.environ.get("PYTHONPATH", "")]))
            code = (f"import compare_layers as c; c.child({nt}, {args.repeats}, "
                    f"{list(args.only)!r}, {fws!r})")
            r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
            if r.returncode:
                print(r.stderr[-3000:])
                return 1
            for line in r.stderr.splitlines():  # "# <framework> unavailable: ..." notes
                if line.startswith("# "):
                    print(line, file=sys.stderr)
            res = json.loads(r.stdout.strip().splitlines()[-1])
            for case, row in res.items():
                if backend == "tensorflow" and "pyfapi" in row:
                    row = {("pyfapi@tf" if fw == "pyfapi" else fw): v for fw, v in row.items()}
                out[nt][case].update(row)
    load = os.getloadavg()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cpu_name()}, load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; medians of {args.repeats}")
    names = {"ln": "LayerNorm fwd+bwd (4096,256)",
             "convt": "Conv2DTranspose 3x3 s2 (32,16,16,64)->32 fwd+bwd",
             "block": "transformer block train step b32 L128 d64 h4",
             "mhadrop": "MHA dropout=0.1 train step b32 L128 d64 h4"}
    print(f"{'case':48s} {'thr':>3s} {'framework':>10s} {'wall ms':>9s} {'cpu ms':>9s} "
          f"{'pyfapi/peer wall':>16s} {'cpu':>6s}")
    for case in args.only:
        for nt in args.threads:
            row = out[nt][case]
            for fw, v in row.items():
                rw = rc = ""
                base = row.get("pyfapi@tf" if fw == "keras-tf" else "pyfapi")
                if not fw.startswith("pyfapi") and base is not None:
                    rw = f"{base['wall_ms'] / v['wall_ms']:.2f}"
                    rc = f"{base['cpu_ms'] / v['cpu_ms']:.2f}"
                print(f"{names[case]:48s} {nt:3d} {fw:>10s} {v['wall_ms']:9.2f} {v['cpu_ms']:9.2f} "
                      f"{rw:>16s} {rc:>6s}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 0


if __name__ == "__main__":
    import argparse
    sys.path.insert(0, str(HERE))
    p = argparse.ArgumentParser()
    add_arguments(p)
    sys.exit(run(p.parse_args()))
