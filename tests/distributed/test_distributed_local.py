"""pyfapi.distributed pieces that need no launcher (in this process, never initialized)."""
import numpy as np
import pytest

import pyfapi
from pyfapi import distributed as dist
from pyfapi import layers, optimizers
from pyfapi.distributed.sharding import shard_bounds
from pyfapi.utils import distributed_context as dc


def test_launcher_world_size_reads_the_launchers_variables():
    assert dc.launcher_world_size({}) is None
    assert dc.launcher_world_size({"PMI_SIZE": "4"}) == ("PMI_SIZE", 4)
    assert dc.launcher_world_size({"OMPI_COMM_WORLD_SIZE": "3"}) == ("OMPI_COMM_WORLD_SIZE", 3)
    assert dc.launcher_world_size({"MV2_COMM_WORLD_SIZE": "2"}) == ("MV2_COMM_WORLD_SIZE", 2)
    # Slurm's task count only counts when srun started the task with PMIx
    assert dc.launcher_world_size({"SLURM_STEP_NUM_TASKS": "8"}) is None
    assert dc.launcher_world_size({"SLURM_STEP_NUM_TASKS": "8", "PMIX_RANK": "0"}) == \
        ("SLURM_STEP_NUM_TASKS", 8)
    assert dc.launcher_world_size({"PMI_SIZE": "x"}) is None


def test_mismatch_error_names_both_sizes():
    e = dc._mismatch_error("PMI_SIZE", 2, 1, "Open MPI v4.1")
    assert "PMI_SIZE=2" in str(e) and "world of 1 process " in str(e) and "Open MPI" in str(e)


