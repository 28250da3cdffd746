"""pyfapi.distributed under ``mpiexec -n 2`` (scenarios in mpi_worker.py) and its single-process
behaviour. Every launch has a timeout: a hang is a failure, never a stuck suite."""
import os
import textwrap
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "mpi_worker.py")


def _ok(proc, *names):
    for name in names:
        for r in (0, 1):
            assert f"OK {name} rank {r}" in proc.stdout, (name, r, proc.stdout, proc.stderr)


def test_context_threads_batcher_broadcast(mpiexec):
    """init/rank/size/local_*; each rank on its own CPUs; every row once per epoch with the same
    number of steps on every rank; broadcast errors name the first differing variable and
    restore the optimizer state."""
    names = ("context", "batcher", "broadcast_mismatch")
    _ok(mpiexec(2, WORKER, *names), *names)


def test_equivalence_multi_output_model(mpiexec):
    """The notebook's multi-output model: 2 ranks x batch 8 == 1 process x batch 16 within 1e-6
    for SGD (momentum), RMSprop and Adam, weights and optimizer slots bitwise equal across
    ranks (rank 1 starts from other weights: the broadcast callback fixes them)."""
    _ok(mpiexec(2, WORKER, "equivalence_posts", timeout=300), "equivalence_posts")


def test_equivalence_conv_batchnorm_uneven_and_dummy_steps(mpiexec):
    """Conv2D + SyncBatchNormalization (statistics over both ranks) == 1 process with plain
    BatchNormalization on the global batch, also when the last global batch splits 1 + 2 rows
    and when a rank gets no row (weight-0 step); moving statistics included. Also fit on a
    PyDataset and on a generator (every size-th batch per rank, ranks in lockstep)."""
    names = ("equivalence_conv_bn", "equivalence_dummy_step", "streams")
    _ok(mpiexec(2, WORKER, *names, timeout=300), *names)


def test_uneven_data_rank0_io_and_weight_check(mpiexec):
    """Ranks with different amounts of their own data finish fit with equal weights (no
    deadlock); progress and ModelCheckpoint on rank 0 only; fit refuses ranks that start from
    different weights without the broadcast callback, or pass different epochs / batch sizes."""
    names = ("uneven_fit", "rank0_io", "fit_arguments_differ")
    proc = mpiexec(2, WORKER, *names, timeout=300)
    _ok(proc, *names)
    assert proc.stdout.count("ms/step") == 1, proc.stdout  # verbose=2 on both: one line printed


_RAISE_IN_FIT = textwrap.dedent("""
    import numpy as np, pyfapi
    from pyfapi import distributed as dist, layers
    dist.init()
    class Boom(pyfapi.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if dist.rank() == 1 and batch == 3:
                raise RuntimeError("boom on rank 1")
    inp = pyfapi.Input((4,)); model = pyfapi.Model(inp, layers.Dense(1)(inp))
    model.compile(optimizer=dist.DistributedOptimizer("sgd"), loss="mse")
    x = np.ones((4000, 4), "float32"); y = np.ones((4000, 1), "float32")
    try:  # even a caught exception must not leave rank 0 waiting in the Allreduce
        model.fit(x, y, batch_size=2, epochs=5, verbose=0,
                  callbacks=[dist.BroadcastGlobalVariablesCallback(0), Boom()])
    except RuntimeError:
        pass
    print("rank", dist.rank(), "returned from fit", flush=True)
""")

_RAISE_OUTSIDE_FIT = textwrap.dedent("""
    from pyfapi import distributed as dist
    dist.init()
    if dist.rank() == 1:
        raise KeyError("uncaught on rank 1")
    dist.barrier()  # rank 0 would wait here forever
    print("rank 0 passed the barrier", flush=True)
""")


@pytest.mark.parametrize("code,needle", [(_RAISE_IN_FIT, "RuntimeError: boom on rank 1"),
                                         (_RAISE_OUTSIDE_FIT, "KeyError: 'uncaught on rank 1'")],
                         ids=["in_fit", "uncaught"])
def test_a_rank_raising_ends_the_job(mpiexec, code, needle):
    t0 = time.monotonic()
    proc = mpiexec(2, "-c", code, timeout=60, check=False)
    assert proc.returncode != 0, proc.stdout
    assert needle in proc.stderr, proc.stderr
    assert "aborting the job" in proc.stderr
    assert "returned from fit" not in proc.stdout and "passed the barrier" not in proc.stdout
    assert time.monotonic() - t0 < 60


