"""Every differentiable op in the registry passes a finite-difference gradient check.

The cases live in tests/gradcheck_cases.py (and tests/gradcheck_cases_<family>.py tables);
``test_every_differentiable_op_has_a_case`` fails for any registered differentiable op without one,
so no op (including kernel ops registered by other modules) can skip the check.
"""
import importlib
import pkgutil

import pytest

import pyfapi
from pyfapi.autodiff.registry import REGISTRY
from pyfapi.testing import gradcheck

# Import every pyfapi module (pyfapi.ops, its kernel families and everything else) so
# that every registered op is in REGISTRY, wherever it is defined.
for _m in pkgutil.walk_packages(pyfapi.__path__, "pyfapi."):
    importlib.import_module(_m.name)

from gradcheck_cases import CASES  # noqa: E402

_DIFFERENTIABLE = sorted(n for n, op in REGISTRY.items() if op.differentiable)


def _params():
    out = []
    for name in _DIFFERENTIABLE:
        for i, case in enumerate(CASES.get(name, ())):
            out.append(pytest.param(name, case, id=f"{name}-{i}"))
    return out


def test_every_differentiable_op_has_a_case():
    missing = [n for n in _DIFFERENTIABLE if not CASES.get(n)]
    assert not missing, f"differentiable ops without a gradcheck case in tests/gradcheck_cases*.py: {missing}"


def test_no_case_for_an_unknown_op():
    unknown = sorted(set(CASES) - set(REGISTRY))
    assert not unknown, f"gradcheck cases for ops that are not registered: {unknown}"


@pytest.mark.parametrize("name,case", _params())
def test_gradcheck(name, case):
    fn, inputs, *kw = case
    gradcheck(fn, inputs, **(kw[0] if kw else {}))
