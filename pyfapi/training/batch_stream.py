"""Batches from Python generators, iterables and :class:`pyfapi.utils.PyDataset`, prepared ahead.

``fit`` / ``evaluate`` / ``predict`` take, besides arrays, any of:

* a Python generator or iterator (anything with ``__next__``), consumed once;
* any other iterable of batches that is not array-like (``__iter__`` but not a list, tuple, dict,
  array or string): iterated again for every epoch;
* a :class:`~pyfapi.utils.PyDataset` (or ``Sequence``): batches by index.

Each batch is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` with arrays, lists of arrays
or dicts by input / output name inside (a list is read as a tuple, as Keras does). The structure
of every batch must match the first one (else ``ValueError``).

Prefetch: a background thread (generators, iterables) or a pool of ``workers`` threads or
spawned processes (PyDataset) computes up to ``max_queue_size`` batches ahead while the model
works on the current one (the kernels release the GIL). Threads are used only when they pay: the
first ``PROBE`` (8) batches are produced inline and timed, and a source whose median batch takes
less than ``INLINE_BELOW`` (0.3 ms, e.g. slicing arrays) stays inline, since handing a batch over
between threads costs more than that on a busy machine (``use_multiprocessing=True`` always uses
its processes). An exception raised while producing a batch is re-raised in the caller's thread
with the producer's traceback; pools are shut down when the epoch ends or fails, so nothing is
left running.

Epoch semantics follow Keras 3's ``EpochIterator``: without ``steps`` an epoch is one full pass;
with ``steps`` the pass continues across epochs; when the data runs out inside an epoch, the
epoch ends with Keras's "Your input ran out of data" ``UserWarning``. A one-shot iterator (a
generator) that has run out is replayed as Keras 3's ``GeneratorDataAdapter`` does: it keeps the
first ``PEEKED`` (2) batches it read to infer the input spec and starts every new pass with them,
so each later epoch trains on those batches only, with the warning, instead of stopping ``fit``
(Keras warns at the end of the first pass too; here a generator that simply ends does not).
``shuffle=True`` visits a PyDataset's batches in a
random order each pass (:func:`pyfapi.utils.random.global_rng`); generators are never shuffled.

Hooks for other modules: :func:`is_stream` tells whether ``x`` goes through this module;
:class:`StreamBatcher` has the interface of ``data_adapter.ArrayBatcher`` (``steps``, ``epoch()``)
plus ``close()``; ``StreamBatcher.shard(rank, size)`` keeps every ``size``-th batch starting at
``rank`` (for data-parallel training).
"""
from __future__ import annotations

import collections
import concurrent.futures as cf
import hashlib
import inspect
import itertools
import multiprocessing
import pickle
import queue
import statistics
import threading
import time
import warnings
import weakref

import numpy as np

from pyfapi.utils.py_dataset import PyDataset

__all__ = ["is_stream", "unpack_batch", "StreamBatcher", "RAN_OUT"]

PEEKED = 2  # Keras 3's data_adapter_utils.NUM_BATCHES_FOR_TENSOR_SPEC

RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or "
           "generator can generate at least `steps_per_epoch * epochs` batches. You may need "
           "to use the `.repeat()` function when building your dataset.")

_END = object()


def is_stream(x) -> bool:
    """True when ``x`` is a generator / iterator, a PyDataset, or a non-array-like iterable."""
    if x is None or isinstance(x, (np.ndarray, list, tuple, dict, str, bytes)):
        return False
    if isinstance(x, PyDataset):
        return True
    if hasattr(x, "value") and hasattr(x, "shape"):  # a pyfapi Tensor / Variable
        return False
    if inspect.isgenerator(x) or hasattr(x, "__next__"):
        return True
    if hasattr(x, "__array__") or hasattr(x, "__array_interface__"):
        return False
    return hasattr(x, "__iter__")


def unpack_batch(batch, arg="x"):
    """``(x, y, sample_weight)`` of one batch as Keras's ``unpack_x_y_sample_weight``.

    Raises:
        ValueError: a tuple / list of length 0 or more than 3.
    """
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        return batch, None, None
    if len(batch) == 1:
        return batch[0], None, None
    if len(batch) == 2:
        return batch[0], batch[1], None
    if len(batch) == 3:
        return batch
    raise ValueError(f"{arg}: every batch must be x, (x,), (x, y) or (x, y, sample_weight); "
                     f"received a tuple of {len(batch)} elements")


