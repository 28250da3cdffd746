"""Scenarios run under ``mpiexec -n 2 python mpi_worker.py NAME...`` by test_distributed_mpi.py.

Each scenario asserts on every rank and prints ``OK <name> rank <r>``; a failed assertion on
any rank aborts the job (pyfapi.distributed's excepthook), which the test sees as a non-zero
exit status with the traceback on stderr.
"""
import os
import sys
import tempfile
import zlib

import numpy as np

import pyfapi
from pyfapi import distributed as dist
from pyfapi import layers

dist.init()
R, S = dist.rank(), dist.size()


def same_on_all_ranks(arrays, what):
    """Bitwise equality of ``arrays`` across ranks."""
    crc = [zlib.crc32(np.ascontiguousarray(a).tobytes()) for a in arrays]
    all_crc = dist.allreduce(np.array(crc, np.float64), average=False)
    assert np.array_equal(all_crc, S * np.array(crc, np.float64)), f"{what}: ranks differ"
    gathered = pyfapi.utils.distributed_context.allgather(crc)
    assert all(g == gathered[0] for g in gathered), f"{what}: ranks differ bitwise"


# ---- models ---------------------------------------------------------------------------------
def posts_model(bn_cls=None):
    """The notebook's multi-output model (posts -> digit / parity / ink heads), without its
    Dropout (per-rank randomness would differ from the single-process reference)."""
    inp = pyfapi.Input(shape=(24,), dtype="int32", name="posts")
    x = layers.Embedding(17, 8)(inp)
    x = layers.Conv1D(12, 5, activation="relu")(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(12, 3, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(16, activation="relu")(x)
    digit = layers.Dense(10, activation="softmax", name="digit")(x)
    parity = layers.Dense(1, activation="sigmoid", name="parity")(x)
    ink = layers.Dense(1, name="ink")(x)
    return pyfapi.Model(inp, [digit, parity, ink])


def posts_data(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 17, (n, 24)).astype("int32")
    y = rng.integers(0, 10, n)
    return x, {"digit": np.eye(10, dtype="float32")[y],
               "parity": (y % 2).astype("float32").reshape(-1, 1),
               "ink": x.sum(1, keepdims=True).astype("float32") / 200.0}


def compile_posts(model, opt):
    model.compile(optimizer=opt,
                  loss={"digit": "categorical_crossentropy", "parity": "binary_crossentropy",
                        "ink": "mse"}, loss_weights={"digit": 1.0, "parity": 0.5, "ink": 0.25})


def conv_bn_model(sync):
    # no bias before a BatchNormalization: its gradient is 0 up to rounding noise, which
    # RMSprop / Adam would blow up to learning-rate-sized steps in both runs, differently
    inp = pyfapi.Input(shape=(6, 6, 2))
    x = layers.Conv2D(4, 3, padding="same", use_bias=False)(inp)
    x = (dist.SyncBatchNormalization() if sync else layers.BatchNormalization())(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(4, 3, strides=2, use_bias=False)(x)
    x = layers.BatchNormalization(synchronized=sync)(x)
    x = layers.Flatten()(x)
    out = layers.Dense(3, activation="softmax")(x)
    return pyfapi.Model(inp, out)


def conv_data(n, seed=1):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 6, 6, 2)).astype("float32"),
            rng.integers(0, 3, n).astype("int32"))


OPTIMIZERS = {
    "sgd": lambda: pyfapi.optimizers.SGD(0.05, momentum=0.9),
    "rmsprop": lambda: pyfapi.optimizers.RMSprop(1e-3),
    "adam": lambda: pyfapi.optimizers.Adam(1e-3),
}


