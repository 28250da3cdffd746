"""Shared fixtures.

Subprocess tests must import the pyfapi under test, never the source folder: the tests run from
the repository root, where ``python -c`` / ``python -m`` would put the source tree (which has no
compiled ``_C`` in a clean clone) first on ``sys.path``. :func:`run_python` runs Python in a
temporary directory with ``PYTHONPATH`` pointing at the folder that holds the imported package.
"""
import os
import subprocess
import sys

# Real Keras (the interop tests) runs on JAX: TensorFlow is not a test dependency. Set before
# anything imports keras; a backend the user chose is kept.
os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest

import pyfapi
from interop_plugin import pytest_runtest_makereport  # noqa: F401 - a hook: CI fails interop skips

#: The folder that holds the ``pyfapi`` package being tested (site-packages, or a dev build tree).
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(pyfapi.__file__)))


@pytest.fixture(scope="session")
def run_python(tmp_path_factory):
    """``run_python(*args, env=None, timeout=600, check=True)`` -> CompletedProcess (text output).

    ``args`` follow the interpreter (e.g. ``"-c", code`` or ``"-m", "pyfapi.demo"``); ``env`` adds
    or overrides environment variables (a value of None removes the variable).
    """

    workdir = tmp_path_factory.mktemp("subprocess")

    def run(*args, env=None, timeout=600, check=True):
        full_env = dict(os.environ, **(env or {}))
        for key in [k for k, v in full_env.items() if v is None]:  # None: unset in the child
            del full_env[key]
        full_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (PACKAGE_PARENT, full_env.get("PYTHONPATH", "")) if p)
        if full_env.get("PYFAPI_CHILD_PRELOAD"):  # .ci/sanitize: the child loads the sanitized _C
            full_env["LD_PRELOAD"] = full_env["PYFAPI_CHILD_PRELOAD"]
        return subprocess.run([sys.executable, *args], env=full_env, cwd=workdir, capture_output=True,
                              text=True, timeout=timeout, check=check)

    return run


@pytest.fixture
def force_parallel():
    """Kernels open their parallel regions even for small shapes (they normally run tiny
    problems single-threaded), so the 1-vs-2-thread tests exercise the multi-threaded paths."""
    from pyfapi import _C

    before = _C._force_threads()
    _C._set_force_threads(True)
    yield
    _C._set_force_threads(before)


ISAS = ("generic", "avx2", "avx512")


@pytest.fixture(params=ISAS)
def isa(request):
    """Runs the test once per SIMD path (forced with ``_C.set_isa``; restored after); a path
    this CPU lacks is skipped."""
    from pyfapi import _C
    old = _C.active_isa()
    if not _C.set_isa(request.param):
        pytest.skip(f"{request.param} not available on this CPU")
    yield request.param
    _C.set_isa(old)