def test_single_process_queries_and_collectives_are_identities():
    assert not dc.active()
    assert (dc.rank(), dc.size()) == (0, 1)
    buf = np.arange(4, dtype=np.float32)
    assert dc.allreduce_(buf) is buf and buf.tolist() == [0, 1, 2, 3]
    assert dc.first_mismatch([("a", (1,))]) is None
    assert dist.allreduce(np.array([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert dist.allgather_object({"a": 1}) == [{"a": 1}]
    assert dist.broadcast_object("x") == "x"
    dist.barrier()


@pytest.mark.parametrize("n,size", [(0, 2), (1, 2), (7, 3), (10, 4), (5, 5), (3, 8)])
def test_shard_bounds_cover_every_row_once(n, size):
    parts = [shard_bounds(n, r, size) for r in range(size)]
    assert parts[0][0] == 0 and parts[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    lengths = [hi - lo for lo, hi in parts]
    assert max(lengths) - min(lengths) <= 1


def test_shard_slices_lists_and_dicts_alike():
    x = np.arange(10)
    out = dist.shard({"a": x, "b": x * 2}, rank=1, size=3)
    assert out["a"].tolist() == [3, 4, 5] and out["b"].tolist() == [6, 8, 10]
    assert [a.tolist() for a in dist.shard([x, x], rank=2, size=3)] == [[6, 7, 8, 9]] * 2
    with pytest.raises(ValueError, match="different numbers of rows"):
        dist.shard([x, x[:3]])
    with pytest.raises(ValueError, match="rank must be in"):
        shard_bounds(4, 3, 3)


def test_distributed_optimizer_keeps_class_name_config_and_state():
    opt = optimizers.Adam(learning_rate=0.01)
    d = dist.DistributedOptimizer(opt)
    assert isinstance(d, optimizers.Adam) and type(d).__name__ == "Adam"
    assert dist.DistributedOptimizer(d) is d
    assert optimizers.serialize(d)["class_name"] == "Adam"
    assert optimizers.serialize(d)["config"] == optimizers.serialize(opt)["config"]
    assert d.iterations is opt.iterations  # shares the wrapped optimizer's state
    assert "DistributedOptimizer(" in repr(d)
    assert isinstance(dist.DistributedOptimizer("sgd"), optimizers.SGD)
    with pytest.raises(ValueError, match="compression"):
        dist.DistributedOptimizer("sgd", compression="fp16")
    with pytest.raises(TypeError, match="unexpected keyword"):
        dist.DistributedOptimizer("sgd", bogus=1)
    with pytest.raises(ValueError, match="bucket_bytes"):
        dist.DistributedOptimizer("sgd", bucket_bytes=0)


def test_distributed_optimizer_in_one_process_equals_the_wrapped_one():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((5, 3)).astype("float32")
    grads = [rng.standard_normal((5, 3)).astype("float32") for _ in range(3)]
    a, b = pyfapi.Variable(w0), pyfapi.Variable(w0)
    plain, wrapped = optimizers.RMSprop(0.1), dist.DistributedOptimizer(optimizers.RMSprop(0.1))
    for g in grads:
        plain.apply([g], [a])
        wrapped.apply([g], [b])
    assert np.array_equal(a.value, b.value)


def test_distributed_optimizer_buckets_and_weights(monkeypatch):
    """The packing (several buckets, per-variable weights, None gradients) with a fake
    Allreduce over 4 identical ranks: the weighted means give the gradients back, and the
    variable without a gradient anywhere stays None."""
    d = dist.DistributedOptimizer(optimizers.SGD(1.0), bucket_bytes=24)
    vs = [pyfapi.Variable(np.zeros(s, "float32")) for s in [(2,), (5,), (1,), (3,)]]
    gs = [np.full(v.value.shape, k + 1.0, "float32") for k, v in enumerate(vs)]
    gs[2] = None
    monkeypatch.setattr(dc, "active", lambda: True)
    monkeypatch.setattr(dc, "first_mismatch", lambda items, root=0: None)
    def fake_iallreduce(buf):  # this rank + 3 identical peers
        buf *= np.float32(4)
    monkeypatch.setattr(dc, "iallreduce_", fake_iallreduce)
    monkeypatch.setattr(dc, "wait_all", lambda reqs: None)
    dc.set_step_samples(2)
    try:
        out = d._allreduce(list(gs), vs)
    finally:
        dc.set_step_samples(None)
    assert len(d._dist_layout.buffers) >= 3  # 24-byte buckets: whole variables, >= 1 each
    assert out[2] is None
    for g, o in zip(gs, out):
        if g is not None:  # (4 * 2 * g) / (4 * 2) = g
            assert np.array_equal(o, g)


def test_sync_batch_normalization_in_one_process_is_batch_normalization():
    x = np.random.default_rng(1).standard_normal((6, 4, 3)).astype("float32")
    bn, sbn = layers.BatchNormalization(), dist.SyncBatchNormalization()
    assert sbn.synchronized and sbn.get_config()["synchronized"]
    y1 = np.asarray(bn(x, training=True))
    y2 = np.asarray(sbn(x, training=True))
    assert np.array_equal(y1, y2)
    assert np.array_equal(bn.moving_mean.value, sbn.moving_mean.value)


def test_rank0_only_callbacks_are_kept_in_one_process():
    from pyfapi.callbacks import CallbackList, ModelCheckpoint, ProgbarLogger
    assert ModelCheckpoint.rank0_only and ProgbarLogger.rank0_only
    cb = ModelCheckpoint("m.keras")
    assert cb in CallbackList([cb]).callbacks


@pytest.mark.parametrize("cpus,local_size,local_rank,want", [
    ([0, 1, 2, 3], 2, 1, [2, 3]), ([0, 1, 2, 3, 4, 5, 6], 3, 2, [4, 5, 6]),
    ([0, 1], 2, 0, [0]), ([5], 2, 1, [5])])
def test_each_rank_gets_its_own_cpu_slice(monkeypatch, cpus, local_size, local_rank, want):
    """_place_threads cuts the node's CPUs into contiguous per-rank slices and binds the rank to
    its slice (workers are then pinned inside it by csrc/common/threads.cpp)."""
    bound = []
    monkeypatch.setattr(dc.os, "sched_getaffinity", lambda pid: set(cpus))
    monkeypatch.setattr(dc.os, "sched_setaffinity", lambda pid, s: bound.append(sorted(s)))
    for k in ("PYFAPI_PIN_THREADS", "OMP_PROC_BIND", "OMP_PLACES", "GOMP_CPU_AFFINITY"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(dc._CTX, "local_size", local_size)
    monkeypatch.setattr(dc._CTX, "local_rank", local_rank)
    assert dc._place_threads() == want
    assert bound == ([want] if len(cpus) >= local_size else [])
    monkeypatch.setenv("PYFAPI_PIN_THREADS", "0")
    bound.clear()
    assert dc._place_threads() == want and bound == []
