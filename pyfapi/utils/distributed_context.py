"""The distributed context of this process: its MPI communicator, rank and size, and the few
collectives every layer of pyfapi may need (in-place Allreduce / Bcast of numpy buffers,
allgather of small Python objects, abort).

It sits at the bottom of the package so that layers (``BatchNormalization(synchronized=True)``),
callbacks (rank-0-only I/O) and the Trainer (sharding, stop flags) can use it; the public face is
:mod:`pyfapi.distributed` (``init``, ``rank``, ``size``, ``DistributedOptimizer``, ...).

State (one per process, see architecture.md "the distributed context"): set once by
:func:`init`; before it every query answers as a single process does (rank 0 of 1), collectives
are identities and :func:`active` is False.

MPI comes from mpi4py (``pip install pyfapi[mpi]`` installs mpi4py and the ``mpich`` wheel); a
site MPI works too. Without mpi4py and without a launcher, :func:`init` gives a size-1 context.
"""
from __future__ import annotations

import os
import sys
import time
import traceback

import numpy as np

__all__ = ["init", "shutdown", "is_initialized", "active", "rank", "size", "local_rank",
           "local_size", "comm", "launcher_world_size", "allreduce_", "allreduce_max",
           "iallreduce_", "wait_all", "bcast_", "first_mismatch", "allgather", "bcast_object", "abort",
           "abort_on_error", "set_step_samples",
           "step_samples", "cpu_slice", "LAUNCHER_SIZE_VARIABLES"]

#: Environment variables through which launchers announce the number of ranks they started:
#: MPICH's Hydra and Slurm's PMI-1/2 (``PMI_SIZE``), Open MPI (``OMPI_COMM_WORLD_SIZE``),
#: MVAPICH (``MV2_COMM_WORLD_SIZE``), Slurm with PMIx (``SLURM_STEP_NUM_TASKS`` when
#: ``PMIX_RANK`` is set).
LAUNCHER_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")


class _Context:
    __slots__ = ("initialized", "comm", "local_comm", "rank", "size", "local_rank", "local_size",
                 "mpi", "step_samples", "prev_excepthook", "cpus")

    def __init__(self):
        self.initialized = False
        self.comm = None
        self.local_comm = None
        self.rank, self.size, self.local_rank, self.local_size = 0, 1, 0, 1
        self.mpi = None
        self.step_samples = None
        self.prev_excepthook = None
        self.cpus = None


_CTX = _Context()


# ---- queries ------------------------------------------------------------------------------------
def is_initialized() -> bool:
    """True once :func:`init` has run in this process (and :func:`shutdown` has not)."""
    return _CTX.initialized


def active() -> bool:
    """True when initialized with more than one rank (collectives really communicate)."""
    return _CTX.initialized and _CTX.size > 1


def rank() -> int:
    """This process's rank in the world communicator (0 before :func:`init`)."""
    return _CTX.rank


def size() -> int:
    """The number of ranks (1 before :func:`init` or without a launcher)."""
    return _CTX.size


def local_rank() -> int:
    """This process's rank among the ranks of its node (shared-memory domain)."""
    return _CTX.local_rank


def local_size() -> int:
    """The number of ranks on this process's node."""
    return _CTX.local_size


def comm():
    """The mpi4py communicator (None for a context without MPI)."""
    return _CTX.comm


def cpu_slice():
    """The CPUs this rank was given by :func:`init` (sorted list), or None if left alone."""
    return None if _CTX.cpus is None else list(_CTX.cpus)


def launcher_world_size(environ=None):
    """``(variable, N)`` when a launcher announced ``N`` ranks in the environment, else None."""
    env = os.environ if environ is None else environ
    names = list(LAUNCHER_SIZE_VARIABLES)
    if env.get("PMIX_RANK") is not None:
        names.append("SLURM_STEP_NUM_TASKS")
    for name in names:
        v = env.get(name)
        if v is None:
            continue
        try:
            n = int(v)
        except ValueError:
            continue
        if n >= 1:
            return name, n
    return None


# ---- init ---------------------------------------------------------------------------------------
def _mismatch_error(var, n, got, library):
    return RuntimeError(
        f"pyfapi.distributed.init: the launcher started {n} ranks ({var}={n}) but MPI reports a "
        f"world of {got} process{'es' if got != 1 else ''} (mpi4py's MPI library: {library}). "
        f"mpi4py is linked against a different MPI than the launcher's mpiexec, so every rank "
        f"would train alone. Use the mpiexec of the MPI mpi4py was built with (for the pip "
        f"wheels: the `mpiexec` installed by `pip install mpich`, next to python), or rebuild "
        f"mpi4py against the site MPI (`pip install --no-binary mpi4py mpi4py`).")


