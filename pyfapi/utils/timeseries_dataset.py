"""``timeseries_dataset_from_array`` as ``keras.utils.timeseries_dataset_from_array``, returning a
:class:`~pyfapi.utils.PyDataset` of numpy batches (what ``fit`` / ``evaluate`` / ``predict``
accept, and iterable with ``for x, y in dataset``)."""
from __future__ import annotations

import math

import numpy as np

from pyfapi.utils.py_dataset import PyDataset

__all__ = ["timeseries_dataset_from_array", "TimeseriesDataset"]


def _pos_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"`{name}` must be an integer. Received: {name}={value!r}")
    return int(value)


class TimeseriesDataset(PyDataset):
    """Windows ``data[p + k * sampling_rate]`` (``k < sequence_length``) for the start positions
    ``p`` given, with target ``targets[p]``, in batches (see
    :func:`timeseries_dataset_from_array`). Batch ``i`` is computed on demand by fancy indexing.
    """

    def __init__(self, data, targets, start_positions, sequence_length, sampling_rate,
                 batch_size):
        super().__init__()
        self.data = data
        self.targets = targets
        self.start_positions = start_positions
        self.offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
        self.batch_size = batch_size

    def __len__(self):
        n = len(self.start_positions)
        return n if self.batch_size is None else math.ceil(n / self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        if self.batch_size is None:
            pos = self.start_positions[index]
            x = self.data[pos + self.offsets]
            return x if self.targets is None else (x, self.targets[pos])
        pos = self.start_positions[index * self.batch_size:(index + 1) * self.batch_size]
        x = self.data[pos[:, None] + self.offsets]
        return x if self.targets is None else (x, self.targets[pos])


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Sliding windows over a series (Keras 3 arguments, windows and errors).

    Window ``i`` starts at ``p_i = i * sequence_stride`` (relative to ``start_index``) and holds
    ``data[start_index + p_i + k * sampling_rate]`` for ``k < sequence_length``; its target is
    ``targets[start_index + p_i]``. There are ``num_seqs = end_index - start_index -
    (sequence_length - 1) * sampling_rate`` possible starts (at most ``len(targets)``), taken
    every ``sequence_stride``.

    Args:
        data: array-like, time along axis 0.
        targets: array-like aligned with ``data`` (or None: batches are ``x`` only).
        sequence_length, sequence_stride, sampling_rate: window length, distance between starts,
            distance between steps inside a window.
        batch_size: windows per batch (None: one window per item, no batch axis).
        shuffle, seed: shuffle the window order (``numpy.random.RandomState(seed).shuffle`` of the
            start positions as Keras; Keras's extra tf.data shuffle buffer within batches is not
            reproduced). ``seed=None`` draws a seed from :func:`pyfapi.utils.random.global_rng`.
        start_index, end_index: the part of ``data`` used (end excluded).

    Returns:
        :class:`TimeseriesDataset` yielding ``(x, y)`` numpy batches: ``x`` of shape
        ``(batch, sequence_length) + data.shape[1:]``.

    Raises:
        ValueError: Keras's checks on ``start_index`` / ``end_index`` / ``sampling_rate`` /
            ``sequence_stride``, a non-positive ``sequence_length`` or ``batch_size``, or data too
            short for one window.
    """
    data = np.asarray(data)
    if data.ndim == 0:
        raise ValueError("`data` must be an array with time along axis 0; received a scalar")
    n = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= n:
            raise ValueError(f"`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {n}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= n:
            raise ValueError(f"`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {n}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: end_index={end_index}")
    sampling_rate = _pos_int(sampling_rate, "sampling_rate")
    sequence_stride = _pos_int(sequence_stride, "sequence_stride")
    sequence_length = _pos_int(sequence_length, "sequence_length")
    if sampling_rate <= 0:
        raise ValueError(f"`sampling_rate` must be higher than 0. Received: "
                         f"sampling_rate={sampling_rate}")
    if sampling_rate >= n:
        raise ValueError(f"`sampling_rate` must be lower than the length of the data. Received: "
                         f"sampling_rate={sampling_rate}, for data of length {n}")
    if sequence_stride <= 0:
        raise ValueError(f"`sequence_stride` must be higher than 0. Received: "
                         f"sequence_stride={sequence_stride}")
    if sequence_stride >= n:
        raise ValueError(f"`sequence_stride` must be lower than the length of the data. "
                         f"Received: sequence_stride={sequence_stride}, for data of length {n}")
    if sequence_length <= 0:
        raise ValueError(f"`sequence_length` must be higher than 0. Received: "
                         f"sequence_length={sequence_length}")
    if batch_size is not None:
        batch_size = _pos_int(batch_size, "batch_size")
        if batch_size <= 0:
            raise ValueError(f"`batch_size` must be higher than 0. Received: "
                             f"batch_size={batch_size}")
    start_index = start_index or 0
    end_index = end_index or n
    if targets is not None:
        targets = np.asarray(targets)
        if targets.ndim == 0:
            raise ValueError("`targets` must be an array aligned with `data`; received a scalar")
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    if num_seqs <= 0:
        raise ValueError(
            f"No window fits: sequence_length={sequence_length} with "
            f"sampling_rate={sampling_rate} spans {(sequence_length - 1) * sampling_rate + 1} "
            f"steps, but the data from start_index={start_index} to end_index={end_index} has "
            f"{end_index - start_index}")
    start_positions = np.arange(0, num_seqs, sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            from pyfapi.utils.random import global_rng
            seed = int(global_rng().integers(1_000_000))
        np.random.RandomState(seed).shuffle(start_positions)
    return TimeseriesDataset(
        data[start_index:end_index],
        None if targets is None else targets[start_index:end_index],
        start_positions, sequence_length, sampling_rate, batch_size)
