"""Turning ``x`` / ``y`` / ``sample_weight`` as users give them into ordered arrays and batches.

* ``x`` may be one array, a list/tuple in the model's input order, or a dict keyed by input NAME
  (routed by name, never by sorted position; keys that are not input names are ignored with a
  warning, as Keras 3). ``y`` and ``sample_weight`` likewise by output name.
  Unknown output names, missing names, wrong list lengths and different sample counts are ``ValueError``\\ s
  that name the arrays involved.
* Every array is converted once (inputs to their ``Input`` dtype, float targets to float32), not
  per batch.
* ``validation_split`` takes the LAST fraction of the samples, before any shuffling (Keras).
* :class:`ArrayBatcher` yields batches as contiguous slices: with ``shuffle=True`` the arrays are
  permuted once per epoch with :func:`pyfapi.utils.random.global_rng` (so a seed reproduces the
  order), then sliced, which keeps per-step cost to a few views. It never cycles over the data
  within an epoch: ``steps`` beyond the data stop at its end with Keras's "ran out of data"
  warning. :func:`check_positive_int` is the one ``batch_size`` / ``steps`` validation.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from pyfapi.utils.dtype_cast import astype_no_wrap

__all__ = ["standardize_inputs", "standardize_targets", "standardize_sample_weights",
           "check_sample_counts", "train_validation_split", "class_weight_to_sample_weights",
           "unpack_validation_data", "check_positive_int", "ArrayBatcher", "DistributedBatcher",
           "LockstepBatcher"]


def _to_array(x, what):
    if x is None:
        return None
    v = getattr(x, "value", None)
    if isinstance(v, np.ndarray):
        return v
    if isinstance(x, np.ndarray):
        return x
    try:
        arr = np.asarray(x)
    except ValueError as e:
        raise ValueError(f"{what}: could not convert to an array ({e})") from None
    if arr.dtype == object:
        raise TypeError(f"{what}: expected a numeric array, received an object array "
                        f"(type {type(x).__name__})")
    return arr


def _np_dtype(dtype):
    try:
        return np.dtype(getattr(dtype, "name", dtype) or "float32")
    except TypeError:
        return np.dtype("float32")


def _cast_input(arr, dtype, what):
    if arr.ndim == 0:
        raise ValueError(f"{what}: expected an array with a batch axis, received a scalar")
    if arr.dtype == dtype:
        return arr
    if dtype.kind in "iu" and arr.dtype.kind == "f":
        if not np.all(np.floor(arr) == arr):
            raise ValueError(f"{what}: the input expects integers ({dtype}), received "
                             f"non-integer floats")
    if arr.dtype.kind in "US":
        raise ValueError(f"{what}: the input has dtype {dtype.name}; received a string array "
                         f"(dtype {arr.dtype}). Strings need an Input(dtype='string').")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what}: expected a numeric array, received dtype {arr.dtype}")
    try:  # ids beyond an int32 Input's range keep int64: range checks report them unwrapped
        return astype_no_wrap(arr, dtype)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None


def _by_names(data, names, kind, arg):
    """``data`` (array / list / dict) as a list ordered like ``names``."""
    n = len(names)
    if isinstance(data, dict):
        unknown = [k for k in data if k not in names]
        missing = [k for k in names if k not in data]
        if unknown and not missing and kind == "input":
            # Keras 3 uses the named inputs and ignores the other keys of an input dict
            data, unknown = drop_unused_keys(data, names, arg), []
        if unknown or missing:
            raise ValueError(
                f"{arg}: the model's {kind}s are named {list(names)}; received a dict with keys "
                f"{list(data)}" + (f" (unknown: {unknown})" if unknown else "") +
                (f" (missing: {missing})" if missing else ""))
        return [data[k] for k in names]
    if isinstance(data, (list, tuple)):
        if n == 1:
            if len(data) == 1 and hasattr(data[0], "shape"):
                return [data[0]]
            return [data]  # a nested Python list of samples for the single input
        if len(data) != n:
            raise ValueError(
                f"{arg}: the model has {n} {kind}(s) {list(names)}, but received a list of "
                f"{len(data)} arrays")
        return list(data)
    if n != 1:
        raise ValueError(
            f"{arg}: the model has {n} {kind}s {list(names)}; pass a list of {n} arrays in "
            f"that order or a dict keyed by these names, received a single "
            f"{type(data).__name__}")
    return [data]


def standardize_inputs(x, input_names, input_dtypes, arg="x"):
    """``x`` as a list of arrays in input order, each cast to its input's dtype.

    Raises:
        ValueError: missing dict keys, a list of the wrong length, non-integer floats for an
            integer input (extra dict keys are ignored with a UserWarning). TypeError: non-numeric data.
    """
    if x is None:
        raise ValueError(f"{arg} is required, received None")
    arrays = _by_names(x, list(input_names), "input", arg)
    out = []
    for name, a, dt in zip(input_names, arrays, input_dtypes):
        if getattr(dt, "name", dt) == "string":  # Input(dtype="string"): numpy str/bytes/object
            out.append(_string_input(a, f"{arg}[{name!r}]"))
            continue
        a = _to_array(a, f"{arg}[{name!r}]")
        out.append(_cast_input(a, _np_dtype(dt), f"{arg}[{name!r}]"))
    return out


def _string_input(x, what):
    """Data of an ``Input(dtype="string")``: a numpy object array of str / bytes (never floats).

    Raises:
        ValueError: numeric data, or a scalar.
    """
    arr = x if isinstance(x, np.ndarray) else np.asarray(x, dtype=object)
    if arr.ndim == 0:
        raise ValueError(f"{what}: expected an array with a batch axis, received a scalar")
    if arr.dtype.kind in "US":
        return arr.astype(object)
    if arr.dtype == object:
        return arr
    raise ValueError(f"{what}: the input has dtype 'string'; received a numeric array of dtype "
                     f"{arr.dtype}")


def standardize_targets(y, output_names, sparse_outputs=(), arg="y", required=None):
    """``y`` as a list (one entry per output, None for outputs without target) of arrays.

    Float targets become float32; integer targets stay integers for outputs in
    ``sparse_outputs`` (indices) and become float32 otherwise.

    Args:
        required: output names that must have a target (those with a loss); default all.

    Raises:
        ValueError: unknown dict keys, missing targets, a list of the wrong length.
    """
    names = list(output_names)
    if y is None:
        return [None] * len(names)
    if isinstance(y, dict):
        unknown = [k for k in y if k not in names]
        req = names if required is None else list(required)
        missing = [k for k in req if k not in y]
        if unknown or missing:
            raise ValueError(
                f"{arg}: the model's outputs are named {names}; received a dict with keys "
                f"{list(y)}" + (f" (unknown: {unknown})" if unknown else "") +
                (f" (missing targets for: {missing})" if missing else ""))
        arrays = [y.get(k) for k in names]
    elif (required is not None and len(required) == 1 and len(names) > 1
          and not isinstance(y, (list, tuple))):
        # one array for the one output that has a loss (compile(loss=[fn, None]), as Keras 3
        # drops the outputs without a loss from the targets' structure)
        arrays = [y if k in required else None for k in names]
    else:
        arrays = _by_names(y, names, "output", arg)
    out = []
    for name, a in zip(names, arrays):
        if a is None:
            out.append(None)
            continue
        a = _to_array(a, f"{arg}[{name!r}]")
        if a.ndim == 0:
            raise ValueError(f"{arg}[{name!r}]: expected an array with a batch axis, received a "
                             f"scalar")
        if a.dtype.kind in "iub" and name in sparse_outputs:
            pass
        elif a.dtype != np.float32:
            if a.dtype.kind not in "biuf":
                raise TypeError(f"{arg}[{name!r}]: expected a numeric array, received dtype "
                                f"{a.dtype}")
            a = a.astype(np.float32)
        out.append(a)
    return out


def standardize_sample_weights(sample_weight, output_names, arg="sample_weight"):
    """Sample weights per output: one array for all outputs, a list or a dict by output name.

    Returns:
        list (one float32 1-D array or None per output), or None when no weights are given.

    Raises:
        ValueError: unknown dict keys, a list of the wrong length, weights that are not 1-D
            (or ``(n, 1)``).
    """
    if sample_weight is None:
        return None
    names = list(output_names)
    if isinstance(sample_weight, dict):
        unknown = [k for k in sample_weight if k not in names]
        if unknown:
            raise ValueError(f"{arg}: the model's outputs are named {names}; received a dict with "
                             f"keys {list(sample_weight)} (unknown: {unknown})")
        arrays = [sample_weight.get(k) for k in names]
    elif isinstance(sample_weight, (list, tuple)) and len(names) > 1:
        if len(sample_weight) != len(names):
            raise ValueError(f"{arg}: expected {len(names)} arrays (outputs {names}), received a "
                             f"list of {len(sample_weight)}")
        arrays = list(sample_weight)
    else:
        arrays = [sample_weight] * len(names)
    out = []
    for name, a in zip(names, arrays):
        if a is None:
            out.append(None)
            continue
        a = _to_array(a, f"{arg}[{name!r}]").astype(np.float32, copy=False)
        if a.ndim == 2 and a.shape[1] == 1:
            a = a.reshape(-1)
        if a.ndim != 1:
            raise ValueError(f"{arg}[{name!r}]: expected a 1-D array of per-sample weights, "
                             f"received shape {a.shape}")
        out.append(a)
    return out


def check_sample_counts(groups):
    """All arrays must have the same number of samples.

    Args:
        groups: list of ``(label, array or None)``.

    Raises:
        ValueError: naming every array with its sample count.
    """
    counts = [(label, int(a.shape[0])) for label, a in groups if a is not None]
    if not counts:
        raise ValueError("no data given")
    if len({c for _, c in counts}) > 1:
        desc = ", ".join(f"{label}: {c}" for label, c in counts)
        raise ValueError(f"Data cardinality is ambiguous: all arrays must contain the same number "
                         f"of samples. Received: {desc}")
    return counts[0][1]


def train_validation_split(arrays, validation_split):
    """Split every array at ``floor(n * (1 - validation_split))``: the last part validates.

    Args:
        arrays: nested lists of arrays (or None) sharing the sample axis.

    Returns:
        (train_arrays, val_arrays) with the same nesting.

    Raises:
        ValueError: ``validation_split`` outside ``(0, 1)`` or a split leaving a side empty.
    """
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1), received {validation_split}")
    n = None
    for a in _leaves(arrays):
        n = a.shape[0]
        break
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"validation_split={validation_split} on {n} samples leaves "
                         f"{split_at} training and {n - split_at} validation samples; both must "
                         f"be non-empty")
    return (_map(lambda a: a[:split_at], arrays), _map(lambda a: a[split_at:], arrays))


def _leaves(x):
    if x is None:
        return
    if isinstance(x, (list, tuple)):
        for e in x:
            yield from _leaves(e)
    else:
        yield x


def _map(fn, x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return [_map(fn, e) for e in x]
    return fn(x)


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights ``class_weight[class of sample]`` (one-hot rows use their argmax,
    ``(n, 1)`` / ``(n,)`` targets their rounded value).

    Raises:
        ValueError: a class present in ``y`` but missing from ``class_weight``.
    """
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] > 1:
        cls = np.argmax(y, axis=-1)
    else:
        cls = np.round(y.reshape(y.shape[0], -1)[:, 0]).astype(np.int64)
    cls = cls.reshape(y.shape[0], -1)[:, 0]
    present = np.unique(cls)
    missing = [int(c) for c in present if int(c) not in class_weight]
    if missing:
        raise ValueError(f"class_weight has no entry for classes {missing} present in y; "
                         f"received keys {sorted(class_weight)}")
    table = {int(k): float(v) for k, v in class_weight.items()}
    return np.array([table[int(c)] for c in cls], dtype=np.float32)


