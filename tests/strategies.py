"""Shared hypothesis strategies and checks for the fuzz / thread tests (issue 10).

Profiles (``HYPOTHESIS_PROFILE`` env var, loaded on import of this module):

* ``default`` (CI): 30 examples per test, derandomized (the same examples on every run, so CI is
  reproducible), no deadline (the first call of a kernel pays for thread start-up), no database.
* ``thorough``: 400 random examples per test with the example database on; run before a release
  or after touching a kernel: ``HYPOTHESIS_PROFILE=thorough pytest tests/test_fuzz_*.py``.

Array helpers draw values first and then a *layout* for them (``C``, ``F`` Fortran order, ``strided``
non-contiguous view with step 2, ``reversed`` negative-stride view): every layout holds the same
values, so one numpy float64 reference serves them all.
"""
from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
           HealthCheck.function_scoped_fixture]
settings.register_profile("default", max_examples=30, deadline=None, derandomize=True,
                          database=None, suppress_health_check=_HEALTH, print_blob=True)
settings.register_profile("thorough", max_examples=400, deadline=None,
                          suppress_health_check=_HEALTH, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

LAYOUTS = ("C", "F", "strided", "reversed")
FLOAT_DTYPES = (np.float32, np.float64, np.float16)
#: dtypes a user may pass to a float op: floats, int32/int64 and bool (cast by the op).
INPUT_DTYPES = (np.float32, np.float64, np.float16, np.int32, np.int64, np.bool_)


def shapes(min_dims=0, max_dims=4, min_side=0, max_side=5):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def elements(dtype, lo=-3.0, hi=3.0):
    """Finite values in [lo, hi] representable in ``dtype`` (ints: rounded range, bool: any)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        return st.integers(int(np.ceil(lo)), int(np.floor(hi)))
    width = {2: 16, 4: 32, 8: 64}[dtype.itemsize]
    t = dtype.type
    lo_t, hi_t = t(lo), t(hi)  # the closest representable bounds inside [lo, hi]
    lo = float(lo_t if lo_t >= lo else np.nextafter(lo_t, t(np.inf)))
    hi = float(hi_t if hi_t <= hi else np.nextafter(hi_t, t(-np.inf)))
    return st.floats(lo, hi, width=width, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


def with_layout(a: np.ndarray, layout: str, axis: int = 0) -> np.ndarray:
    """``a``'s values in the given memory layout (a view for ``strided`` / ``reversed``)."""
    if a.ndim == 0:
        return a.copy()  # (np.ascontiguousarray would make it 1-d)
    if layout == "C":
        return np.ascontiguousarray(a)
    if layout == "F":
        return np.asfortranarray(a)
    if layout == "strided":
        big = np.zeros(tuple(2 * n + 1 for n in a.shape), a.dtype)
        view = big[tuple(slice(1, None, 2) for _ in a.shape)][tuple(slice(0, n) for n in a.shape)]
        view[...] = a
        return view
    if layout == "reversed":
        axis %= a.ndim
        flip = tuple(slice(None, None, -1) if i == axis else slice(None) for i in range(a.ndim))
        return np.ascontiguousarray(a[flip])[flip]
    raise ValueError(layout)


@st.composite
def arrays(draw, dtype, shape, lo=-3.0, hi=3.0, layout=None, unique=False):
    """A numpy array of ``dtype`` / ``shape`` (strategies or values) in a drawn memory layout."""
    if isinstance(dtype, st.SearchStrategy):
        dtype = draw(dtype)
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    a = draw(hnp.arrays(dtype, shape, elements=elements(dtype, lo, hi), unique=unique))
    if layout is None:
        layout = draw(st.sampled_from(LAYOUTS))
    axis = draw(st.integers(0, max(a.ndim - 1, 0)))
    out = with_layout(a, layout, axis)
    assert out.shape == a.shape and np.array_equal(out, a, equal_nan=True)
    return out


def assert_matches(got, expected, rtol: float, what: str = "", scale=None):
    """``got`` equals the float64 ``expected`` within ``rtol`` (scaled by the magnitude of the
    values, or ``scale``); same shape; no NaN/inf where the reference is finite."""
    got = np.asarray(got)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, expected {expected.shape}"
    if got.dtype.kind == "b" or expected.dtype.kind == "b":
        np.testing.assert_array_equal(got, expected, err_msg=what)
        return
    g = got.astype(np.float64)
    e = expected.astype(np.float64)
    finite = np.isfinite(e)
    bad = finite & ~np.isfinite(g)
    assert not bad.any(), f"{what}: non-finite output where the reference is finite: {g[bad][:5]}"
    if scale is None:
        scale = max(1.0, float(np.abs(e[finite]).max())) if finite.any() else 1.0
    np.testing.assert_allclose(g[finite], e[finite], rtol=rtol, atol=rtol * scale, err_msg=what)
    np.testing.assert_array_equal(np.isnan(g[~finite]), np.isnan(e[~finite]), err_msg=what)


def value(x) -> np.ndarray:
    """The numpy value of a Tensor / array / scalar."""
    v = getattr(x, "value", None)
    return v if isinstance(v, np.ndarray) else np.asarray(x)


def check_error(exc: BaseException, *names: str):
    """A user error: ValueError/TypeError/IndexError whose message names one of ``names``."""
    assert isinstance(exc, (ValueError, TypeError, IndexError)), (
        f"expected ValueError/TypeError/IndexError, got {type(exc).__name__}: {exc}")
    msg = str(exc)
    assert any(n in msg for n in names), f"error message does not name any of {names}: {msg!r}"