def init(comm=None, threads="auto"):
    """Set up the distributed context (idempotent; see :func:`pyfapi.distributed.init`).

    Args:
        comm: an mpi4py communicator (default ``MPI.COMM_WORLD``).
        threads: ``"auto"``: (CPUs of the node) / (ranks on the node) OpenMP threads, each rank
            bound to its own slice of the CPUs (see :func:`_place_threads`); an int: that many
            threads, no binding; None: leave threads and binding alone.

    Raises:
        RuntimeError: the launcher's rank count differs from MPI's world size.
        ImportError: a launcher started several ranks but mpi4py is not installed.
    """
    if _CTX.initialized:
        return
    launcher = launcher_world_size()
    try:
        from mpi4py import MPI
    except ImportError as e:
        if comm is not None or (launcher is not None and launcher[1] > 1):
            raise ImportError(
                f"pyfapi.distributed.init: mpi4py is not installed but "
                f"{'a communicator was given' if comm is not None else f'the launcher started {launcher[1]} ranks ({launcher[0]})'}; "  # noqa: E501
                f"install it with `pip install pyfapi[mpi]` (mpi4py and the mpich wheel)") from e
        _CTX.initialized = True  # a single process without MPI
        _configure_threads(threads)
        return
    world = comm is None
    c = MPI.COMM_WORLD if world else comm
    n = c.Get_size()
    if world and launcher is not None and launcher[1] != n:
        lib = MPI.Get_library_version().strip().splitlines()[0]
        raise _mismatch_error(launcher[0], launcher[1], n, lib)
    _CTX.mpi = MPI
    _CTX.comm = c
    _CTX.rank = c.Get_rank()
    _CTX.size = n
    local = c.Split_type(MPI.COMM_TYPE_SHARED, key=_CTX.rank)
    _CTX.local_comm = local
    _CTX.local_rank = local.Get_rank()
    _CTX.local_size = local.Get_size()
    _CTX.initialized = True
    if n > 1 and _CTX.prev_excepthook is None:
        _CTX.prev_excepthook = sys.excepthook
        sys.excepthook = _abort_excepthook
    _configure_threads(threads)


def shutdown():
    """Forget the context (tests; MPI itself is finalized by mpi4py at exit)."""
    if _CTX.prev_excepthook is not None:
        sys.excepthook = _CTX.prev_excepthook
    if _CTX.local_comm is not None:
        try:
            _CTX.local_comm.Free()
        except Exception:  # noqa: BLE001 - MPI already finalized
            pass
    _CTX.__init__()


def _configure_threads(threads):
    if threads is None:
        return
    from pyfapi._config import get_num_threads, set_num_threads
    if threads != "auto":
        set_num_threads(int(threads))
        return
    cpus = _place_threads()
    if cpus is not None:
        _CTX.cpus = cpus
        # OMP_NUM_THREADS given: keep its count; either way set_num_threads re-binds the
        # OpenMP workers inside this rank's CPUs at the next parallel region
        n = get_num_threads() if os.environ.get("OMP_NUM_THREADS") else len(cpus)
        set_num_threads(max(1, n))


def _place_threads():
    """Give this rank its own slice of the node's CPUs (returns the slice, or None).

    Every rank of the node reads its CPU affinity. If they all have the same set (the launcher
    did not bind them), the sorted set is cut into ``local_size`` contiguous slices and this
    rank binds itself (its main thread; OpenMP workers then bind inside the slice, see
    csrc/common/threads.cpp) to slice ``local_rank``. If the sets differ (the launcher bound the
    ranks: ``mpiexec -bind-to core``, ``srun --cpu-bind``), each rank keeps its own set. No
    binding with ``PYFAPI_PIN_THREADS=0`` or a user binding (``OMP_PROC_BIND`` / ``OMP_PLACES``),
    nor when the node has fewer CPUs than ranks (the threads count is still set).
    """
    try:
        mine = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        mine = list(range(os.cpu_count() or 1))
    local_n, lr = _CTX.local_size, _CTX.local_rank
    sets = [mine] if _CTX.local_comm is None else _CTX.local_comm.allgather(mine)
    if any(s != sets[0] for s in sets):
        return mine  # bound by the launcher
    if local_n <= 1:
        return mine
    if len(mine) < local_n:
        return [mine[lr % len(mine)]] if _no_user_binding() else mine[:1]
    lo = lr * len(mine) // local_n
    hi = (lr + 1) * len(mine) // local_n
    part = mine[lo:hi]
    if _no_user_binding():
        try:
            os.sched_setaffinity(0, part)
        except (AttributeError, OSError):
            pass
    return part


def _no_user_binding():
    if os.environ.get("PYFAPI_PIN_THREADS") == "0":
        return False
    return not any(os.environ.get(k) for k in ("OMP_PROC_BIND", "OMP_PLACES", "GOMP_CPU_AFFINITY"))


# ---- faults -------------------------------------------------------------------------------------
# After a flush the report is in the pipe to the launcher's proxy, but MPI_Abort makes the process
# manager kill that proxy, which may not have forwarded it yet (mpich's hydra lost the whole
# traceback about 1 time in 10): give it this long first. Only a failing job pays it.
_ABORT_GRACE_S = 1.0