def unpack_validation_data(validation_data):
    """``(x, y)`` or ``(x, y, sample_weight)`` -> the three parts.

    Raises:
        ValueError: any other structure.
    """
    if isinstance(validation_data, (list, tuple)) and len(validation_data) in (2, 3):
        x, y = validation_data[0], validation_data[1]
        sw = validation_data[2] if len(validation_data) == 3 else None
        return x, y, sw
    raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
                     f"val_sample_weight), received {type(validation_data).__name__}"
                     + (f" of length {len(validation_data)}"
                        if isinstance(validation_data, (list, tuple)) else ""))


def check_positive_int(value, arg, allow_none=True):
    """``value`` as a Python int when it is a positive integer (numpy ints accepted).

    The one validation for ``batch_size``, ``validation_batch_size``, ``steps``,
    ``steps_per_epoch`` and ``validation_steps`` in fit / evaluate / predict.

    Raises:
        ValueError: naming ``arg`` and the value, for bools, floats (``2.5`` and ``13.0`` alike),
            zero, negatives and anything else that is not an integer.
    """
    if value is None and allow_none:
        return None
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer))
            or value < 1):
        raise ValueError(f"{arg} must be a positive integer, received {arg}={value!r} "
                         f"(type {type(value).__name__})")
    return int(value)


_RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or "
            "generator can generate at least `steps_per_epoch * epochs` batches. You may need "
            "to use the `.repeat()` function when building your dataset.")


class ArrayBatcher:
    """Batches of aligned arrays, never cycling over the data (Keras 3 ``EpochIterator``).

    Args:
        xs: list of input arrays; ys: list of target arrays or None; sws: list of per-output
            weight arrays or None (all share the sample axis).
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: ``True`` (permute all samples each pass), ``"batch"`` (permute whole batches)
            or ``False``.
        steps: batches per epoch (default ``ceil(n / batch_size)``).

    Without ``steps`` every epoch is one full pass. With ``steps``, as Keras 3 does for arrays,
    the pass over the data continues from one epoch to the next (``steps=2`` on 4 batches: epoch 1
    sees batches 0-1, epoch 2 batches 2-3); when the pass reaches the end inside an epoch, the
    epoch stops early with Keras's ``UserWarning`` "Your input ran out of data" and the next epoch
    starts a new pass (re-shuffled). Batches are never repeated within an epoch, so ``predict`` /
    ``evaluate`` with ``steps`` larger than the data stop at the end of the data.

    Iterating (``for step, xb, yb, swb, size in batcher.epoch()``) yields lists of views.
    """

    def __init__(self, xs, ys=None, sws=None, batch_size=32, shuffle=False, steps=None):
        self.xs = xs
        self.ys = ys
        self.sws = sws
        self.n = int(xs[0].shape[0])
        self.batch_size = check_positive_int(batch_size, "batch_size", allow_none=False)
        self.shuffle = shuffle
        self.num_batches = max(1, math.ceil(self.n / self.batch_size)) if self.n else 0
        self.steps_given = check_positive_int(steps, "steps")
        self.steps = self.num_batches if steps is None else self.steps_given
        self._pass = None  # (xs, ys, sws) of the current pass
        self._seen = 0  # batches of the current pass already yielded

    def _permuted(self):
        if not self.shuffle or self.n <= 1:
            return self.xs, self.ys, self.sws
        from pyfapi.utils.random import global_rng
        rng = global_rng()
        if self.shuffle == "batch":
            order = rng.permutation(self.num_batches)
            perm = np.concatenate([np.arange(b * self.batch_size,
                                             min(self.n, (b + 1) * self.batch_size))
                                   for b in order])
        else:
            perm = rng.permutation(self.n)

        def take(lst):
            if lst is None:
                return None
            return [None if a is None else a[perm] for a in lst]
        return take(self.xs), take(self.ys), take(self.sws)

    def epoch(self):
        """Yields ``(step, x_batch, y_batch, sw_batch, batch_size)`` per step, contiguous slices of
        the (permuted) arrays; warns (UserWarning) if a given ``steps`` runs out of data.
        """
        bs, n, nb = self.batch_size, self.n, self.num_batches
        if self._pass is None or self.steps_given is None:
            self._pass = self._permuted()
            self._seen = 0
        xs, ys, sws = self._pass
        for step in range(self.steps):
            if self._seen >= nb:
                if self.steps_given is not None:
                    warnings.warn(_RAN_OUT, UserWarning, stacklevel=3)
                break
            lo = self._seen * bs
            hi = min(n, lo + bs)
            self._seen += 1
            s = slice(lo, hi)
            xb = [a[s] for a in xs]
            yb = None if ys is None else [None if a is None else a[s] for a in ys]
            swb = None if sws is None else [None if a is None else a[s] for a in sws]
            yield step, xb, yb, swb, hi - lo
        if self._seen >= nb:
            self._pass = None