def test_size_one_without_launcher(run_python):
    code = textwrap.dedent("""
        import numpy as np, pyfapi
        from pyfapi import distributed as dist, layers
        assert not dist.is_initialized()
        dist.init(); dist.init()  # idempotent
        assert (dist.rank(), dist.size(), dist.local_rank(), dist.local_size()) == (0, 1, 0, 1)
        assert dist.is_initialized()
        inp = pyfapi.Input((3,)); model = pyfapi.Model(inp, layers.Dense(2)(inp))
        model.compile(optimizer=dist.DistributedOptimizer(pyfapi.optimizers.Adam()), loss="mse")
        h = model.fit(np.ones((10, 3), "float32"), np.zeros((10, 2), "float32"), batch_size=4,
                      epochs=2, verbose=0, callbacks=[dist.BroadcastGlobalVariablesCallback(0),
                                                      dist.MetricAverageCallback()])
        assert len(h.history["loss"]) == 2
        assert dist.allreduce(3.0) == 3.0 and dist.shard(np.arange(5)).tolist() == [0, 1, 2, 3, 4]
        print("size1 ok")
    """)
    env = {k: None for k in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE",
                             "MV2_COMM_WORLD_SIZE", "PMIX_RANK")}
    assert "size1 ok" in run_python("-c", code, env=env, timeout=120).stdout


def test_launcher_and_mpi_disagree(run_python):
    """A launcher announcing 2 ranks while MPI (this mpich) runs a world of 1: a clear error
    naming both, never two independent trainings."""
    pytest.importorskip("mpi4py") if os.environ.get("CI", "").lower() not in (
        "1", "true", "yes") else None
    code = "from pyfapi import distributed as dist\ndist.init()\nprint('no error')"
    proc = run_python("-c", code, env={"OMPI_COMM_WORLD_SIZE": "2", "PMI_SIZE": None},
                      check=False, timeout=120)
    assert proc.returncode != 0 and "no error" not in proc.stdout
    assert "RuntimeError" in proc.stderr
    assert "OMPI_COMM_WORLD_SIZE=2" in proc.stderr and "world of 1 process" in proc.stderr


def test_demo_distributed_quick(mpiexec):
    """``mpiexec -n 2 python -m pyfapi.demo --distributed``: every scenario trains data-parallel
    and rank 0 alone prints the final table."""
    proc = mpiexec(2, "-m", "pyfapi.demo", "--distributed", "--quick", "--verbose", "0",
                   timeout=600)
    out = proc.stdout
    assert out.count("Summary (") == 1 and "2 ranks x" in out, out[-3000:]
    table = out[out.index("Summary ("):]
    assert all(f"\n{n}  " in table for n in range(1, 8)), table
    assert "--quick: smoke run" in out


def test_a_rank_dying_ends_the_job(mpiexec):
    """A rank killed mid-epoch (SIGKILL: no Python handler runs) ends the job: the launcher
    tears the others down instead of leaving them in the Allreduce."""
    code = textwrap.dedent("""
        import os, signal, numpy as np, pyfapi
        from pyfapi import distributed as dist, layers
        dist.init()
        class Die(pyfapi.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if dist.rank() == 1 and batch == 3:
                    os.kill(os.getpid(), signal.SIGKILL)
        inp = pyfapi.Input((4,)); model = pyfapi.Model(inp, layers.Dense(1)(inp))
        model.compile(optimizer=dist.DistributedOptimizer("sgd"), loss="mse")
        x = np.ones((4000, 4), "float32"); y = np.ones((4000, 1), "float32")
        model.fit(x, y, batch_size=2, epochs=5, verbose=0,
                  callbacks=[dist.BroadcastGlobalVariablesCallback(0), Die()])
        print("rank", dist.rank(), "finished", flush=True)
    """)
    t0 = time.monotonic()
    proc = mpiexec(2, "-c", code, timeout=60, check=False)
    assert proc.returncode != 0 and "finished" not in proc.stdout, proc.stdout + proc.stderr
    assert "signal 9" in proc.stdout + proc.stderr
    assert time.monotonic() - t0 < 60
