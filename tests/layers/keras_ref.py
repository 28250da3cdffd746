"""Real Keras 3 on JAX for the preprocessing tests, run in a SUBPROCESS (importing Keras in the
test process would switch on other modules' Keras tests under different warning filters)."""
import os
import subprocess
import sys
import textwrap


def keras_available():
    """True when ``KERAS_BACKEND=jax python -c 'import keras'`` works."""
    return run_keras("import keras") is not None


_CACHE = {}


def run_keras(code, cwd=None, timeout=300):
    """Run ``code`` with real Keras (JAX backend) in a fresh interpreter; returns stdout, or None
    when Keras cannot be imported. Raises RuntimeError with stderr when ``code`` fails."""
    if code == "import keras" and "ok" in _CACHE:
        return _CACHE["ok"]
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONWARNINGS="ignore")
    env.pop("PYTHONPATH", None)
    pre = "import warnings; warnings.simplefilter('ignore')\n"
    p = subprocess.run([sys.executable, "-c", pre + textwrap.dedent(code)], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        if "No module named 'keras'" in p.stderr or code == "import keras":
            _CACHE["ok"] = None
            return None
        raise RuntimeError(f"Keras reference script failed:\n{p.stderr[-3000:]}")
    if code == "import keras":
        _CACHE["ok"] = p.stdout
    return p.stdout