def check_equivalence(kind, n, per_rank_batch, epochs=2):
    """Weights after data-parallel fit (per-rank batch b on S ranks) == one process fit with
    batch b*S on the same rows in the same order, within 1e-6; bitwise equal across ranks."""
    for name, make in OPTIMIZERS.items():
        pyfapi.utils.set_random_seed(123)
        if kind == "posts":
            ref, model = posts_model(), posts_model()
            x, y = posts_data(n)
            compile_posts(ref, make())
            compile_posts(model, dist.DistributedOptimizer(make()))
        else:
            ref, model = conv_bn_model(False), conv_bn_model(True)
            x, y = conv_data(n)
            ref.compile(optimizer=make(), loss="sparse_categorical_crossentropy")
            model.compile(optimizer=dist.DistributedOptimizer(make()),
                          loss="sparse_categorical_crossentropy")
        if R == 0:
            model.set_weights([w * 1.0 for w in model.get_weights()])
        else:  # rank 1 starts elsewhere: the broadcast callback must fix it
            model.set_weights([w + 0.5 for w in model.get_weights()])
        ref.set_weights(model.get_weights() if R == 0 else [w - 0.5 for w in model.get_weights()])
        ref.fit(x, y, batch_size=per_rank_batch * S, epochs=epochs, shuffle=False, verbose=0)
        model.fit(x, y, batch_size=per_rank_batch, epochs=epochs, shuffle=False, verbose=0,
                  callbacks=[dist.BroadcastGlobalVariablesCallback(0)])
        got, want = model.get_weights(), ref.get_weights()
        errs = [float(np.max(np.abs(a - b))) for a, b in zip(got, want)]
        err = max(errs)
        worst = int(np.argmax(errs))
        assert err <= 1e-6, (f"{kind}/{name}: max |distributed - single| = {err:.3g} in weight "
                             f"{model.weights[worst].path} (max |w| "
                             f"{float(np.max(np.abs(want[worst]))):.3g})")
        same_on_all_ranks(got, f"{kind}/{name} weights")
        same_on_all_ranks([v.value for v in model.optimizer.variables], f"{kind}/{name} slots")
        if R == 0:
            print(f"{kind} {name} n={n}: max diff {err:.2e}", flush=True)


# ---- scenarios ------------------------------------------------------------------------------
def scenario_context():
    assert S == 2 and dist.is_initialized() and 0 <= R < S
    assert dist.allgather_object(R * 10) == [0, 10]
    assert dist.broadcast_object("from %d" % R, root_rank=1) == "from 1"
    assert dist.allreduce(float(R + 1)) == 1.5 and dist.allreduce(R + 1, average=False) == 3
    assert dist.local_size() == 2 and dist.local_rank() == R
    cpus = pyfapi.utils.distributed_context.cpu_slice()
    affinity = sorted(os.sched_getaffinity(0))
    every = pyfapi.utils.distributed_context.allgather(affinity)
    ncpu = len(set().union(*map(set, every)))
    if ncpu >= 2:  # each rank on its own CPUs, threads = CPUs / ranks
        assert not set(every[0]) & set(every[1]), f"ranks share CPUs: {every}"
        assert pyfapi.get_num_threads() == len(cpus) == ncpu // 2, (cpus, ncpu)
    # run a parallel kernel: workers pinned inside the slice only
    a = np.random.default_rng(0).standard_normal((256, 256)).astype("float32")
    pyfapi.ops.matmul(a, a)
    assert set(os.sched_getaffinity(0)) <= set(affinity)


def scenario_equivalence_posts():
    check_equivalence("posts", 2 * 8 * 3, 8)          # even: 3 global batches of 16


def scenario_equivalence_conv_bn():
    check_equivalence("conv_bn", 2 * 6 * 2 + 3, 6)   # last global batch: 3 rows, 1 + 2


def scenario_equivalence_dummy_step():
    check_equivalence("conv_bn", 2 * 5 + 1, 5, epochs=1)  # last batch: rank 1 gets no row


