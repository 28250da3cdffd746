"""Fixtures of the MPI tests: ``mpiexec(n, *args, timeout=..., env=...)`` runs
``mpiexec -n n python *args`` with the pyfapi under test (as ``run_python`` does).

Without mpi4py or an ``mpiexec`` these tests skip, EXCEPT under CI (``CI=true``, set by
``.ci/run``): there the ``test`` extra installs mpi4py and the mpich wheel, so a missing MPI is a
failure, never a silent skip.
"""
import os
import shutil
import subprocess
import sys

import pytest

import pyfapi

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(pyfapi.__file__)))

HERE = os.path.dirname(os.path.abspath(__file__))


def _find_mpiexec():
    # the mpich wheel installs mpiexec next to the interpreter; prefer it over PATH (a site
    # MPI's mpiexec would not match the wheel's libmpi)
    cand = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.exists(cand):
        return cand
    return shutil.which("mpiexec")


def _require_mpi():
    problems = []
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        problems.append("mpi4py is not installed (pip install 'pyfapi[mpi]')")
    exe = _find_mpiexec()
    if exe is None:
        problems.append("no mpiexec found (pip install mpich)")
    if problems:
        msg = "; ".join(problems)
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"MPI tests must run in CI: {msg}")
        pytest.skip(msg)
    return exe


@pytest.fixture(scope="session")
def mpiexec(tmp_path_factory):
    """``mpiexec(n, *args, timeout=120, env=None, check=True)`` -> CompletedProcess (text)."""
    exe = _require_mpi()
    workdir = tmp_path_factory.mktemp("mpi")

    def run(n, *args, timeout=120, env=None, check=True):
        full_env = dict(os.environ, **(env or {}))
        for key in [k for k, v in full_env.items() if v is None]:
            del full_env[key]
        full_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (PACKAGE_PARENT, HERE, full_env.get("PYTHONPATH", "")) if p)
        if "OMP_NUM_THREADS" not in (env or {}):
            full_env.pop("OMP_NUM_THREADS", None)  # threads per rank: pyfapi.distributed's rule
        if full_env.get("PYFAPI_CHILD_PRELOAD"):
            full_env["LD_PRELOAD"] = full_env["PYFAPI_CHILD_PRELOAD"]
        cmd = [exe, "-n", str(n), sys.executable, *args]
        proc = subprocess.run(cmd, env=full_env, cwd=workdir, capture_output=True, text=True,
                              check=False,
                              timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited with {proc.returncode}\n--- stdout\n"
                                 f"{proc.stdout}\n--- stderr\n{proc.stderr}")
        return proc

    run.workdir = workdir
    return run