def abort(code=1):
    """Abort every rank of the job (``MPI_Abort``); flushes stdout/stderr and waits
    ``_ABORT_GRACE_S`` so that the launcher forwards them first. A no-op (returns) when not
    distributed."""
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:  # noqa: BLE001
            pass
    if active():
        time.sleep(_ABORT_GRACE_S)
        _CTX.comm.Abort(code)
        os._exit(code)  # MPI_Abort may return before the process manager kills this process


def abort_on_error(exc):
    """Report ``exc`` (with this rank's number and its traceback) on stderr and abort the job:
    the other ranks may be waiting in a collective for this one and would otherwise hang."""
    if not active():
        return
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    sys.stderr.write(f"[pyfapi.distributed] rank {_CTX.rank} of {_CTX.size} raised "
                     f"{type(exc).__name__}: {exc}\n{tb}"
                     f"[pyfapi.distributed] aborting the job (MPI_Abort) so that the other ranks "
                     f"do not wait for this one forever\n")
    abort(1)


def _abort_excepthook(exc_type, exc, tb):
    prev = _CTX.prev_excepthook or sys.__excepthook__
    try:
        sys.stderr.write(f"[pyfapi.distributed] uncaught exception on rank {_CTX.rank} of "
                         f"{_CTX.size}; aborting the job\n")
        prev(exc_type, exc, tb)
    finally:
        abort(1)


# ---- per-step weight ----------------------------------------------------------------------------
def set_step_samples(n):
    """Set the number of samples of this rank's current training step (None: unknown, ranks
    weigh equally). ``fit`` sets it around each step; :class:`DistributedOptimizer` weighs this
    rank's gradients by it and ``BatchNormalization(synchronized=True)`` its statistics (a rank
    without data in a step runs a dummy step with 0)."""
    _CTX.step_samples = None if n is None else int(n)


def step_samples():
    """The value set by :func:`set_step_samples` (None by default)."""
    return _CTX.step_samples


# ---- collectives --------------------------------------------------------------------------------
def _check_buffer(buf, what):
    if not isinstance(buf, np.ndarray) or not buf.flags.c_contiguous or not buf.flags.writeable:
        raise ValueError(f"{what}: expected a writeable C-contiguous numpy array, received "
                         f"{type(buf).__name__}")
    if buf.dtype not in (np.float32, np.float64, np.int32, np.int64):
        raise ValueError(f"{what}: unsupported dtype {buf.dtype} (float32/64, int32/64)")


def allreduce_(buf):
    """Sum ``buf`` over all ranks, in place (a no-op on one rank). Returns ``buf``."""
    if active():
        _check_buffer(buf, "allreduce_")
        _CTX.comm.Allreduce(_CTX.mpi.IN_PLACE, buf, op=_CTX.mpi.SUM)
    return buf


def iallreduce_(buf):
    """Start a non-blocking in-place sum of ``buf``; returns the MPI request (None on one rank)."""
    if not active():
        return None
    _check_buffer(buf, "iallreduce_")
    return _CTX.comm.Iallreduce(_CTX.mpi.IN_PLACE, buf, op=_CTX.mpi.SUM)


def wait_all(requests):
    """Wait for the requests returned by :func:`iallreduce_` (None entries are skipped)."""
    reqs = [r for r in requests if r is not None]
    if reqs:
        _CTX.mpi.Request.Waitall(reqs)


def allreduce_max(value: float) -> float:
    """The maximum of a scalar over all ranks."""
    if not active():
        return value
    return _CTX.comm.allreduce(value, op=_CTX.mpi.MAX)


def bcast_(buf, root=0):
    """Broadcast ``buf`` from ``root`` into every rank's ``buf`` (same shape and dtype)."""
    if active():
        _check_buffer(buf, "bcast_")
        _CTX.comm.Bcast(buf, root=root)
    return buf


def allgather(obj):
    """Every rank's ``obj`` (picklable), as a list indexed by rank."""
    if not active():
        return [obj]
    return _CTX.comm.allgather(obj)


def bcast_object(obj, root=0):
    """``root``'s ``obj`` on every rank (pickled)."""
    if not active():
        return obj
    return _CTX.comm.bcast(obj, root=root)


def first_mismatch(items, root=0):
    """Compare a per-rank list (e.g. ``[(name, shape, dtype), ...]``) with ``root``'s.

    Returns None when every rank holds the same list, else ``(index, root_item, rank, item)``
    for the first position where some rank differs (``item`` None: that rank's list is
    shorter; ``root_item`` None: ``root``'s is). Every rank gets the same answer (allgather).
    """
    lists = allgather(list(items))
    ref = lists[root]
    for r, lst in enumerate(lists):
        if lst == ref:
            continue
        for i in range(max(len(lst), len(ref))):
            a = ref[i] if i < len(ref) else None
            b = lst[i] if i < len(lst) else None
            if a != b:
                return i, a, r, b
    return None
