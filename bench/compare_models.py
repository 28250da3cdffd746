"""End-to-end: the notebook's models in pyfapi, Keras 3 (TensorFlow CPU) and PyTorch CPU.

Usage::

    python bench/compare.py models [--threads 1 2] [--quick] [--json out.json] [--plot out.png]
    python bench/compare_models.py  [same options]          # standalone
    python bench/compare_models.py --profile qa posts --threads 1   # where pyfapi's time goes
    python bench/compare.py models --env OMP_WAIT_POLICY=PASSIVE    # try a runtime setting

For every thread count a FRESH subprocess runs all frameworks (TensorFlow fixes its thread pools
at initialisation): ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS`` = N in
its environment, ``pyfapi.set_num_threads(N)``, ``torch.set_num_threads(N)`` (interop 1),
TensorFlow intra-op N / inter-op 1 set before TF runs anything.

Per model: pyfapi builds it first; its initial weights are copied into Keras (``set_weights`` by
layer name, same layouts) and PyTorch (converted layouts, see bench/models_torch.py), except the
PyTorch Xception (shapes equal, own init). Same batch, same inputs, same targets. Timed:

* ``train``: one training step -- forward, loss, backward, RMSprop update (``train_on_batch``
  for pyfapi and Keras; zero_grad/forward/backward/step for PyTorch);
* ``infer``: one inference batch (``predict_on_batch``; ``inference_mode`` for PyTorch).

Each framework is warmed up (the first call, which includes Keras's tf.function tracing, is
reported separately as ``first``), then the frameworks are timed INTERLEAVED round-robin (one
sample each in turn, rotating the order) so that load spikes on a shared machine hit all of them;
the tables show the median of the wall-clock time AND of the process CPU time (user+sys, all
threads) per call -- on a shared, oversubscribed machine the CPU time is the robust figure (wall
time there mostly measures how often the scheduler runs us). Very fast calls are looped so a sample
lasts >= 20 ms. Slow calls get fewer repeats (``--budget`` seconds per framework and phase, at
least 3 samples when they fit).

Equivalence: ``bench/test_bench_models.py::test_peers_compute_the_same_model`` checks that the
three frameworks give the same outputs and first-step loss for every model (same weights).

``--profile MODEL...`` instead runs cProfile (CPU-time clock by default) on pyfapi's steps and
prints the time per category (C++ kernels / numpy / pyfapi Python) and the top functions;
``--env KEY=VALUE`` passes runtime settings (OMP_WAIT_POLICY, MALLOC_*) to every framework.

Memory: ``rss+`` is the growth of the resident set while the framework builds the model and runs
its warm-up (peak VmHWM after resetting it through /proc/self/clear_refs, minus the RSS before);
``import`` is the RSS added by importing the framework. ``--isolated-memory`` also runs each
framework ALONE in its own subprocess and reports its whole-process peak RSS.

``mlp_b1`` is the MLP at batch 1: the per-step Python/framework overhead.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(HERE), str(ROOT)):  # bench modules, and pyfapi from this source tree
    if _p not in sys.path:
        sys.path.insert(0, _p)

FRAMEWORKS = ("pyfapi", "pyfapi_fp32", "keras", "keras_jax", "torch")
FW_MODULES = {"pyfapi": "models_pyfapi", "pyfapi_fp32": "models_pyfapi_fp32",
              "keras": "models_keras", "keras_jax": "models_keras_jax", "torch": "models_torch"}

#: model -> full-size configuration (issue 9); ``train`` False = inference only
MODELS = {
    "mlp": dict(batch=128, train=True),
    "mlp_b1": dict(batch=1, train=True),
    "qa": dict(batch=128, length=100, text_vocab=10000, question_vocab=10000, answers=500,
               train=True),
    "posts": dict(batch=64, length=500, vocab=50000, income=10, train=True),
    "residual": dict(batch=32, size=32, channels=128, train=True),
    "shared_lstm": dict(batch=64, length=50, features=128, train=True),
    "xception": dict(batch=8, size=299, train=False),
}
#: --quick overrides (posts needs length >= 269 for its valid convolutions and pools)
QUICK = {
    "qa": dict(batch=16, length=20),
    "posts": dict(batch=8, length=300),
    "residual": dict(batch=4, size=16),
    "shared_lstm": dict(batch=16, length=10),
    "xception": dict(batch=1, size=96),
}

DESCRIPTIONS = {
    "mlp": "MLP 64-32-32-10, batch 128",
    "mlp_b1": "MLP 64-32-32-10, batch 1 (per-step overhead)",
    "qa": "QA: 2x Embedding+LSTM(32/16), concat, Dense 500",
    "posts": "posts: Embedding 50000x256, 5 Conv1D, 3 heads",
    "residual": "residual: 3x Conv2D(128,3,same) + add",
    "shared_lstm": "shared LSTM(32) on 2 sequences, Dense 1",
    "xception": "Xception (include_top=False), inference",
}


def model_config(name, quick=False):
    cfg = dict(MODELS[name])
    if quick:
        cfg.update(QUICK.get(name, {}))
    return cfg


def describe(name, cfg):
    keys = [k for k in ("batch", "length", "size") if k in cfg]
    return ", ".join(f"{k} {cfg[k]}" for k in keys)


def make_data(name, cfg, seed=0):
    """Inputs and targets (lists of numpy arrays, Keras layouts: channels last)."""
    rng = np.random.default_rng(seed)
    b = cfg["batch"]

    def onehot(n):
        return np.eye(n, dtype=np.float32)[rng.integers(0, n, size=b)]

    if name in ("mlp", "mlp_b1"):
        return [rng.standard_normal((b, 64), dtype=np.float32)], [onehot(10)]
    if name == "qa":
        n = cfg["length"]
        xs = [rng.integers(1, cfg["text_vocab"], size=(b, n), dtype=np.int32),
              rng.integers(1, cfg["question_vocab"], size=(b, n), dtype=np.int32)]
        return xs, [onehot(cfg["answers"])]
    if name == "posts":
        xs = [rng.integers(1, cfg["vocab"], size=(b, cfg["length"]), dtype=np.int32)]
        ys = [rng.uniform(0, 1, size=(b, 1)).astype(np.float32), onehot(cfg["income"]),
              rng.integers(0, 2, size=(b, 1)).astype(np.float32)]
        return xs, ys
    if name == "residual":
        s, c = cfg["size"], cfg["channels"]
        return ([rng.standard_normal((b, s, s, c), dtype=np.float32)],
                [rng.standard_normal((b, s, s, c), dtype=np.float32)])
    if name == "shared_lstm":
        shape = (b, cfg["length"], cfg["features"])
        return ([rng.standard_normal(shape, dtype=np.float32),
                 rng.standard_normal(shape, dtype=np.float32)],
                [rng.integers(0, 2, size=(b, 1)).astype(np.float32)])
    if name == "xception":
        s = cfg["size"]
        return [rng.uniform(-1, 1, size=(b, s, s, 3)).astype(np.float32)], None
    raise ValueError(f"unknown model {name!r}")


# ---- memory helpers (Linux /proc) -------------------------------------------------------------
def _status_kb(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class PeakRSS:
    """Resettable peak-RSS probe: VmHWM after ``echo 5 > /proc/self/clear_refs``."""

    def __init__(self):
        self.process_peak_kb = 0
        self.can_reset = True

    def reset(self):
        self._note()
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            self.can_reset = False
        return _status_kb("VmRSS") or 0

    def peak(self):
        return self._note()

    def _note(self):
        hwm = _status_kb("VmHWM") or 0
        self.process_peak_kb = max(self.process_peak_kb, hwm)
        return hwm


# ---- machine ----------------------------------------------------------------------------------
def machine_info():
    cpu = platform.processor() or "?"
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu in ("?", "", platform.machine()):
                    cpu = line.split(":", 1)[1].strip()
                if line.startswith("flags") and not flags:
                    fl = line.split(":", 1)[1].split()
                    flags = " ".join(x for x in ("avx2", "fma", "avx512f", "avx512_bf16",
                                                  "amx_tile") if x in fl)
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) // 1024
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {"cpu": cpu, "isa_flags": flags, "logical_cores": os.cpu_count(),
            "usable_cores": affinity, "mem_total_mb": mem, "os": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__,
            "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
            "forced_openblas": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                                if k in os.environ},
            "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        return rev or None
    except (OSError, subprocess.SubprocessError):
        return None


# ---- worker (one subprocess per thread count) ---------------------------------------------------
def _time_call(fn, number, cpu=None):
    """Wall seconds per call; appends process CPU seconds per call (all threads) to ``cpu``."""
    c0 = time.process_time()
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    wall = (time.perf_counter() - t0) / number
    if cpu is not None:
        cpu.append((time.process_time() - c0) / number)
    return wall


def _err(e):
    return f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"


def _loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _log(msg):
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def worker(args):
    """Run in the subprocess: set up frameworks at ``args.threads``, time every model."""
    import importlib
    threads = args.threads[0]
    probe = PeakRSS()
    out = {"threads": threads, "frameworks": {}, "models": {}, "quick": args.quick,
           "loadavg_start": _loadavg()}
    mods = {}
    for fw in args.frameworks:
        rss0 = _status_kb("VmRSS") or 0
        try:
            mod = importlib.import_module(FW_MODULES[fw])
            mod.setup(threads)
            info = {"version": mod.version()}
            mods[fw] = mod
        except Exception as e:  # noqa: BLE001 - a missing peer is a skip, not a failure
            info = {"skipped": f"not available ({_err(e)})"}
        info["import_rss_mb"] = round(((_status_kb("VmRSS") or 0) - rss0) / 1024, 1)
        out["frameworks"][fw] = info
        _log(f"{fw}: {info.get('version', info.get('skipped'))}")

    for name in args.models:
        cfg = model_config(name, args.quick)
        xs, ys = make_data(name, cfg)
        phases = ["train", "infer"] if cfg["train"] else ["infer"]
        res = {"config": cfg, "phases": phases, "results": {}, "loadavg": _loadavg()}
        out["models"][name] = res
        runners, est = {}, {}
        weights = None
        for fw in args.frameworks:
            r = res["results"][fw] = {}
            if fw not in mods:
                r["skipped"] = out["frameworks"][fw]["skipped"]
                continue
            mod = mods[fw]
            ok, why = mod.available(name)
            if not ok:
                r["skipped"] = why
                _log(f"{name}/{fw}: skipped: {why}")
                continue
            rss_before = probe.reset()
            try:
                t0 = time.perf_counter()
                try:
                    runner = mod.make_runner(name, cfg, xs, ys if cfg["train"] else None,
                                             weights)
                    r["weights"] = "copied from pyfapi" if weights else "own init"
                except ValueError as e:
                    if weights is None:
                        raise
                    runner = mod.make_runner(name, cfg, xs, ys if cfg["train"] else None, None)
                    r["weights"] = f"own init (copy failed: {_err(e)})"
                if name == "xception" and fw == "torch":
                    r["weights"] = "own init (shapes equal)"
                r["build_s"] = round(time.perf_counter() - t0, 3)
                if fw == "pyfapi" and hasattr(runner, "layer_weights"):
                    weights = runner.layer_weights()
                for ph in phases:
                    fn = getattr(runner, "train_step" if ph == "train" else "infer")
                    times = []
                    while len(times) < args.warmup and (not times or sum(times) < args.budget):
                        times.append(_time_call(fn, 1))
                    r[f"{ph}_first_ms"] = round(times[0] * 1e3, 3)
                    est[(fw, ph)] = times[-1]
                runners[fw] = runner
            except Exception as e:  # noqa: BLE001 - recorded and shown in the table
                r["error"] = _err(e)
                _log(f"{name}/{fw}: ERROR {r['error']}")
                if args.verbose:
                    traceback.print_exc()
            r["rss_growth_mb"] = round((probe.peak() - rss_before) / 1024, 1)
            gc.collect()

        for ph in phases:
            plan, samples, cpu = {}, {}, {}
            for fw in runners:
                cpu[fw] = []
                e = max(est[(fw, ph)], 1e-7)
                number = max(1, int(args.min_sample / e))
                reps = max(1, min(args.repeats, int(args.budget / (e * number))))
                if e * 3 <= 1.5 * args.budget:
                    reps = max(reps, min(3, args.repeats))
                plan[fw] = (number, reps)
                samples[fw] = []
            order = list(runners)
            for rep in range(max((p[1] for p in plan.values()), default=0)):
                k = rep % max(1, len(order))
                for fw in order[k:] + order[:k]:
                    number, reps = plan[fw]
                    if fw in samples and len(samples[fw]) < reps:
                        fn = getattr(runners[fw], "train_step" if ph == "train" else "infer")
                        try:
                            samples[fw].append(_time_call(fn, number, cpu[fw]))
                        except Exception as e:  # noqa: BLE001
                            res["results"][fw]["error"] = _err(e)
                            del samples[fw]
            for fw, s in samples.items():
                if s:
                    res["results"][fw][ph] = {
                        "median_ms": round(statistics.median(s) * 1e3, 4),
                        "min_ms": round(min(s) * 1e3, 4),
                        "cpu_median_ms": round(statistics.median(cpu[fw]) * 1e3, 4),
                        "n": len(s), "number": plan[fw][0]}
            line = "  ".join(f"{fw} {res['results'][fw][ph]['median_ms']:.2f}"
                             for fw in samples if ph in res["results"][fw])
            _log(f"{name} {ph} (threads {threads}) ms: {line}")
        for fw in list(runners):
            del runners[fw]
        for mod in mods.values():
            if hasattr(mod, "cleanup"):
                mod.cleanup()
        gc.collect()
    probe.peak()
    out["loadavg_end"] = _loadavg()
    out["process_peak_rss_mb"] = round(probe.process_peak_kb / 1024, 1)
    out["final_rss_mb"] = round((_status_kb("VmRSS") or 0) / 1024, 1)
    with open(args._worker, "w") as f:
        json.dump(out, f, indent=1)
    return 0


# ---- profiling (pyfapi only, in this process) ---------------------------------------------------
def _category(key):
    """Bucket a cProfile function key (file, line, name) into kernel / numpy / python."""
    file, _, fn = key
    if file == "~":
        if "pyfapi._C" in fn or "_C." in fn:
            return "C++ kernels (_C)"
        if "numpy" in fn or "ufunc" in fn or "method '" in fn:
            return "numpy (C)"
        return "other builtins"
    if "/numpy/" in file:
        return "numpy (python wrappers)"
    if "/pyfapi/" in file:
        return "pyfapi python"
    return "other python"


def profile(args):
    """cProfile ``--steps`` calls of each phase of the ``--profile`` models in pyfapi."""
    import cProfile
    import pstats

    import models_pyfapi
    models_pyfapi.setup(args.threads[0])
    for name in args.profile:
        cfg = model_config(name, args.quick)
        xs, ys = make_data(name, cfg)
        runner = models_pyfapi.make_runner(name, cfg, xs, ys if cfg["train"] else None)
        for ph in (["train", "infer"] if cfg["train"] else ["infer"]):
            fn = runner.train_step if ph == "train" else runner.infer
            for _ in range(max(1, args.warmup)):
                fn()
            steps = args.steps
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(steps):
                fn()
            wall = (time.perf_counter() - t0) / steps
            cpu_s = (time.process_time() - c0) / steps
            pr = cProfile.Profile(time.process_time if args.timer == "cpu" else time.perf_counter)
            pr.enable()
            for _ in range(steps):
                fn()
            pr.disable()
            st = pstats.Stats(pr)
            total = sum(v[2] for v in st.stats.values())
            cats = {}
            for key, v in st.stats.items():
                c = _category(key)
                cats[c] = cats.get(c, 0.0) + v[2]
            print(f"\n=== pyfapi {name} {ph} ({describe(name, cfg)}, threads "
                  f"{args.threads[0]}): unprofiled {wall * 1e3:.2f} ms/step wall, "
                  f"{cpu_s * 1e3:.2f} ms/step CPU; profiled ({args.timer} timer) "
                  f"{total / steps * 1e3:.2f} ms/step")
            for c, v in sorted(cats.items(), key=lambda kv: -kv[1]):
                print(f"  {c:26s} {v / steps * 1e3:9.2f} ms/step  {100 * v / total:5.1f}%")
            rows = sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:args.top]
            print(f"  {'self ms/step':>12s} {'%':>5s} {'calls/step':>10s}  function")
            for (file, line, fn_name), v in rows:
                where = fn_name if file == "~" else \
                    f"{file.split('/work/main/')[-1].split('site-packages/')[-1]}:{line}({fn_name})"
                print(f"  {v[2] / steps * 1e3:12.3f} {100 * v[2] / total:5.1f} "
                      f"{v[1] / steps:10.1f}  {where}")
        del runner
        gc.collect()
    return 0


# ---- driver -------------------------------------------------------------------------------------
def _spawn(args, threads, frameworks, models, repeats, warmup):
    fd, path = tempfile.mkstemp(prefix="pyfapi_models_", suffix=".json")
    os.close(fd)
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMEXPR_NUM_THREADS"):
        env[k] = str(threads)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for kv in getattr(args, "env", None) or ():
        k, _, v = kv.partition("=")
        env[k] = v
    env["PYFAPI_BENCH_POLICY"] = args.policy
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE)] +
                                        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    cmd = [sys.executable, str(HERE / "compare_models.py"), "--_worker", path,
           "--threads", str(threads), "--frameworks", *frameworks, "--models", *models,
           "--repeats", str(repeats), "--warmup", str(warmup), "--budget", str(args.budget),
           "--min-sample", str(args.min_sample), "--policy", args.policy]
    if args.quick:
        cmd.append("--quick")
    if args.verbose:
        cmd.append("--verbose")
    proc = subprocess.run(cmd, env=env)
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError):
        data = {"threads": threads, "error": f"worker exited with {proc.returncode}"}
    finally:
        os.unlink(path)
    return data


def _merge_separate(run, extra, fw):
    """Put framework ``fw``'s results from the worker run ``extra`` (pyfapi + fw) into ``run``.

    Each phase keeps the pyfapi medians of its own process (``pyfapi_same_process``): the table's
    pyfapi/fw ratio uses them, so it compares two frameworks timed interleaved in one process.
    """
    if "error" in run:
        return
    if "error" in extra:
        run["frameworks"][fw] = {"skipped": f"separate process: {extra['error']}",
                                 "import_rss_mb": None}
        for res in run["models"].values():
            res["results"][fw] = {"skipped": extra["error"]}
        return
    run["frameworks"][fw] = extra["frameworks"][fw]
    for name, res in run["models"].items():
        er = extra.get("models", {}).get(name, {}).get("results", {})
        r = dict(er.get(fw, {"skipped": "not run in the separate process"}))
        ref = er.get("pyfapi", {})
        for ph in res["phases"]:
            if isinstance(r.get(ph), dict) and isinstance(ref.get(ph), dict):
                r[ph] = dict(r[ph], pyfapi_same_process={
                    k: ref[ph].get(k) for k in ("median_ms", "cpu_median_ms")})
        res["results"][fw] = r


def _fmt(v, nd=2):
    if v is None:
        return "-"
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.1f}"
    return f"{v:.{nd}f}"


def format_report(report):
    m = report["machine"]
    lines = [f"# pyfapi end-to-end models benchmark ({m['date_utc']})",
             f"machine: {m['cpu']} [{m['isa_flags']}], {m['logical_cores']} logical cores "
             f"({m['usable_cores']} usable), {m['mem_total_mb']} MB RAM; load avg at start "
             f"{', '.join(f'{x:.2f}' for x in (m['loadavg_at_start'] or []))}",
             f"python {m['python']}, numpy {m['numpy']}, pyfapi tree {report.get('git')}"]
    if report.get("args", {}).get("env"):
        lines.append("worker environment overrides (all frameworks): " +
                     " ".join(report["args"]["env"]))
    if m.get("forced_openblas"):
        lines.append("WARNING: " + ", ".join(f"{k}={v}" for k, v in m["forced_openblas"].items()) +
                     " is set: numpy's OpenBLAS (used by pyfapi's numpy fallbacks) runs a forced "
                     "kernel; for its best one run `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "
                     "python bench/compare.py models`.")
    for run in report["runs"]:
        th = run.get("threads")
        lines.append("")
        if "error" in run:
            lines.append(f"## threads = {th}: {run['error']}")
            continue
        fws = list(run["frameworks"])
        pol = report.get("args", {}).get("policy", "float32")
        lines.append(f"## threads = {th}, policy {pol}" +
                     ("  (--quick sizes)" if run.get("quick") else "") +
                     f"  [load avg (1/5/15 min) at start {run.get('loadavg_start')}, "
                     f"at end {run.get('loadavg_end')}]")
        for fw, info in run["frameworks"].items():
            lines.append(f"- {fw}: {info.get('version') or info.get('skipped')}; "
                         f"import +{info['import_rss_mb']} MB RSS")
        for key, title in (("median_ms", "wall-clock ms per call (median)"),
                           ("cpu_median_ms", "CPU ms per call (process user+sys time, all "
                                             "threads, median): robust to a busy machine")):
            lines.append(f"### {title}")
            lines.extend(_table(run, fws, key))
        lines.append(f"process peak RSS (all frameworks in one process): "
                     f"{run.get('process_peak_rss_mb')} MB")
        for n in _notes(run, fws):
            lines.append(f"  note: {n}")
    iso = report.get("isolated_memory")
    if iso:
        lines.append("")
        lines.append("## peak RSS per framework, each alone in its own process "
                     f"(threads {iso['threads']}, all models, {iso['repeats']} timed call)")
        for fw, v in iso["frameworks"].items():
            lines.append(f"- {fw}: {v}")
    lines.append("")
    if any(isinstance(ph, dict) and "pyfapi_same_process" in ph
           for run in report["runs"] for res in run.get("models", {}).values()
           for r in res["results"].values() for ph in r.values()):
        lines.append("keras_jax ran in a second process beside pyfapi (Keras fixes its backend "
                     "at import); its pyfapi/keras_jax ratios use that process's pyfapi times.")
    lines.append("ratio < 1 means pyfapi is faster. rss+ = peak RSS growth while building + "
                 "warming up that model (pyfapi/keras/torch).")
    return "\n".join(lines)


def _notes(run, fws):
    notes = []
    for name, res in run["models"].items():
        rr = res["results"]
        for fw, r in rr.items():
            if "skipped" in r:
                notes.append(f"{name}/{fw}: skipped -- {r['skipped']}")
            if "error" in r:
                notes.append(f"{name}/{fw}: ERROR -- {r['error']}")
            if str(r.get("weights", "")).startswith("own init (copy"):
                notes.append(f"{name}/{fw}: {r['weights']}")
        first = {fw: rr[fw].get(f"{res['phases'][0]}_first_ms") for fw in fws}
        if any(first.values()):
            notes.append(f"{name}: first {res['phases'][0]} call (incl. tracing/build) ms: " +
                         ", ".join(f"{fw} {_fmt(v)}" for fw, v in first.items() if v))
    return notes


def _table(run, fws, key):
    """Markdown rows: one per model and phase, ``key`` of each framework, ratios, rss growth."""
    lines = []
    peers = [f for f in fws if f != "pyfapi"]
    head = ["model", "phase"] + [f"{f} ms" for f in fws] + \
           [f"pyfapi/{p}" for p in peers if "pyfapi" in fws] + \
           [f"rss+ MB {'/'.join(fws)}"]
    rows = []
    for name, res in run["models"].items():
        label = f"{name} ({describe(name, res['config'])})"
        rr = res["results"]
        for ph in res["phases"]:
            med = {fw: rr[fw].get(ph, {}).get(key) for fw in fws}
            row = [label, ph] + [_fmt(med[fw]) for fw in fws]
            if "pyfapi" in fws:
                for p in peers:  # a peer run in its own process: that process's pyfapi
                    ref = (rr[p].get(ph, {}).get("pyfapi_same_process") or {}).get(key) \
                        or med["pyfapi"]
                    row.append(f"{ref / med[p]:.2f}" if ref and med[p] else "-")
            row.append(" / ".join(_fmt(rr[fw].get("rss_growth_mb"), 0)
                                  if "rss_growth_mb" in rr[fw] else "-" for fw in fws)
                       if ph == res["phases"][0] else "")
            rows.append(row)
            label = ""
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    lines.append("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        lines.append("| " + " | ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                                       for i, (c, w) in enumerate(zip(r, widths))) + " |")
    return lines


def plot(report, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"--plot: matplotlib is not installed; {path} not written")
        return
    runs = [r for r in report["runs"] if "models" in r]
    fig, axes = plt.subplots(len(runs), 1, figsize=(12, 4 * len(runs)), squeeze=False)
    for ax, run in zip(axes[:, 0], runs):
        fws = list(run["frameworks"])
        labels, vals = [], {fw: [] for fw in fws}
        for name, res in run["models"].items():
            for ph in res["phases"]:
                labels.append(f"{name}\n{ph}")
                for fw in fws:
                    r = res["results"][fw].get(ph, {})
                    vals[fw].append(r.get("cpu_median_ms") or r.get("median_ms") or 0)
        x = np.arange(len(labels))
        w = 0.8 / max(1, len(fws))
        for i, fw in enumerate(fws):
            ax.bar(x + i * w, vals[fw], w, label=fw)
        ax.set_xticks(x + w * (len(fws) - 1) / 2, labels, fontsize=7)
        ax.set_yscale("log")
        ax.set_ylabel("CPU ms per call (median)")
        ax.set_title(f"threads = {run['threads']}")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot written to {path}")


def add_arguments(p):
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                   help="thread counts, one fresh subprocess each (default: 1 2)")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS),
                   metavar="MODEL", help=f"subset of {', '.join(MODELS)}")
    p.add_argument("--frameworks", nargs="+", default=None, choices=FRAMEWORKS,
                   help="default: pyfapi keras keras_jax torch (+ pyfapi_fp32 under --policy)")
    p.add_argument("--policy", default="float32", choices=("float32", "mixed_bfloat16"),
                   help="dtype policy of every framework: pyfapi and Keras build the models "
                        "under mixed_precision.set_global_policy(POLICY), PyTorch runs its steps "
                        "under torch.autocast('cpu', torch.bfloat16); pyfapi_fp32 (pyfapi in "
                        "float32) is added as the reference of the speed-up")
    p.add_argument("--quick", action="store_true",
                   help="smaller sizes and fewer repeats (smoke test)")
    p.add_argument("--repeats", type=int, default=None,
                   help="timed samples per framework and phase (default 15, quick 3)")
    p.add_argument("--warmup", type=int, default=None, help="warm-up calls (default 2, quick 1)")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds of timing per framework and phase before repeats are cut "
                        "(default 20, quick 3)")
    p.add_argument("--min-sample", type=float, default=0.02,
                   help="fast calls are looped so one sample lasts at least this (s)")
    p.add_argument("--isolated-memory", action="store_true",
                   help="also run each framework alone to report its whole-process peak RSS")
    p.add_argument("--env", nargs="+", metavar="KEY=VALUE", default=[],
                   help="extra environment for the worker subprocesses (all frameworks), e.g. "
                        "OMP_WAIT_POLICY=PASSIVE or MALLOC_MMAP_THRESHOLD_=33554432")
    p.add_argument("--json", metavar="OUT", help="save the full results as JSON")
    p.add_argument("--plot", metavar="PNG", help="bar chart (needs matplotlib)")
    p.add_argument("--verbose", action="store_true", help="print worker tracebacks")
    p.add_argument("--profile", nargs="+", choices=list(MODELS), metavar="MODEL",
                   help="instead of comparing: cProfile pyfapi's train/infer steps of MODEL(s) "
                        "in this process (threads = first --threads) and print where time goes")
    p.add_argument("--steps", type=int, default=5, help="--profile: profiled calls per phase")
    p.add_argument("--top", type=int, default=25, help="--profile: functions listed")
    p.add_argument("--timer", choices=("cpu", "wall"), default="cpu",
                   help="--profile clock: process CPU time (default; robust on a busy machine, "
                        "but adds ~0.5 us per Python call) or wall time")
    p.add_argument("--_worker", help=argparse.SUPPRESS)


def _defaults(args):
    if args.repeats is None:
        args.repeats = 3 if args.quick else 15
    if args.warmup is None:
        args.warmup = 1 if args.quick else 2
    if args.budget is None:
        args.budget = 3.0 if args.quick else 20.0
    args.warmup = max(1, args.warmup)
    if args.frameworks is None:
        args.frameworks = [f for f in FRAMEWORKS
                           if f != "pyfapi_fp32" or getattr(args, "policy", "float32") != "float32"]
    # pyfapi first: its initial weights are copied into the peers
    args.frameworks = [f for f in FRAMEWORKS if f in args.frameworks]


def run(args):
    _defaults(args)
    if getattr(args, "_worker", None):
        return worker(args)
    if getattr(args, "profile", None):
        return profile(args)
    report = {"machine": machine_info(), "git": git_revision(), "runs": [],
              "args": {k: v for k, v in vars(args).items() if not k.startswith("_")}}
    print(f"[models] {report['machine']['cpu']}, {report['machine']['usable_cores']} cores; "
          f"threads {args.threads}; models {args.models}; policy {args.policy}", flush=True)
    # Keras fixes its backend at import: Keras on JAX beside Keras on TensorFlow needs its own
    # process (with pyfapi again, so its ratios compare two frameworks timed side by side)
    separate = [f for f in args.frameworks if f == "keras_jax" and "keras" in args.frameworks]
    main_fws = [f for f in args.frameworks if f not in separate]
    for th in args.threads:
        print(f"[models] threads = {th}: fresh subprocess with {', '.join(main_fws)}",
              flush=True)
        run_ = _spawn(args, th, main_fws, args.models, args.repeats, args.warmup)
        for fw in separate:
            print(f"[models] threads = {th}: fresh subprocess with pyfapi, {fw} (Keras backends "
                  f"cannot share a process)", flush=True)
            _merge_separate(run_, _spawn(args, th, ["pyfapi", fw], args.models, args.repeats,
                                         args.warmup), fw)
        report["runs"].append(run_)
    if args.isolated_memory:
        th = min(args.threads)
        iso = {"threads": th, "repeats": 1, "frameworks": {}}
        for fw in args.frameworks:
            print(f"[models] isolated memory run: {fw} alone", flush=True)
            d = _spawn(args, th, [fw], args.models, 1, 1)
            if "error" in d:
                iso["frameworks"][fw] = d["error"]
            else:
                info = d["frameworks"][fw]
                iso["frameworks"][fw] = (f"peak {d['process_peak_rss_mb']} MB "
                                         f"(import +{info['import_rss_mb']} MB)"
                                         if "skipped" not in info else info["skipped"])
        report["isolated_memory"] = iso
    text = format_report(report)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({**report, "table": text}, f, indent=1)
        print(f"results written to {args.json}")
    if args.plot:
        plot(report, args.plot)
    failed = any("error" in r for r in report["runs"])
    return 1 if failed else 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="compare_models.py", description=__doc__.split("\n")[0])
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
