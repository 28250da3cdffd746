"""The array cache (pyfapi/_array_cache.py, csrc/memory/array_cache.cpp): numpy's memory handler
for arrays of 1 MB and more while pyfapi runs. Contents must never leak between arrays where
numpy promises zeros, reallocation must keep the data, the limit must hold, and removing the
handler must leave arrays it allocated freeable."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import pyfapi
from pyfapi import _array_cache as ac

MB = 1 << 20
BIG = 3 * MB // 4 + 12345  # float32 elements: ~3 MB, not a multiple of the 64 KB grain


@pytest.fixture
def cache():
    """The cache installed with a 64 MB limit and emptied; the import-time state restored after."""
    before = ac.handler_name()
    ac.set_array_cache(64)
    ac.clear_array_cache()
    yield
    ac.set_array_cache(ac.default_limit_mb() if before == "pyfapi_array_cache" else 0)


def test_installed_at_import_and_shown_in_config():
    if os.environ.get("PYFAPI_ARRAY_CACHE_MB") == "0":
        pytest.skip("disabled in this environment")
    assert ac.handler_name() == "pyfapi_array_cache"
    assert pyfapi.config()["array_cache"].startswith("on, limit")


def test_freed_block_is_reused_and_zeros_stay_zero(cache):
    a = np.empty(BIG, np.float32)
    a.fill(np.nan)
    ptr = a.ctypes.data
    del a
    s0 = ac.array_cache_stats()
    assert s0["cached_blocks"] >= 1
    z = np.zeros(BIG, np.float32)  # calloc: a reused block must be cleared
    assert z.ctypes.data == ptr
    assert ac.array_cache_stats()["hits"] == s0["hits"] + 1
    assert not np.any(z)
    del z
    o = np.ones(BIG - 1000, np.float32)  # a slightly smaller array fits the same block
    assert o.ctypes.data == ptr
    assert np.all(o == 1)


def test_small_arrays_bypass_the_cache(cache):
    s0 = ac.array_cache_stats()
    arrays = [np.ones(1000, np.float32) for _ in range(10)]
    del arrays
    s1 = ac.array_cache_stats()
    assert (s1["hits"], s1["misses"], s1["cached_blocks"]) == \
        (s0["hits"], s0["misses"], s0["cached_blocks"])


def test_much_larger_block_is_not_handed_to_a_small_request(cache):
    a = np.empty(8 * MB // 4, np.float32)
    ptr = a.ctypes.data
    del a
    b = np.empty(2 * MB // 4, np.float32)  # 2 MB: the free 8 MB block is more than +25%
    assert b.ctypes.data != ptr


def test_realloc_keeps_the_data(cache):
    a = np.arange(BIG, dtype=np.float32)
    a.resize(2 * BIG, refcheck=False)  # grows a cached block (realloc)
    np.testing.assert_array_equal(a[:BIG], np.arange(BIG, dtype=np.float32))
    a.resize(1000, refcheck=False)  # shrinks it below the cache's minimum: back to malloc
    np.testing.assert_array_equal(a, np.arange(1000, dtype=np.float32))
    s = np.arange(1000, dtype=np.float32)
    s.resize(BIG, refcheck=False)  # a malloc block grown into a cached one
    np.testing.assert_array_equal(s[:1000], np.arange(1000, dtype=np.float32))


def test_limit_bounds_the_free_bytes(cache):
    ac.set_array_cache(5)  # 5 MB
    arrays = [np.empty(BIG, np.float32) for _ in range(4)]  # 4 x ~3 MB
    del arrays
    s = ac.array_cache_stats()
    assert s["cached_bytes"] <= 5 * MB and s["cached_blocks"] == 1
    big = np.empty(6 * MB // 4, np.float32)  # larger than the limit: unmapped when freed
    del big
    assert ac.array_cache_stats()["cached_bytes"] <= 5 * MB
    ac.clear_array_cache()
    assert ac.array_cache_stats()["cached_blocks"] == 0


def test_freed_from_another_thread(cache):
    arrays = [np.full(BIG, i, np.float32) for i in range(3)]
    live = ac.array_cache_stats()["live_blocks"]
    t = threading.Thread(target=arrays.clear)
    t.start()
    t.join()
    assert ac.array_cache_stats()["live_blocks"] == live - 3


def test_removed_handler_still_frees_its_arrays(cache):
    a = np.ones(BIG, np.float32)
    ac.set_array_cache(0)
    assert ac.handler_name() != "pyfapi_array_cache"
    assert pyfapi.config()["array_cache"].startswith("off")
    b = np.ones(BIG, np.float32)  # numpy's own allocator now
    live = ac.array_cache_stats()["live_blocks"]
    del a
    assert ac.array_cache_stats()["live_blocks"] == live - 1
    del b
    ac.set_array_cache(64)
    assert ac.handler_name() == "pyfapi_array_cache"


@pytest.mark.parametrize("bad", [-1, "many", float("nan")])
def test_bad_limit_raises(bad):
    with pytest.raises(ValueError, match="set_array_cache"):
        ac.set_array_cache(bad)


def test_env_zero_disables_it_at_import():
    env = dict(os.environ, PYFAPI_ARRAY_CACHE_MB="0")
    code = "import pyfapi; from pyfapi import _array_cache as a; print(a.handler_name())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out != "pyfapi_array_cache"


def test_model_results_equal_with_and_without_cache(cache):
    from pyfapi import layers

    x = np.random.default_rng(0).standard_normal((4, 64, 64, 32)).astype(np.float32)
    inp = pyfapi.Input(shape=(64, 64, 32))
    y = layers.SeparableConv2D(48, 3, padding="same", activation="relu")(inp)
    y = layers.BatchNormalization()(y)
    model = pyfapi.Model(inp, layers.Conv2D(16, 1)(y))
    ref = [model.predict_on_batch(x) for _ in range(2)]
    ac.set_array_cache(0)
    out = model.predict_on_batch(x)
    for r in ref:
        np.testing.assert_array_equal(r, out)
