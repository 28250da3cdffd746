"""pytest-benchmark suite: one training step and one inference batch of each notebook model (pyfapi).

The peers (Keras on TensorFlow, PyTorch) are timed side by side by ``python bench/compare.py
models`` (bench/compare_models.py), which needs a fresh process per thread count; this suite times
the pyfapi side only, with the same models, sizes and data (bench/models_pyfapi.py).

Run:  PYTHONPATH=. pytest bench/test_bench_models.py --benchmark-only
      PYFAPI_BENCH_THREADS=1 ...   pin pyfapi's OpenMP pool (default: pyfapi's default)
      PYFAPI_BENCH_QUICK=1 ...     the --quick sizes of compare_models (smoke test)
      -k "mlp or qa"               a subset of the models
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyfapi  # noqa: E402

import compare_models  # noqa: E402
import models_pyfapi  # noqa: E402

THREADS = int(os.environ.get("PYFAPI_BENCH_THREADS", 0)) or pyfapi.get_num_threads()
pyfapi.set_num_threads(THREADS)
QUICK = os.environ.get("PYFAPI_BENCH_QUICK", "") not in ("", "0")
#: few rounds: the big models take seconds per call
ROUNDS = {"mlp": 50, "mlp_b1": 200, "qa": 10, "posts": 5, "residual": 5, "shared_lstm": 20,
          "xception": 3}

CASES = [(name, phase) for name, spec in compare_models.MODELS.items()
         for phase in (("train", "infer") if spec["train"] else ("infer",))]

_RUNNERS: dict = {}


def _runner(name):
    ok, why = models_pyfapi.available(name)
    if not ok:
        pytest.skip(why)
    if name not in _RUNNERS:
        _RUNNERS.clear()  # keep one model alive at a time (memory)
        cfg = compare_models.model_config(name, QUICK)
        xs, ys = compare_models.make_data(name, cfg)
        _RUNNERS[name] = models_pyfapi.make_runner(name, cfg, xs, ys if cfg["train"] else None)
    return _RUNNERS[name]


@pytest.mark.parametrize("name,phase", CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_model_step(benchmark, name, phase):
    runner = _runner(name)
    fn = runner.train_step if phase == "train" else runner.infer
    cfg = compare_models.model_config(name, QUICK)
    benchmark.group = f"models-{phase}"
    benchmark.extra_info.update(threads=THREADS, quick=QUICK,
                                config=compare_models.describe(name, cfg))
    rounds = max(2, ROUNDS[name] // (3 if QUICK else 1))
    benchmark.pedantic(fn, rounds=rounds, warmup_rounds=1, iterations=1)


# ---- the peers time the same models: outputs and first-step losses agree ------------------------
def _flat(out):
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [np.asarray(o.detach() if hasattr(o, "detach") else o, dtype=np.float64) for o in outs]


@pytest.mark.parametrize("name", [n for n in compare_models.MODELS if n != "xception"])
def test_peers_compute_the_same_model(name):
    """pyfapi's initial weights copied into Keras and PyTorch give the same inference outputs and
    the same first training-step loss (--quick sizes): the comparison times equal models."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("keras")
    import models_keras
    import models_torch
    models_keras.setup(THREADS)
    models_torch.setup(THREADS)
    cfg = compare_models.model_config(name, quick=True)
    xs, ys = compare_models.make_data(name, cfg)
    rp = models_pyfapi.make_runner(name, cfg, xs, ys)
    weights = rp.layer_weights()
    rk = models_keras.make_runner(name, cfg, xs, ys, weights)
    rt = models_torch.make_runner(name, cfg, xs, ys, weights)
    ref = _flat(rp.infer())
    with torch.no_grad():
        got_t = _flat(rt.infer())
    if name == "residual":  # torch output is NCHW (channels_last memory)
        got_t = [a.transpose(0, 2, 3, 1) for a in got_t]
    for peer, got in (("keras", _flat(rk.infer())), ("torch", got_t)):
        assert len(got) == len(ref)
        for a, b in zip(ref, got):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=f"{name}: {peer}")
    lp = float(np.ravel(rp.train_step())[0])
    lk = float(np.ravel(rk.train_step())[0])
    lt = float(rt.train_step())
    assert lk == pytest.approx(lp, rel=1e-4)
    assert lt == pytest.approx(lp, rel=1e-4)
