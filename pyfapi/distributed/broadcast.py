"""``broadcast_variables``: every rank takes ``root``'s values of the model's (and optimizer's)
variables, after checking that all ranks hold the same variables in the same order."""
from __future__ import annotations

import numpy as np

from pyfapi.utils import distributed_context as dc

__all__ = ["broadcast_variables", "model_and_optimizer_variables"]

_BUCKET = 16 << 20  # float32 elements per Bcast


def _name(v):
    return getattr(v, "path", None) or getattr(v, "name", None) or "<variable>"


def _as_variables(obj):
    if hasattr(obj, "weights") and not isinstance(obj, (list, tuple)):
        return list(obj.weights)
    return list(obj)


def model_and_optimizer_variables(model, build_optimizer=True):
    """``model.weights`` then, when the model is compiled, its optimizer's variables
    (iterations, learning rate, slots). With ``build_optimizer`` an unbuilt optimizer first
    creates its slots for the model's trainable weights (as its first step would), so that
    the state restored on ``root`` is the one every rank continues from."""
    variables = list(model.weights)
    opt = getattr(model, "optimizer", None)
    if opt is not None and hasattr(opt, "variables"):
        if build_optimizer and hasattr(opt, "build") and not getattr(opt, "built", True):
            trainable = model.trainable_weights
            if trainable:
                opt.build(list(trainable))
        variables += list(opt.variables)
    return variables


def broadcast_variables(variables, root_rank=0):
    """Set every rank's variables to ``root_rank``'s values (Horovod's
    ``hvd.broadcast_variables``).

    Args:
        variables: a model (its ``weights``) or a list of :class:`pyfapi.Variable`.
        root_rank: the rank whose values everyone takes.

    float32 variables travel packed in a few contiguous buffers (``MPI_Bcast``); the others
    (``iterations``...) in one pickled message. A no-op on one rank.

    Raises:
        ValueError: the ranks hold different variable lists (count, name, shape or dtype); the
            message names the first differing variable on ``root_rank`` and on the other rank.
            Raised on every rank, before any value changes.
    """
    variables = _as_variables(variables)
    if not dc.active():
        return
    if not 0 <= int(root_rank) < dc.size():
        raise ValueError(f"broadcast_variables: root_rank must be in [0, {dc.size()}), received "
                         f"{root_rank!r}")
    root = int(root_rank)
    items = [(_name(v), tuple(v.value.shape), str(v.value.dtype)) for v in variables]
    bad = dc.first_mismatch(items, root=root)
    if bad is not None:
        i, a, r, b = bad
        fa = "no variable" if a is None else f"{a[0]!r} of shape {a[1]} {a[2]}"
        fb = "no variable" if b is None else f"{b[0]!r} of shape {b[1]} {b[2]}"
        raise ValueError(
            f"broadcast_variables: the ranks hold different variables: variable #{i} is {fa} on "
            f"rank {root} but {fb} on rank {r} ({len(variables)} variables on this rank, rank "
            f"{dc.rank()}). Every rank must build the same model in the same order.")
    floats = [v for v in variables if v.value.dtype == np.float32]
    others = [v for v in variables if v.value.dtype != np.float32]
    bucket, n = [], 0
    for v in floats + [None]:
        if v is None or (bucket and n + v.value.size > _BUCKET):
            if bucket:
                buf = np.concatenate([b.value.reshape(-1) for b in bucket]) \
                    if dc.rank() == root else np.empty(n, np.float32)
                dc.bcast_(buf, root=root)
                if dc.rank() != root:
                    off = 0
                    for b in bucket:
                        k = b.value.size
                        b.assign(buf[off:off + k].reshape(b.value.shape))
                        off += k
            bucket, n = [], 0
            if v is None:
                break
        bucket.append(v)
        n += v.value.size
    if others:
        values = dc.bcast_object([np.array(v.value) for v in others] if dc.rank() == root
                                 else None, root=root)
        if dc.rank() != root:
            for v, val in zip(others, values):
                v.assign(val)
