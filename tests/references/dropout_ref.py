"""The dropout keep-mask stream of csrc/dropout/dropout.h in numpy uint64 arithmetic, written from
the SplitMix64 definition (Steele, Lea & Flood 2014), for exact comparisons."""
import numpy as np


def dropout_mask_ref(shape, rate, seed):
    """float32 mask of ``shape``: element i (C order) = float32(1 / (1 - rate)) if the i-th
    32-bit draw of the stream ``seed`` is >= round(rate * 2**32), else 0."""
    n = int(np.prod(shape, dtype=np.int64))
    j = np.arange((n + 1) // 2, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (j + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = np.empty(2 * len(j), np.uint64)
    u[0::2] = z & np.uint64(0xFFFFFFFF)
    u[1::2] = z >> np.uint64(32)
    threshold = min(int(round(rate * 2.0 ** 32)), 2 ** 32 - 1)
    scale = np.float32(1.0 / (1.0 - rate))
    return np.where(u[:n] >= threshold, scale, np.float32(0)).astype(np.float32).reshape(shape)