def scenario_batcher():
    """Every row exactly once per epoch, the same number of steps on every rank."""
    from pyfapi.training.data_adapter import DistributedBatcher
    for n, bs, shuffle, steps in [(23, 4, False, None), (23, 4, True, None), (16, 4, "batch", None),
                                  (3, 4, True, None), (40, 3, True, 5)]:
        xs = [np.arange(n, dtype="float32").reshape(n, 1)]
        b = DistributedBatcher(xs, [xs[0].copy()], None, batch_size=bs, shuffle=shuffle,
                               steps=steps)
        assert b.sharded
        seen_total = []
        for epoch in range(3):
            rows, nsteps = [], 0
            for _, xb, yb, _, size in b.epoch():
                nsteps += 1
                if size:
                    assert xb[0].shape[0] == size <= bs
                    rows += [int(v) for v in xb[0][:, 0]]
                else:
                    assert xb[0].shape[0] == 1
            counts = pyfapi.utils.distributed_context.allgather(nsteps)
            assert len(set(counts)) == 1, f"steps differ across ranks: {counts}"
            every = sum(pyfapi.utils.distributed_context.allgather(rows), [])
            assert len(every) == len(set(every)), f"a row used twice: n={n} bs={bs}"
            seen_total += every
            if steps is None:
                assert sorted(every) == list(range(n)), (n, bs, shuffle, sorted(every))
        if steps is not None:  # passes continue across epochs; never a row twice per pass
            assert len(seen_total) == 3 * min(n, steps * bs * S) or len(seen_total) <= 3 * n
    # ranks with their own (different) data: max steps, nothing twice, no deadlock
    n = 10 + 7 * R
    xs = [np.arange(n, dtype="float32").reshape(n, 1) + 100 * R]
    b = DistributedBatcher(xs, None, None, batch_size=4, shuffle=True)
    assert not b.sharded
    rows, nsteps = [], 0
    for _, xb, _, _, size in b.epoch():
        nsteps += 1
        if size:
            rows += [int(v) for v in xb[0][:, 0]]
    assert nsteps == 5 and sorted(rows) == [100 * R + i for i in range(n)], (nsteps, rows)


