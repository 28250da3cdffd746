"""pyfapi.distributed: data-parallel training over MPI (mpi4py), with Horovod's Keras API.

Launch one process per rank with MPI (``mpiexec -n 4 python train.py``; ``srun`` on Slurm)::

    import pyfapi
    from pyfapi import distributed as dist

    dist.init()                                   # rank(), size(), local_rank(), local_size()
    model = build_model()                         # the same model on every rank
    opt = pyfapi.optimizers.Adam(1e-3 * dist.size())          # scale lr with the global batch
    model.compile(optimizer=dist.DistributedOptimizer(opt), loss=...)
    model.fit(x, y, batch_size=32,                # per rank: the global batch is 32 * size()
              callbacks=[dist.BroadcastGlobalVariablesCallback(0),
                         dist.MetricAverageCallback()],
              verbose=1 if dist.rank() == 0 else 0)

What happens (see each module for the details):

* :func:`init`: MPI up; a launcher that started N ranks while MPI reports another size (mpi4py
  linked against another MPI) is a RuntimeError naming both; without a launcher (or without
  mpi4py) a size-1 context. Each rank defaults to (CPUs of the node) / (ranks on the node)
  OpenMP threads, bound to its own CPUs. An uncaught exception on any rank aborts the whole job
  (``MPI_Abort``) instead of leaving the others waiting.
* :func:`DistributedOptimizer`: gradients packed in few float32 buffers, Allreduce-averaged in
  place (weighted by each rank's samples in ``fit``), then the wrapped update.
* ``fit`` with a DistributedOptimizer on several ranks: ``batch_size`` is per rank; each step
  takes the next ``batch_size * size()`` rows of the (shuffled) data and rank r its slice, so
  every rank runs the same number of steps and no row is used twice in an epoch (a last partial
  global batch is split as evenly as possible; a rank left without rows runs a weight-0 step).
  When the ranks pass different data (shards of their own), each uses its own rows and the
  ranks with fewer batches run weight-0 steps. Validation runs on every rank on the data given.
  ``model.stop_training`` set on any rank stops all. Progress (``verbose``) and
  ``ModelCheckpoint`` / callbacks with ``rank0_only = True`` run on rank 0 only. An exception
  inside the training loop aborts the job.
* :func:`broadcast_variables`, :class:`BroadcastGlobalVariablesCallback`: root's weights (and
  optimizer state) everywhere; an error names the first variable that differs across ranks.
* :class:`MetricAverageCallback`: epoch logs averaged over the ranks.
* ``BatchNormalization(synchronized=True)`` / :class:`SyncBatchNormalization`: batch statistics
  over all ranks (forward and backward).
"""
from __future__ import annotations

from pyfapi.distributed.broadcast import broadcast_variables
from pyfapi.distributed.callbacks import BroadcastGlobalVariablesCallback, MetricAverageCallback
from pyfapi.distributed.optimizer import DistributedOptimizer
from pyfapi.distributed.sharding import shard
from pyfapi.layers.normalization.batch_normalization import SyncBatchNormalization
from pyfapi.utils.distributed_context import (
    abort,
    abort_on_error,
    init,
    is_initialized,
    local_rank,
    local_size,
    rank,
    size,
)

__all__ = ["init", "rank", "size", "local_rank", "local_size", "is_initialized", "abort",
           "abort_on_error", "DistributedOptimizer", "broadcast_variables",
           "BroadcastGlobalVariablesCallback", "MetricAverageCallback", "SyncBatchNormalization",
           "shard", "allreduce", "allgather_object", "broadcast_object", "barrier"]


def allreduce(value, average=True):
    """The sum (``average=False``) or mean over the ranks of a number or array (a new float64
    array for arrays, a float for numbers); the value itself on one rank."""
    import numpy as np

    from pyfapi.utils import distributed_context as dc
    scalar = np.ndim(value) == 0
    buf = np.array(getattr(value, "value", value), dtype=np.float64, order="C", copy=True)
    dc.allreduce_(buf)
    if average:
        buf /= dc.size()
    return float(buf) if scalar else buf


def allgather_object(obj):
    """Every rank's picklable ``obj``, as a list indexed by rank (``[obj]`` on one rank)."""
    from pyfapi.utils import distributed_context as dc
    return dc.allgather(obj)


def broadcast_object(obj, root_rank=0):
    """``root_rank``'s picklable ``obj`` on every rank (``obj`` itself on one rank)."""
    from pyfapi.utils import distributed_context as dc
    return dc.bcast_object(obj, root=int(root_rank))


def barrier():
    """Wait until every rank reaches this call (no-op on one rank)."""
    from pyfapi.utils import distributed_context as dc
    if dc.active():
        dc.comm().Barrier()
