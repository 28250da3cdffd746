"""Package foundation: version, thread control, the run-time SIMD choice and show_config."""
import pytest

import pyfapi
from pyfapi import _C


def test_version_is_the_package_version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        assert pyfapi.__version__ == version("pyfapi")
    except PackageNotFoundError:  # a development build in the source tree
        assert pyfapi.__version__ == _C.__version__


def test_set_and_get_num_threads_round_trip():
    before = pyfapi.get_num_threads()
    try:
        pyfapi.set_num_threads(1)
        assert pyfapi.get_num_threads() == 1
        if _C.openmp_enabled():
            pyfapi.set_num_threads(2)
            assert pyfapi.get_num_threads() == 2
    finally:
        pyfapi.set_num_threads(before)


@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-3, ValueError), ("2", TypeError), (2.0, TypeError),
                                      (True, TypeError), (10**6, ValueError), (2**40, ValueError)])
def test_set_num_threads_rejects_bad_values(bad, exc):
    with pytest.raises(exc, match="set_num_threads"):
        pyfapi.set_num_threads(bad)


def test_omp_num_threads_sets_the_default(run_python):
    out = run_python("-c", "import pyfapi; print(pyfapi.get_num_threads())", env={"OMP_NUM_THREADS": "1"})
    assert out.stdout.strip() == "1"


def test_show_config_reports_simd_path_and_threads(capsys):
    pyfapi.show_config()
    text = capsys.readouterr().out
    cfg = pyfapi.config()
    assert cfg["simd_active"] in ("avx512", "avx2", "generic")
    assert cfg["simd_detected"] in ("avx512", "avx2", "generic")
    for key in ("version", "compiler", "simd_active", "openmp", "num_threads"):
        assert key in text
    assert f"simd_active: {cfg['simd_active']}" in text
    assert f"num_threads: {pyfapi.get_num_threads()}" in text


def test_isa_override_cannot_exceed_the_cpu():
    order = ["generic", "avx2", "avx512"]
    best = _C.detected_isa()
    try:
        for name in order:
            allowed = order.index(name) <= order.index(best)
            assert _C.set_isa(name) is allowed
            assert _C.active_isa() == (name if allowed else _C.active_isa())
    finally:
        _C.set_isa(best)
    with pytest.raises(ValueError, match="set_isa"):
        _C.set_isa("sse9")


def test_pyfapi_isa_environment_variable_lowers_the_path(run_python):
    out = run_python("-c", "from pyfapi import _C; print(_C.active_isa())", env={"PYFAPI_ISA": "generic"})
    assert out.stdout.strip() == "generic"


def test_allocator_tuning_is_reported_and_can_be_switched_off(run_python):
    assert "allocator" in pyfapi.config()
    out = run_python("-c", "import pyfapi; print(pyfapi.config()['allocator'])", env={"PYFAPI_MALLOC_TUNE": "0"})
    assert "PYFAPI_MALLOC_TUNE=0" in out.stdout or out.stdout.strip() == "system default"
