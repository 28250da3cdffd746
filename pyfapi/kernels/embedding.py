"""Python face of the embedding kernels (csrc/embedding): row gather and race-free scatter-add.

``embedding_lookup(table, indices)`` is ``keras.ops.take(table, indices, axis=0)`` for a 2-D table
(as ``keras.layers.Embedding``). Indices must be integers in [0, input_dim): anything else raises
IndexError naming the value, its position in ``indices`` and input_dim, before any output exists.

Conversion policy: a float32 C-contiguous table and C-contiguous int32 / int64 indices reach C++
without a copy; other real table dtypes / layouts and other integer index dtypes are converted ONCE
here (np.ascontiguousarray to float32, resp. int64).
"""
from __future__ import annotations

import numpy as np

from pyfapi import _C

__all__ = ["embedding_lookup", "embedding_lookup_backward", "check_indices"]


def _bad_index_error(op, idx, flat, input_dim):
    value = int(idx.reshape(-1)[flat])
    pos = tuple(int(p) for p in np.unravel_index(flat, idx.shape))
    return IndexError(f"{op}: index {value} at position {pos} of indices with shape {idx.shape} "
                      f"is out of range for input_dim={input_dim} (valid: 0 <= index < {input_dim})")


_I32, _I64 = np.dtype(np.int32), np.dtype(np.int64)


def _as_indices(indices, input_dim: int, op: str) -> np.ndarray:
    """C-contiguous int32 / int64 indices (other integer dtypes converted to int64 once)."""
    if type(indices) is np.ndarray and indices.flags.c_contiguous and (
            indices.dtype == _I32 or indices.dtype == _I64):
        return indices  # fast path: used as is
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu" or idx.dtype == np.bool_:
        raise TypeError(f"{op}: indices must be an integer array (int32 or int64), got dtype {idx.dtype}")
    if idx.dtype.kind == "u" and idx.dtype.itemsize >= 8 and idx.size:
        over = np.flatnonzero(idx.reshape(-1) >= np.uint64(max(input_dim, 0)))
        if over.size:  # check before the int64 cast, which could wrap huge values
            raise _bad_index_error(op, idx, int(over[0]), input_dim)
    if idx.dtype not in (np.int32, np.int64):
        idx = idx.astype(np.int64)
    return np.ascontiguousarray(idx).reshape(idx.shape)  # keeps 0-d indices 0-d


def check_indices(indices, input_dim: int, op: str = "embedding") -> np.ndarray:
    """Return ``indices`` as C-contiguous int32/int64 after checking 0 <= index < input_dim.

    The scan runs in C++ (threaded) and reports the first bad flat position.

    Raises:
        TypeError: non-integer indices (e.g. float).
        IndexError: an index outside [0, input_dim): names the value, its position (multi-index)
            and input_dim.
    """
    input_dim = int(input_dim)
    idx = _as_indices(indices, input_dim, op)
    if idx.size == 0:
        return idx
    bad = int(_C.embedding_first_bad_index(idx.reshape(-1), input_dim))
    if bad >= 0:
        raise _bad_index_error(op, idx, bad, input_dim)
    return idx


def _as_table(table, name: str, op: str) -> np.ndarray:
    t = np.asarray(table)
    if t.dtype.kind not in "fiub":
        raise TypeError(f"{op}: {name} must be a real (float32) array, got dtype {t.dtype}")
    if t.ndim != 2:
        raise ValueError(f"{op}: {name} must be 2-D (input_dim, output_dim), got shape {t.shape}")
    return np.ascontiguousarray(t, dtype=np.float32)  # t is 2-D here


def embedding_lookup(table, indices) -> np.ndarray:
    """Gather rows: ``out[..., :] = table[indices[...], :]``.

    Args:
        table: (V, E) float32 (other real dtypes converted once).
        indices: integer array of any shape (int32 / int64 without a copy).

    Returns:
        float32 array of shape ``indices.shape + (E,)``.

    Raises:
        TypeError: float / non-integer indices or a non-real table. ValueError: table not 2-D.
        IndexError: an index outside [0, V) (value, position and input_dim in the message); the
            C++ call scans the indices first and writes nothing when one is bad.
    """
    if not (type(table) is np.ndarray and table.dtype == np.float32 and table.ndim == 2
            and table.flags.c_contiguous):
        table = _as_table(table, "table", "embedding")
    v, e = table.shape
    idx = _as_indices(indices, v, "embedding")
    out_shape = idx.shape + (e,)
    if idx.size == 0:
        return np.zeros(out_shape, np.float32)
    bad, out = _C.embedding_gather(table, idx.reshape(-1))
    if bad >= 0:
        raise _bad_index_error("embedding", idx, bad, v)
    return out.reshape(out_shape)


def embedding_lookup_backward(d_outputs, indices, input_dim: int) -> np.ndarray:
    """Gradient of :func:`embedding_lookup` w.r.t. the table: scatter-add of rows of ``d_outputs``.

    ``d_table[v] = sum over positions p with indices[p] == v of d_outputs[p]``, summed in order of
    p (deterministic, identical for any thread count; threads own disjoint table rows).

    Args:
        d_outputs: float array of shape ``indices.shape + (E,)``.
        indices: the integer indices of the forward. input_dim: V.

    Returns:
        (V, E) float32.

    Raises:
        TypeError / IndexError as :func:`embedding_lookup`; ValueError: shape mismatch.
    """
    input_dim = int(input_dim)
    if input_dim < 0:
        raise ValueError(f"embedding: input_dim must be >= 0, got {input_dim}")
    idx = _as_indices(indices, input_dim, "embedding")
    dy = np.asarray(d_outputs)
    if dy.dtype.kind not in "fiub":
        raise TypeError(f"embedding: d_outputs must be a real array, got dtype {dy.dtype}")
    if dy.ndim != idx.ndim + 1 or dy.shape[:-1] != idx.shape:
        raise ValueError(f"embedding: d_outputs has shape {dy.shape}, expected {idx.shape + ('E',)} "
                         f"for indices of shape {idx.shape}")
    e = dy.shape[-1]
    if idx.size == 0 or e == 0:
        check_indices(idx, input_dim, "embedding")  # still refuse bad indices (none here if empty)
        return np.zeros((input_dim, e), np.float32)
    dy = np.ascontiguousarray(dy, dtype=np.float32).reshape(idx.size, e)
    bad, out = _C.embedding_scatter_add(dy, idx.reshape(-1), input_dim)
    if bad >= 0:
        raise _bad_index_error("embedding", idx, bad, input_dim)
    return out
