"""Batching of nested data for the public steps (``train_step(data)`` ...).

``fit`` / ``evaluate`` / ``predict`` call ``train_step(data)`` / ``test_step(data)`` /
``predict_step(data)`` with one batch packed by :func:`pyfapi.utils.pack_x_y_sample_weight`;
``x`` / ``y`` / ``sample_weight`` keep the user's structure (array, list, tuple or dict), each
array sliced along its first axis.
"""
from __future__ import annotations

import numpy as np

from pyfapi import tree
from pyfapi.utils.step_data import pack_x_y_sample_weight

__all__ = ["StructuredArrays"]


def _as_array(leaf, what):
    v = getattr(leaf, "value", None)
    arr = v if isinstance(v, np.ndarray) else np.asarray(leaf)
    if arr.dtype == object:
        raise TypeError(f"{what}: expected numeric arrays, received an object array "
                        f"(type {type(leaf).__name__})")
    if arr.ndim == 0:
        raise ValueError(f"{what}: expected arrays with a batch axis, received a scalar")
    if arr.dtype == np.float64:  # Keras casts float inputs to floatx (float32)
        arr = arr.astype(np.float32)
    return arr


class StructuredArrays:
    """``x`` / ``y`` / ``sample_weight`` in any nesting, flattened once into lists of arrays
    (float64 cast to float32) for :class:`~pyfapi.training.data_adapter.ArrayBatcher`, and packed
    back into the same nesting per batch.

    Raises:
        ValueError: arrays with different numbers of samples (names the parts and counts), or
            no arrays at all.
    """

    def __init__(self, x, y=None, sample_weight=None, arg_prefix=""):
        self.structs = (x, y, sample_weight)
        self.flats = []
        counts = []
        for part, s in zip(("x", "y", "sample_weight"), self.structs):
            if s is None:
                self.flats.append(None)
                continue
            leaves = [_as_array(a, f"{arg_prefix}{part}") for a in tree.flatten(s)]
            self.flats.append(leaves)
            counts += [(f"{arg_prefix}{part}", a.shape[0]) for a in leaves]
        if not counts:
            raise ValueError(f"{arg_prefix}x: no input data received (x={x!r})")
        sizes = {n for _, n in counts}
        if len(sizes) > 1:
            raise ValueError("Data cardinality is ambiguous: make sure all arrays contain the "
                             "same number of samples. Received: " +
                             ", ".join(f"{p} sizes: {n}" for p, n in counts))
        self.n = counts[0][1]

    def split(self, validation_split):
        """Two :class:`StructuredArrays`: the first ``1 - validation_split`` of the samples and
        the rest (Keras: the LAST samples are held out, before shuffling)."""
        from pyfapi.training import data_adapter as da
        n = self.n
        split_at = int(n * (1.0 - float(validation_split)))
        if not 0 < split_at < n:
            da.train_validation_split([self.flats[0]], validation_split)  # its error message
        parts = []
        for sl in (slice(0, split_at), slice(split_at, n)):
            new = object.__new__(StructuredArrays)
            new.structs = self.structs
            new.flats = [None if f is None else [a[sl] for a in f] for f in self.flats]
            new.n = sl.stop - sl.start
            parts.append(new)
        return parts

    def batcher(self, batch_size, shuffle=False, steps=None, distributed=False):
        """An :class:`ArrayBatcher` over the flat arrays (``epoch()`` yields flat lists); with
        ``distributed`` a :class:`DistributedBatcher` (data-parallel fit: this rank's rows of
        each global batch, 0-row dummy steps)."""
        from pyfapi.training.data_adapter import ArrayBatcher, DistributedBatcher
        xs, ys, sws = self.flats
        flat = (xs or []) + (ys or []) + (sws or [])
        self._counts = (len(xs or []), len(ys or []), len(sws or []))
        cls = DistributedBatcher if distributed else ArrayBatcher
        return cls(flat, batch_size=batch_size, shuffle=shuffle, steps=steps)

    def pack(self, flat_batch):
        """One batch (flat list from the batcher) as the step's ``data``."""
        nx, ny, nsw = self._counts
        x, y, sw = self.structs
        xb = tree.pack_sequence_as(x, flat_batch[:nx]) if x is not None else None
        yb = tree.pack_sequence_as(y, flat_batch[nx:nx + ny]) if y is not None else None
        swb = (tree.pack_sequence_as(sw, flat_batch[nx + ny:nx + ny + nsw])
               if sw is not None else None)
        return pack_x_y_sample_weight(xb, yb, swb)

    def pack_whole(self):
        """All samples as one step's ``data`` (``*_on_batch``)."""
        self._counts = tuple(len(f or []) for f in self.flats)
        return self.pack([a for f in self.flats if f for a in f])