def _fingerprint(groups):
    """crc32 of every array's bytes (dtype and shape included), to tell whether the ranks were
    given the same data."""
    import zlib
    crc = 0
    for lst in groups:
        for a in lst or ():
            if a is None:
                crc = zlib.crc32(b"None", crc)
                continue
            crc = zlib.crc32(f"{a.dtype.str}{a.shape}".encode(), crc)
            crc = zlib.crc32(memoryview(np.ascontiguousarray(a)).cast("B"), crc)
    return crc


class DistributedBatcher:
    """The batches of one rank in data-parallel ``fit`` (see :mod:`pyfapi.distributed`).

    Same interface and ``steps`` semantics as :class:`ArrayBatcher` (continuing passes, never
    cycling, the "ran out of data" warning), with ``batch_size`` rows PER RANK:

    * every rank holds the same arrays (checked with a crc32 of the data, gathered once per
      fit): "sharded" mode. Step ``k`` takes the global batch ``k`` -- rows
      ``[k*G, (k+1)*G)`` of the epoch's order, ``G = batch_size * size`` -- and rank r its slice
      ``[r*m//size, (r+1)*m//size)`` of its ``m`` rows (``m = G`` except at the end). The
      order is shuffled (``shuffle=True``: rows; ``"batch"``: global batches) with a seed
      broadcast from rank 0 (drawn from rank 0's :func:`pyfapi.utils.random.global_rng`), so the
      ranks agree. A step is thus one step of a single process with batch ``G``;
    * the ranks hold different arrays (their own shards): each rank batches its own rows
      (shuffled locally), and all ranks run ``max_r ceil(n_r / batch_size)`` steps.

    A rank without rows in a step yields ``size == 0`` with a 1-row dummy batch (row 0): the
    Trainer runs it with weight 0 so that the collectives of the step still match.

    Raises:
        ValueError: (on every rank) the ranks pass different ``batch_size``, ``steps`` or
            ``shuffle`` (they would run different numbers of steps and wait for each other).
    """

    def __init__(self, xs, ys=None, sws=None, batch_size=32, shuffle=False, steps=None):
        from pyfapi.utils import distributed_context as dc
        self.xs, self.ys, self.sws = xs, ys, sws
        self.n = int(xs[0].shape[0])
        self.batch_size = check_positive_int(batch_size, "batch_size", allow_none=False)
        self.shuffle = shuffle
        self.rank, self.size = dc.rank(), dc.size()
        every = dc.allgather((self.n, self.batch_size, steps, str(shuffle)))
        for k, name in ((1, "batch_size"), (2, "steps_per_epoch"), (3, "shuffle")):
            values = [e[k] for e in every]
            if len(set(values)) > 1:  # the ranks would run different numbers of steps
                raise ValueError(f"fit: the ranks pass different {name} values (by rank: "
                                 f"{values}); data-parallel fit needs the same on every rank")
        counts = [e[0] for e in every]
        same = len(set(counts)) == 1
        if same:
            same = len(set(dc.allgather(_fingerprint([xs, ys, sws])))) == 1
        self.sharded = same
        if same:
            self.global_batch = self.batch_size * self.size
            self.num_batches = math.ceil(self.n / self.global_batch) if self.n else 0
            seed = None
            if shuffle and dc.rank() == 0:
                from pyfapi.utils.random import global_rng
                seed = int(global_rng().integers(0, 2 ** 63 - 1))
            self._rng = np.random.default_rng(dc.bcast_object(seed)) if shuffle else None
        else:
            self.num_batches = max(math.ceil(c / self.batch_size) for c in counts)
            self._rng = None
        self.steps_given = check_positive_int(steps, "steps")
        self.steps = self.num_batches if steps is None else self.steps_given
        self._order = None
        self._seen = 0
        self._new_pass = True

    def _permutation(self):
        if not self.shuffle:
            return None
        if self.sharded:
            rng, n, bs = self._rng, self.n, self.global_batch
        else:
            from pyfapi.utils.random import global_rng
            rng, n, bs = global_rng(), self.n, self.batch_size
        if n <= 1:
            return None
        if self.shuffle == "batch":
            nb = math.ceil(n / bs)
            return np.concatenate([np.arange(b * bs, min(n, (b + 1) * bs))
                                   for b in rng.permutation(nb)])
        return rng.permutation(n)

    def _rows(self, k):
        if self.sharded:
            lo = k * self.global_batch
            m = min(self.n, lo + self.global_batch) - lo
            return lo + self.rank * m // self.size, lo + (self.rank + 1) * m // self.size
        lo = min(self.n, k * self.batch_size)
        return lo, min(self.n, lo + self.batch_size)

    def epoch(self):
        """Yields ``(step, x_batch, y_batch, sw_batch, rows)``; ``rows == 0`` marks a dummy
        (weight-0) step. Every rank yields the same number of steps."""
        if self._new_pass or self.steps_given is None:
            self._order = self._permutation()
            self._seen = 0
            self._new_pass = False
        order = self._order
        nb = self.num_batches
        for step in range(self.steps):
            if self._seen >= nb:
                if self.steps_given is not None:
                    warnings.warn(_RAN_OUT, UserWarning, stacklevel=3)
                break
            lo, hi = self._rows(self._seen)
            self._seen += 1
            rows = hi - lo
            if rows == 0:
                sel = slice(0, 1)
            elif order is None:
                sel = slice(lo, hi)
            else:
                sel = order[lo:hi]
            xb = [a[sel] for a in self.xs]
            yb = None if self.ys is None else [None if a is None else a[sel] for a in self.ys]
            swb = None if self.sws is None else [None if a is None else a[sel] for a in self.sws]
            yield step, xb, yb, swb, rows
        if self._seen >= nb:
            self._new_pass = True


