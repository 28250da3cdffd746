"""``compare.py preprocessing``: preprocessing work of issue 17, pyfapi vs Keras 3 (JAX backend)
vs PyTorch, each library in its own subprocess with the same thread count.

Cases:
  * ``text_adapt``  TextVectorization.adapt on 100,000 short sentences (Keras's needs TensorFlow,
    absent here: the peer is a plain-Python Counter over str.lower/translate/split, the floor of
    any Python implementation);
  * ``norm_adapt``  Normalization.adapt on a (1,000,000, 32) float32 array (Keras-JAX);
  * ``resize``      Resizing (64, 224, 224, 3) -> 299 x 299 bilinear (Keras-JAX,
    torch.nn.functional.interpolate bilinear align_corners=False on NCHW).

Timing: ``--repeats`` calls after one warm-up; the table shows the median and the best, and the
ratio peer / pyfapi of the medians (> 1: pyfapi faster). The machine may be shared: quote the
``uptime`` load printed with the results.
"""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import textwrap

from _util import ROOT, cpu_name

CASES = ("text_adapt", "norm_adapt", "resize")

_SETUP = {
    "text": """
        import numpy as np
        rng = np.random.default_rng(0)
        words = np.array(["w%d" % i for i in range(5000)] + ["The", "A", "cat!", "Dog,", "x.y"])
        lens = rng.integers(4, 12, 100_000)
        idx = rng.integers(0, len(words), int(lens.sum()))
        pos = np.concatenate([[0], np.cumsum(lens)])
        data = np.array([" ".join(words[idx[pos[i]:pos[i + 1]]]) for i in range(100_000)])
    """,
    "norm": """
        import numpy as np
        data = np.random.default_rng(0).standard_normal((1_000_000, 32)).astype("float32")
    """,
    "resize": """
        import numpy as np
        data = np.random.default_rng(0).uniform(0, 255, (64, 224, 224, 3)).astype("float32")
    """,
}

_BODIES = {
    ("pyfapi", "text_adapt"): ("text", """
        import pyfapi; pyfapi.set_num_threads(THREADS)
        from pyfapi import layers
        def run():
            layers.TextVectorization(max_tokens=20000).adapt(data)
    """),
    ("python", "text_adapt"): ("text", """
        import collections, string
        table = {**{ord(c): ord(c.lower()) for c in string.ascii_uppercase},
                 **{ord(c): None for c in string.punctuation}}
        def run():
            c = collections.Counter()
            for s in data.tolist():
                c.update(s.translate(table).split())
            sorted(c.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)[:20000]
    """),
    ("pyfapi", "norm_adapt"): ("norm", """
        import pyfapi; pyfapi.set_num_threads(THREADS)
        from pyfapi import layers
        def run():
            layers.Normalization().adapt(data)
    """),
    ("keras", "norm_adapt"): ("norm", """
        import keras
        def run():
            keras.layers.Normalization().adapt(data)
    """),
    ("pyfapi", "resize"): ("resize", """
        import pyfapi; pyfapi.set_num_threads(THREADS)
        from pyfapi import layers
        layer = layers.Resizing(299, 299)
        def run():
            layer(data)
    """),
    ("keras", "resize"): ("resize", """
        import keras, jax
        layer = keras.layers.Resizing(299, 299)
        x = jax.numpy.asarray(data)
        def run():
            layer(x).block_until_ready()
    """),
    ("torch", "resize"): ("resize", """
        import torch; torch.set_num_threads(THREADS)
        x = torch.from_numpy(data).permute(0, 3, 1, 2).contiguous()
        def run():
            with torch.no_grad():
                torch.nn.functional.interpolate(x, size=(299, 299), mode="bilinear",
                                                align_corners=False)
    """),
}

_TIMER = """
import time, json, statistics
run()
ts = []
for _ in range(REPEATS):
    t0 = time.perf_counter(); run(); ts.append(time.perf_counter() - t0)
print(json.dumps({"median": statistics.median(ts), "best": min(ts)}))
"""


def add_arguments(p):
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--only", choices=CASES, nargs="+", default=list(CASES))


def _env(threads, lib):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), KERAS_BACKEND="jax",
               PYTHONWARNINGS="ignore", TF_CPP_MIN_LOG_LEVEL="3")
    if lib == "keras":
        env["XLA_FLAGS"] = (f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'} "
                            f"intra_op_parallelism_threads={threads}")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _time(lib, case, threads, repeats):
    setup, body = _BODIES[(lib, case)]
    code = (textwrap.dedent(_SETUP[setup]) + textwrap.dedent(body).replace("THREADS", str(threads))
            + _TIMER.replace("REPEATS", str(repeats)))
    p = subprocess.run([sys.executable, "-c", code], env=_env(threads, lib), capture_output=True,
                       text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "failed"
    return json.loads(p.stdout.strip().splitlines()[-1]), None


def run(args) -> int:
    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}")
    print(f"cpu: {cpu_name()}")
    print(f"load: {os.getloadavg()}")
    print(f"{'case':12s} {'thr':>3s} {'library':8s} {'median ms':>10s} {'best ms':>9s} "
          f"{'peer/pyfapi':>11s}")
    for case in args.only:
        libs = [lib for (lib, c) in _BODIES if c == case]
        for nt in args.threads:
            res = {}
            for lib in libs:
                r, err = _time(lib, case, nt, args.repeats)
                res[lib] = r
                if r is None:
                    print(f"{case:12s} {nt:3d} {lib:8s} failed: {err}")
            base = res.get("pyfapi")
            for lib, r in res.items():
                if r is None:
                    continue
                ratio = "" if lib == "pyfapi" or not base else f"{r['median'] / base['median']:.2f}"
                print(f"{case:12s} {nt:3d} {lib:8s} {r['median'] * 1e3:10.1f} "
                      f"{r['best'] * 1e3:9.1f} {ratio:>11s}")
    print(f"load after: {os.getloadavg()}")
    return 0
