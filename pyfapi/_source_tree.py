"""Importing pyfapi from a source checkout whose extension is not built.

``pip install . && python -m pyfapi.demo`` run in the repository root puts the root first on
``sys.path`` (``python -m`` / ``python -c`` do that), so ``import pyfapi`` finds the source folder,
which has no compiled ``_C``. This module finds the installed copy on the rest of ``sys.path`` and
loads it instead; the importing module then replaces itself in ``sys.modules`` (which Python's
import system supports). Without an installed copy, the error says what to do.
"""
from __future__ import annotations

import glob
import importlib.util
import os
import sys

_EXTENSION_PATTERNS = ("_C*.so", "_C*.pyd")


def _has_extension(package_dir: str) -> bool:
    return any(glob.glob(os.path.join(package_dir, p)) for p in _EXTENSION_PATTERNS)


def installed_copy(source_dir: str):
    """The installed ``pyfapi`` package (a loaded module) found on ``sys.path`` outside
    ``source_dir``'s parent, or None. ``source_dir`` is the folder of the package being imported."""
    source_root = os.path.dirname(os.path.abspath(source_dir))
    for entry in sys.path:
        root = os.path.abspath(entry or os.getcwd())
        candidate = os.path.join(root, "pyfapi")
        if root == source_root or not os.path.isfile(os.path.join(candidate, "__init__.py")):
            continue
        if not _has_extension(candidate):
            continue
        spec = importlib.util.spec_from_file_location(
            "pyfapi", os.path.join(candidate, "__init__.py"), submodule_search_locations=[candidate])
        module = importlib.util.module_from_spec(spec)
        sys.modules["pyfapi"] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop("pyfapi", None)
            raise
        return module
    return None


def missing_extension_error(source_dir: str, cause: BaseException) -> ImportError:
    """The ImportError raised when neither this tree nor an installed copy has ``_C``."""
    return ImportError(
        f"pyfapi's compiled extension pyfapi._C is missing: pyfapi was imported from the source "
        f"folder {source_dir}, which has no in-place build, and no installed pyfapi was found on "
        f"sys.path. Install it with `pip install .` (then run Python from any folder, or with "
        f"`pyfapi-demo`), or build in place with `.ci/dev-build` and set PYTHONPATH to the "
        f"repository. ({cause})")