class LockstepBatcher:
    """Data-parallel ``fit`` on a stream (generator, iterable, PyDataset): wraps a
    :class:`~pyfapi.training.batch_stream.StreamBatcher` already sharded by rank (each rank keeps
    batches ``rank, rank + size, ...``) so that every rank runs the same number of steps: before
    each step the ranks tell each other (one small Allreduce) whether they still have a batch;
    while any has, those without run a weight-0 dummy step on one row of their last batch
    (yielded with ``size == 0``), and the epoch ends when none has.

    Raises:
        RuntimeError: a rank must run a dummy step before it ever received a batch.
    """

    def __init__(self, inner):
        from pyfapi.utils import distributed_context as dc
        self.inner = inner
        self._dc = dc
        steps = inner.steps
        every = dc.allgather(steps)
        self.steps = None if any(s is None for s in every) else max(every)
        self._template = None

    def epoch(self):
        """Yields ``(step, xs, ys, sws, size)``; ``size == 0`` marks a dummy step."""
        dc = self._dc
        it = self.inner.epoch()
        step = 0
        while True:
            item = next(it, None)
            if not dc.allreduce_max(0 if item is None else 1):
                break
            if item is not None:
                _, xs, ys, sws, size = item
                self._template = (xs, ys, sws)
                yield step, xs, ys, sws, size
            else:
                if self._template is None:
                    raise RuntimeError(
                        f"data-parallel fit: rank {dc.rank()} has no batch in a step where "
                        f"another rank has one, and no earlier batch to run a weight-0 step "
                        f"with; give every rank at least one batch")
                xs, ys, sws = self._template

                def one(lst):
                    return None if lst is None else [None if a is None else a[:1] for a in lst]
                yield step, one(xs), one(ys), one(sws), 0
            step += 1
        if self.steps is None:
            self.steps = step

    def close(self):
        """Closes the wrapped stream."""
        self.inner.close()


def drop_unused_keys(data: dict, names, owner: str) -> dict:
    """``data`` restricted to the keys in ``names`` (Keras 3 uses a model's named inputs and
    ignores other keys of an input dict); a ``UserWarning`` names the ignored keys.

    Missing names are left for the caller to report.
    """
    names = set(names)
    unused = [k for k in data if k not in names]
    if not unused:
        return data
    warnings.warn(f"{owner}: the input dict has keys {unused} that are not among the model's "
                  f"input names {sorted(names, key=str)}; they are ignored.", UserWarning,
                  stacklevel=4)
    return {k: v for k, v in data.items() if k in names}
