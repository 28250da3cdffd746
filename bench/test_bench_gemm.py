"""pytest-benchmark suite of pyfapi.kernels.gemm (with numpy's matmul in the same groups).

Run: ``PYTHONPATH=. pytest bench/test_bench_gemm.py --benchmark-only`` (``-k pyfapi`` for ours
only; ``--benchmark-group-by=param:case`` is the default grouping here). Speed is measured,
never asserted; bench/compare.py prints the GFLOP/s table with the OpenBLAS kernel name.
"""
import numpy as np
import pytest

import pyfapi
from pyfapi.kernels import gemm

from gemm_cases import ALL_CASES, operands

pytest.importorskip("pytest_benchmark")


@pytest.fixture(params=[1, 2], ids=lambda n: f"{n}thr")
def num_threads(request):
    """Equal thread counts for pyfapi and numpy's BLAS (threadpoolctl when installed)."""
    before = pyfapi.get_num_threads()
    pyfapi.set_num_threads(request.param)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # numpy keeps its own thread count
        yield request.param
    else:
        with threadpool_limits(limits=request.param, user_api="blas"):
            yield request.param
    pyfapi.set_num_threads(before)


@pytest.mark.parametrize("case", ALL_CASES, ids=[c[0].replace(" ", "_") for c in ALL_CASES])
@pytest.mark.parametrize("library", ["pyfapi", "numpy"])
def test_gemm(benchmark, case, library, num_threads):
    label, m, n, k, ta, tb = case
    a, b, out = operands(m, n, k, ta, tb)
    if library == "pyfapi":
        fn = lambda: gemm(a, b, trans_a=ta, trans_b=tb, out=out)  # noqa: E731
    else:
        a_op, b_op = (a.T if ta else a), (b.T if tb else b)
        fn = lambda: np.matmul(a_op, b_op, out=out)  # noqa: E731
    benchmark.group = f"{label} {num_threads}thr"
    benchmark.extra_info["gflop"] = 2.0 * m * n * k / 1e9
    benchmark(fn)
    if library == "pyfapi":  # the benchmark computed the right thing
        ref = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
        assert np.allclose(out, ref, rtol=1e-3, atol=1e-3 * np.sqrt(k))