def _structure(part):
    if part is None:
        return None
    if isinstance(part, dict):
        return ("dict", tuple(sorted(part)))
    if isinstance(part, (list, tuple)) and part and all(hasattr(e, "shape") for e in part):
        return ("list", len(part))
    return "array"


def _describe_structure(sig):
    names = ("x", "y", "sample_weight")
    parts = [f"{n}={s}" for n, s in zip(names, sig) if s is not None]
    return "(" + ", ".join(parts) + ")"


def _positive_int(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive integer, received {value!r}")
    return int(value)


# ---- producers ------------------------------------------------------------------------------------
#: a batch produced faster than this (median of the first PROBE batches) is produced inline:
#: handing it over from another thread costs more (GIL hand-offs, ~0.1-0.6 ms on a busy machine)
#: than producing it
INLINE_BELOW = 3e-4
PROBE = 8


class _ThreadProducer:
    """Items of an iterator: the first ``PROBE`` are produced inline and timed; if they take
    ``INLINE_BELOW`` seconds or more, a daemon thread prefetches the rest into a bounded queue,
    else production stays inline (see :data:`INLINE_BELOW`)."""

    def __init__(self, iterator, max_queue_size):
        self._it = iterator
        self._max = max_queue_size
        self._queue = None
        self._stop = threading.Event()
        self._thread = None
        self._finalizer = weakref.finalize(self, self._stop.set)
        self._times = []
        self.exhausted = False

    def _start(self):
        self._queue = queue.Queue(maxsize=self._max)
        self._thread = threading.Thread(target=_pump, args=(self._it, self._queue, self._stop),
                                        name="pyfapi-prefetch", daemon=True)
        self._thread.start()

    def get(self):
        """The next item, ``_END`` when the iterator is exhausted; re-raises producer errors."""
        if self.exhausted:
            return _END
        if self._thread is None:
            t0 = time.perf_counter()
            try:
                item = next(self._it)
            except StopIteration:
                self.exhausted = True
                return _END
            if len(self._times) < PROBE:
                self._times.append(time.perf_counter() - t0)
                if len(self._times) == PROBE and statistics.median(self._times) >= INLINE_BELOW:
                    self._start()
            return item
        item = self._queue.get()
        if item is _END:
            self.exhausted = True
            return _END
        if isinstance(item, _Failure):
            self.exhausted = True
            raise item.exc
        return item

    def close(self):
        """Stops the thread (it exits at its next queue operation) without waiting on the user's
        iterator."""
        self._stop.set()
        if self._thread is None:
            return
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass
        self._thread.join(timeout=0.5)


class _Failure:
    def __init__(self, exc):
        self.exc = exc


def _pump(iterator, q, stop):
    while not stop.is_set():
        try:
            item = next(iterator)
        except StopIteration:
            item = _END
        except BaseException as e:  # noqa: BLE001 - re-raised in the consumer's thread
            item = _Failure(e)
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                break
            except queue.Full:
                continue
        if item is _END or isinstance(item, _Failure):
            return


_WORKER_DATASET = None


def _worker_init(payload):
    global _WORKER_DATASET
    _WORKER_DATASET = pickle.loads(payload)


def _worker_get(index):
    return _WORKER_DATASET[index]


class _IndexProducer:
    """Computes ``dataset[i]`` for a sequence of indices in a pool, delivered in order, at most
    ``ahead`` batches in flight."""

    def __init__(self, dataset, workers, use_multiprocessing, ahead):
        self.dataset = dataset
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.ahead = ahead
        self._pool = None
        self._payload_hash = None
        self._pending = collections.deque()
        self._finalizer = None
        self._times = []
        self._inline = None  # None: probing; True / False once decided (thread pools only)

    def _ensure_pool(self):
        if not self.use_multiprocessing:
            if self._pool is None:
                self._pool = cf.ThreadPoolExecutor(max_workers=self.workers,
                                                   thread_name_prefix="pyfapi-pydataset")
            return
        # the workers hold a pickled copy: resend (restart the pool) when on_epoch_end changed it
        try:
            payload = pickle.dumps(self.dataset, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            raise ValueError(
                f"PyDataset {type(self.dataset).__name__} cannot be sent to worker processes "
                f"(use_multiprocessing=True needs a picklable dataset whose class is defined in "
                f"an importable module): {e}") from e
        h = hashlib.sha1(payload).digest()
        if self._pool is not None and h == self._payload_hash:
            return
        self.shutdown()
        ctx = multiprocessing.get_context("spawn")  # never fork after an OpenMP region
        self._pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                            initializer=_worker_init, initargs=(payload,))
        self._payload_hash = h
        # a batcher dropped without close() (e.g. an exception kept alive) still stops its pool
        self._finalizer = weakref.finalize(self, self._pool.shutdown, wait=False,
                                           cancel_futures=True)

    def run(self, indices):
        """Yields ``dataset[i]`` for ``indices`` in order (thread pools: the first ``PROBE``
        batches inline and timed; the pool is used only if they take ``INLINE_BELOW`` or more)."""
        if not self.use_multiprocessing and self._inline is not False:
            it = iter(indices)
            get = self.dataset.__getitem__
            for i in it:
                if self._inline:
                    yield get(i)
                    continue
                t0 = time.perf_counter()
                item = get(i)
                self._times.append(time.perf_counter() - t0)
                if len(self._times) >= PROBE:
                    self._inline = statistics.median(self._times) < INLINE_BELOW
                yield item
                if self._inline is False:
                    yield from self.run(it)
                    return
            return
        self._ensure_pool()
        pool = self._pool
        fn = _worker_get if self.use_multiprocessing else self.dataset.__getitem__
        it = iter(indices)
        pending = self._pending
        try:
            for i in itertools.islice(it, self.ahead):
                pending.append(pool.submit(fn, i))
            while pending:
                item = pending.popleft().result()
                for i in itertools.islice(it, 1):
                    pending.append(pool.submit(fn, i))
                yield item
        finally:
            while pending:
                pending.popleft().cancel()

    def shutdown(self):
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# ---- the batcher ------------------------------------------------------------------------------------
class StreamBatcher:
    """Standardized batches from a generator, iterable or PyDataset (see the module docstring).

    Args:
        data: the generator / iterator / iterable / PyDataset.
        standardize: ``fn(x, y, sample_weight) -> (xs, ys, sws, size)`` run on each batch in the
            caller's thread (the trainer's conversion and checks).
        steps: batches per epoch (None: until the data ends).
        shuffle: visit a PyDataset's batches in a random order each pass.
        max_queue_size: batches prefetched for generators / iterables (PyDatasets use their own
            ``max_queue_size``).
        arg: the argument name used in error messages (``"x"``, ``"validation_data"``).

    Raises:
        ValueError: a PyDataset of length 0, an infinite one without ``steps``, bad
            ``workers`` / ``max_queue_size``.
    """

    def __init__(self, data, standardize, steps=None, shuffle=False, max_queue_size=10,
                 arg="x"):
        self.data = data
        self.standardize = standardize
        self.steps_given = steps
        self.shuffle = shuffle
        self.arg = arg
        self.max_queue_size = _positive_int(max_queue_size, "max_queue_size")
        self._signature = None
        self._rank, self._world = 0, 1
        self.exhausted = self.replayed = False
        self._producer = None      # generators / iterables
        self._index = None         # PyDataset
        self._order = None
        self._pos = 0
        if isinstance(data, PyDataset):
            n = data.num_batches
            if n is not None:
                n = int(n)
                if n == 0:
                    raise ValueError(f"{arg}: the PyDataset {type(data).__name__} has length 0; "
                                     f"it must give at least one batch")
            elif steps is None:
                raise ValueError(f"{arg}: the PyDataset {type(data).__name__} is infinite "
                                 f"(num_batches is None); pass steps_per_epoch / steps")
            self.num_batches = n
            workers = _positive_int(data.workers, "PyDataset workers")
            self._index = _IndexProducer(
                data, workers, bool(data.use_multiprocessing),
                max(workers, _positive_int(data.max_queue_size, "PyDataset max_queue_size")))
        else:
            self.num_batches = len(data) if hasattr(data, "__len__") else None
            self._reiterable = not hasattr(data, "__next__")  # lists of batches, custom iterables
            self._peeked = []  # a one-shot iterator's first PEEKED batches, replayed once it ran out
        self.steps = steps if steps is not None else self.num_batches

    def shard(self, rank, size):
        """Keep batches ``rank, rank + size, ...`` of each pass (hook for data-parallel fit)."""
        self._rank, self._world = int(rank), int(size)
        if self.num_batches is not None and self.steps_given is None:
            self.steps = len(range(self._rank, self.num_batches, self._world))
        return self

    # -- raw batches of one epoch --
    def _raw_pydataset(self, limit):
        if self._order is None:
            n = self.num_batches
            if n is None:
                self._order = itertools.count(self._rank, self._world)
            else:
                order = np.arange(n)
                if self.shuffle:
                    from pyfapi.utils.random import global_rng
                    order = global_rng().permutation(n)
                self._order = order[self._rank::self._world].tolist()
            self._pos = 0
        if isinstance(self._order, list):
            stop = len(self._order) if limit is None else min(len(self._order), self._pos + limit)
            take = self._order[self._pos:stop]
        else:
            take = list(itertools.islice(self._order, limit))
        for item in self._index.run(take):
            self._pos += 1
            yield item
        if isinstance(self._order, list) and self._pos >= len(self._order):
            self._order = None
            self.exhausted = True

    def _new_producer(self):
        it = iter(self.data)
        if self._world > 1:
            it = itertools.islice(it, self._rank, None, self._world)
        return _ThreadProducer(it, self.max_queue_size)

    def _raw_iterable(self, limit):
        if self._producer is None:
            self._producer = self._new_producer()
        elif self._producer.exhausted:
            if not self._reiterable:  # Keras's peek_and_restore: a new pass is the peeked batches
                self.replayed = True
                yield from self._peeked[:limit]
                self.exhausted = True
                return
            self._producer.close()
            self._producer = self._new_producer()
        count = 0
        while limit is None or count < limit:
            item = self._producer.get()
            if item is _END:
                self.exhausted = True
                return
            if not self._reiterable and len(self._peeked) < PEEKED:
                self._peeked.append(item)
            count += 1
            yield item

    def epoch(self):
        """Yields ``(step, xs, ys, sws, size)`` for one epoch (see the module docstring); warns
        with Keras's "ran out of data" when a given ``steps`` outlasts the data.
        """
        limit = self.steps_given
        self.exhausted = self.replayed = False
        pyds = self._index is not None
        if pyds:
            self.data.on_epoch_begin()
            raw = self._raw_pydataset(limit)
        else:
            if self.steps_given is None and self._producer is not None and self._reiterable \
                    and not self._producer.exhausted:
                self._producer.close()  # a new epoch is a new pass over a re-iterable
                self._producer = None
            raw = self._raw_iterable(limit)
        step = 0
        try:
            for batch in raw:
                x, y, sw = unpack_batch(batch, self.arg)
                sig = (_structure(x), _structure(y), _structure(sw))
                if self._signature is None:
                    self._signature = sig
                elif sig != self._signature:
                    raise ValueError(
                        f"{self.arg}: the batches change structure: the first batch was "
                        f"{_describe_structure(self._signature)}, batch {step} is "
                        f"{_describe_structure(sig)}; every batch must have the same structure")
                xs, ys, sws, size = self.standardize(x, y, sw)
                yield step, xs, ys, sws, size
                step += 1
        finally:
            if pyds:
                if not self._index.use_multiprocessing:
                    self._index.shutdown()  # threads are cheap to start; processes are kept
                self.data.on_epoch_end()
        if step == 0 or (self.steps_given is not None and step < self.steps_given) or \
                self.replayed:
            warnings.warn(RAN_OUT, UserWarning, stacklevel=3)
        if self.exhausted and self.steps_given is None and self.num_batches is None:
            self.steps = step  # the next epoch's progress bar knows its length

    def close(self):
        """Stops the prefetch thread and shuts the worker pool down (idempotent)."""
        if self._producer is not None:
            self._producer.close()
            self._producer = None
        if self._index is not None:
            self._index.shutdown()
