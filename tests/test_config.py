"""Package foundation: version, thread control, the run-time SIMD choice and show_config."""
import os
import subprocess
import sys

import pytest

import pyfapi
from pyfapi import _C

#: The folder holding the pyfapi under test (site-packages, or a development tree).
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(pyfapi.__file__)))


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
    assert cfg["simd_active"] in ("avx512_bf16", "avx512", "avx2", "generic")
    assert cfg["simd_detected"] in ("avx512_bf16", "avx512", "avx2", "generic")
    for key in ("version", "compiler", "simd_active", "openmp", "num_threads"):
        assert key in text
    assert f"simd_active: {cfg['simd_active']}" in text
    assert f"num_threads: {pyfapi.get_num_threads()}" in text


def test_isa_override_cannot_exceed_the_cpu():
    order = ["generic", "avx2", "avx512", "avx512_bf16"]
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


def _source_copy_without_extension(tmp_path):
    """A copy of the pyfapi Python sources with no compiled _C (a fresh clone's layout)."""
    import shutil

    src = os.path.dirname(pyfapi.__file__)
    dst = tmp_path / "checkout"
    shutil.copytree(src, dst / "pyfapi", ignore=shutil.ignore_patterns("_C*", "__pycache__"))
    return dst


def test_running_in_a_source_checkout_uses_the_installed_package(tmp_path):
    """`pip install . && python -m pyfapi.demo` in the repository root: the source folder comes
    first on sys.path but has no _C, so pyfapi loads the installed copy instead."""
    checkout = _source_copy_without_extension(tmp_path)
    env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
    out = subprocess.run([sys.executable, "-c", "import pyfapi; print(pyfapi.__file__, pyfapi._C.active_isa())"],
                         cwd=checkout, env=env, capture_output=True, text=True, check=True)
    path, isa = out.stdout.split()
    assert os.path.dirname(os.path.dirname(path)) == PACKAGE_PARENT
    assert isa in ("generic", "avx2", "avx512", "avx512_bf16")


def test_source_checkout_without_any_build_explains_what_to_do(tmp_path):
    checkout = _source_copy_without_extension(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-S", "-c", "import pyfapi"], cwd=checkout, env=env,
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "pyfapi._C is missing" in out.stderr and "pip install ." in out.stderr


def test_config_module_is_keras_config_and_still_callable():
    """pyfapi.config is Keras 3's keras.config (settings) and pyfapi.config() the build dict."""
    import pyfapi.config as cfg
    assert cfg is pyfapi.config and isinstance(pyfapi.config(), dict)
    assert (cfg.floatx(), cfg.image_data_format(), cfg.backend()) == ("float32", "channels_last",
                                                                      "pyfapi")
    old = cfg.epsilon()
    cfg.set_epsilon(1e-5)
    try:
        assert cfg.epsilon() == 1e-5 == pyfapi.backend.epsilon()
    finally:
        cfg.set_epsilon(old)
    cfg.set_dtype_policy("mixed_bfloat16")
    try:
        assert cfg.dtype_policy().name == "mixed_bfloat16"
        assert pyfapi.layers.Dense(2).dtype_policy.name == "mixed_bfloat16"
    finally:
        cfg.set_dtype_policy("float32")
    with pytest.raises(ValueError, match="float32 only"):
        cfg.set_floatx("float64")
    with pytest.raises(ValueError, match="channels_last only"):
        cfg.set_image_data_format("channels_first")
    assert cfg.enable_unsafe_deserialization() is None


def test_top_level_names_as_keras():
    """keras.Loss / Metric / Optimizer / InputSpec / Initializer / Regularizer and
    keras.version() at the top level."""
    assert pyfapi.Loss is pyfapi.losses.Loss and pyfapi.Metric is pyfapi.metrics.Metric
    assert pyfapi.Optimizer is pyfapi.optimizers.Optimizer
    assert pyfapi.InputSpec is pyfapi.layers.InputSpec
    assert pyfapi.Initializer is pyfapi.initializers.Initializer
    assert pyfapi.Regularizer is pyfapi.regularizers.Regularizer
    assert pyfapi.version() == pyfapi.__version__