def scenario_uneven_fit():
    """Ranks with different amounts of their own data: fit ends, weights equal."""
    pyfapi.utils.set_random_seed(5)
    model = conv_bn_model(True)
    model.compile(optimizer=dist.DistributedOptimizer("adam"),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = conv_data(7 + 20 * R, seed=10 + R)
    hist = model.fit(x, y, batch_size=4, epochs=2, verbose=0,
                     callbacks=[dist.MetricAverageCallback()])
    same_on_all_ranks(model.get_weights(), "uneven fit weights")
    same_on_all_ranks([np.array(hist.history["loss"])], "averaged epoch loss")


def scenario_rank0_io():
    """Progress and checkpoints on rank 0 only; different weights without broadcast: error."""
    pyfapi.utils.set_random_seed(7)
    model = conv_bn_model(False)
    model.compile(optimizer=dist.DistributedOptimizer("sgd"), loss="sparse_categorical_crossentropy")
    x, y = conv_data(16)
    d = tempfile.mkdtemp(prefix=f"ck{R}_")
    path = os.path.join(d, f"model_rank{R}.keras")
    paths = pyfapi.utils.distributed_context.allgather(path)
    model.fit(x, y, batch_size=4, epochs=1, verbose=2,
              callbacks=[pyfapi.callbacks.ModelCheckpoint(path)])
    dist.barrier()
    if R == 0:
        assert os.path.exists(paths[0]) and not os.path.exists(paths[1]), paths
    # ranks that start from different weights without BroadcastGlobalVariablesCallback
    model.set_weights([w + R for w in model.get_weights()])
    try:
        model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    except ValueError as e:
        assert "BroadcastGlobalVariablesCallback" in str(e), e
    else:
        raise AssertionError("fit from different weights did not raise")


def scenario_fit_arguments_differ():
    """Ranks passing different epochs / batch_size: a ValueError on every rank, no hang."""
    pyfapi.utils.set_random_seed(3)
    model = conv_bn_model(False)
    model.compile(optimizer=dist.DistributedOptimizer("sgd"), loss="sparse_categorical_crossentropy")
    x, y = conv_data(16)
    for kwargs, needle in (({"epochs": 1 + R, "batch_size": 4}, "different epochs: 1 on rank 0, 2"),
                           ({"epochs": 1, "batch_size": 4 + R}, "different batch_size values")):
        try:
            model.fit(x, y, verbose=0, callbacks=[dist.BroadcastGlobalVariablesCallback(0)],
                      **kwargs)
        except ValueError as e:
            assert needle in str(e), e
        else:
            raise AssertionError(f"fit with {kwargs} on rank {R} did not raise")


def scenario_broadcast_mismatch():
    """Ranks whose models differ: the error names the first differing variable, every rank."""
    inp = pyfapi.Input((4,))
    h = layers.Dense(3, name="shared")(inp)
    out = layers.Dense(5 if R == 0 else 6, name="head")(h)
    model = pyfapi.Model(inp, out)
    try:
        dist.broadcast_variables(model, root_rank=0)
    except ValueError as e:
        msg = str(e)
        assert "head/kernel" in msg and "(3, 5)" in msg and "(3, 6)" in msg, msg
    else:
        raise AssertionError("broadcast of different models did not raise")
    # same shapes: values of rank 0 everywhere, also the optimizer state after a restore
    out = layers.Dense(5, name="head2")(h)
    model = pyfapi.Model(inp, out)
    model.compile(optimizer=dist.DistributedOptimizer(pyfapi.optimizers.Adam()), loss="mse")
    model.set_weights([np.full_like(w, R + 1.0) for w in model.get_weights()])
    model.optimizer.build(model.trainable_weights)
    for v in model.optimizer.variables[2:]:
        v.assign(np.full_like(v.value, 10.0 * (R + 1)))
    model.optimizer.iterations.assign(np.array(7 * (R + 1)))
    cb = dist.BroadcastGlobalVariablesCallback(0)
    cb.set_model(model)
    cb.on_train_begin()
    assert all(np.all(w == 1.0) for w in model.get_weights())
    assert all(np.all(v.value == 10.0) for v in model.optimizer.variables[2:])
    assert int(model.optimizer.iterations.value) == 7


def scenario_streams():
    """fit on a PyDataset (5 batches on 2 ranks: rank 1 runs one weight-0 step) and on a
    generator == one process on the same rows with the global batch; equal across ranks."""
    x, y = conv_data(5 * 4, seed=3)

    class Batches(pyfapi.utils.PyDataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return x[4 * i:4 * i + 4], y[4 * i:4 * i + 4]

    def gen():
        for i in range(5):
            yield x[4 * i:4 * i + 4], y[4 * i:4 * i + 4]

    for data in (Batches(), gen):
        pyfapi.utils.set_random_seed(11)
        ref, model = conv_bn_model(False), conv_bn_model(True)
        model.set_weights(ref.get_weights())
        ref.compile(optimizer=pyfapi.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
        model.compile(optimizer=dist.DistributedOptimizer(pyfapi.optimizers.Adam(1e-2)),
                      loss="sparse_categorical_crossentropy")
        ref.fit(x[:16], y[:16], batch_size=8, shuffle=False, verbose=0)   # steps 0-1: 2 batches
        ref.fit(x[16:], y[16:], batch_size=8, shuffle=False, verbose=0)   # step 2: batch 4 only
        model.fit(data if isinstance(data, pyfapi.utils.PyDataset) else data(), shuffle=False,
                  verbose=0)
        err = max(float(np.max(np.abs(a - b))) for a, b in zip(model.get_weights(),
                                                                  ref.get_weights()))
        assert err <= 1e-6, f"{type(data).__name__}: {err}"
        same_on_all_ranks(model.get_weights(), "stream weights")


def scenario_two_hosts():
    """Two "hosts" (network namespaces): one rank per node, so local_size() == 1."""
    assert S == 2 and dist.local_size() == 1 and dist.local_rank() == 0, \
        (dist.local_size(), dist.local_rank())
    big = np.full(1 << 18, R + 1.0, np.float32)  # 1 MiB: the test sees it on the veth counters
    pyfapi.utils.distributed_context.allreduce_(big)
    assert np.all(big == 3.0)


SCENARIOS = {k[len("scenario_"):]: v for k, v in list(globals().items())
             if k.startswith("scenario_")}

if __name__ == "__main__":
    for name in sys.argv[1:]:
        SCENARIOS[name]()
        print(f"OK {name} rank {R}", flush=True)
