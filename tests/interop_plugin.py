"""Under CI, a test that compares with real Keras may not skip: Keras 3 and JAX are in the
``test`` extra, so a missing ``keras`` / ``jax`` there is a broken install, not a reason to skip.

With ``CI`` set to true (``.ci/run`` sets it; CI services do), a test skipped by
``pytest.importorskip("keras")`` (or ``"jax"``) is reported as FAILED with the import error.
Loaded by tests/conftest.py; usable alone as ``pytest -p interop_plugin``.
"""
import os
import re

import pytest

_INTEROP_SKIP = re.compile(r"could not import '(keras|jax)\b")


def under_ci() -> bool:
    """True when the ``CI`` environment variable is set to true / 1 / yes."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if not (rep.skipped and under_ci()) or hasattr(rep, "wasxfail"):
        return
    reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
    if _INTEROP_SKIP.search(reason):
        rep.outcome = "failed"
        rep.longrepr = (f"{item.nodeid}: an interop test may not skip under CI=true ({reason}). "
                        "Install the test extra: python -m pip install \".[test]\" (real Keras 3 "
                        "with the JAX backend).")
