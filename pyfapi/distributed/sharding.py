"""``shard``: this rank's part of an array (for custom loops; ``fit`` shards by itself)."""
from __future__ import annotations

import numpy as np

from pyfapi.utils import distributed_context as dc

__all__ = ["shard", "shard_bounds"]


def shard_bounds(n, rank=None, size=None):
    """``(lo, hi)``: rank ``rank``'s contiguous share of ``n`` rows; shares differ by at most one
    row, cover every row once, and the first ``n % size`` ranks get the extra rows."""
    rank = dc.rank() if rank is None else int(rank)
    size = dc.size() if size is None else int(size)
    if not 0 <= rank < size:
        raise ValueError(f"shard_bounds: rank must be in [0, {size}), received {rank}")
    return rank * n // size, (rank + 1) * n // size


def shard(data, rank=None, size=None):
    """This rank's rows of ``data``: an array, or a list / tuple / dict of arrays sharing their
    first axis (each sliced the same way; views, no copy).

    Raises:
        ValueError: arrays with different numbers of rows.
    """
    if isinstance(data, dict):
        parts = list(data.values())
    elif isinstance(data, (list, tuple)):
        parts = list(data)
    else:
        parts = [data]
    counts = {int(np.shape(p)[0]) for p in parts if p is not None}
    if len(counts) > 1:
        raise ValueError(f"shard: the arrays have different numbers of rows: {sorted(counts)}")
    n = counts.pop() if counts else 0
    lo, hi = shard_bounds(n, rank, size)

    def cut(a):
        return None if a is None else np.asarray(a)[lo:hi]
    if isinstance(data, dict):
        return {k: cut(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(cut(a) for a in data)
    return cut(data)
