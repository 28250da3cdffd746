"""The package's import layering (pyproject.toml ``[tool.importlinter]``, README "Layering"):
utils/_config -> graph/autodiff -> kernels -> ops -> losses/metrics/optimizers/... -> layers ->
preprocessing -> saving -> training -> models -> distributed -> applications -> demo; a module
may import only modules of its own or lower layers. Checked with import-linter; the second test
proves the check fails on a back-pointing import."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("importlinter")

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYFAPI_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(
    __import__("pyfapi").__file__)))


def _lint(config, cwd, pythonpath):
    # import-linter's command line (lint-imports), run by the interpreter of the tests
    code = ("import sys; from importlinter.cli import lint_imports_command; "
            f"sys.argv = ['lint-imports', {str(config)!r}, '--no-cache']; lint_imports_command()")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(pythonpath),
                                                       os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_package_imports_point_down_only():
    res = _lint(ROOT / "pyproject.toml", ROOT, PYFAPI_PARENT)
    assert res.returncode == 0, res.stdout + res.stderr


def test_a_back_pointing_import_fails_the_check(tmp_path):
    pkg = tmp_path / "layered_demo"
    (pkg / "low").mkdir(parents=True)
    (pkg / "high").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "high" / "__init__.py").write_text("from layered_demo import low\n")
    (pkg / "low" / "__init__.py").write_text(
        "def helper():\n    from layered_demo.high import thing  # lazy, still an import\n")
    config = tmp_path / "layers.toml"
    config.write_text(textwrap.dedent("""
        [tool.importlinter]
        root_package = "layered_demo"

        [[tool.importlinter.contracts]]
        name = "demo layers"
        type = "layers"
        layers = ["layered_demo.high", "layered_demo.low"]
    """))
    res = _lint(config, tmp_path, tmp_path)
    assert res.returncode == 1
    assert "layered_demo.low is not allowed to import layered_demo.high" in res.stdout
