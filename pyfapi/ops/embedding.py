"""``embedding_lookup(table, indices)``: rows of a 2-D table (``keras.ops.take(table, indices,
axis=0)`` / ``keras.layers.Embedding``) on the C++ gather and race-free scatter-add kernels
(:mod:`pyfapi.kernels.embedding`).

Indices must be integers in [0, input_dim) (IndexError naming the value, its position and
input_dim otherwise, raised before any output exists); with ``wrap_negative=True`` indices in
[-input_dim, 0) count from the end, as ``take`` allows. Dtype policy: a float32 table is gathered
without a copy; other float dtypes are computed in float32 and returned in the table's dtype.
Importing this module also installs the kernels behind ``ops.take(table, indices, axis=0)`` for
2-D float32 tables (:func:`pyfapi.ops.shape_ops.register_take_kernels`).
"""
from __future__ import annotations

import numpy as np

from pyfapi.autodiff.registry import Op, apply, register
from pyfapi.kernels.embedding import check_indices, embedding_lookup_backward
from pyfapi.kernels.embedding import embedding_lookup as _gather
from pyfapi.ops import shape_ops as _shape_ops

__all__ = ["embedding_lookup"]


@register
class EmbeddingLookup(Op):
    """``out[..., :] = table[indices[...], :]``; gradient w.r.t. the table: scatter-add (indices:
    None)."""
    name = "embedding_lookup"

    @staticmethod
    def forward(ctx, table, indices, wrap_negative=False):
        """``table`` (V, D), int ``indices`` of any shape -> ``indices.shape + (D,)``. ValueError if
        table is not 2-D, TypeError for a non-numeric table, an error from check_indices for
        out-of-range ids.
        """
        if table.ndim != 2:
            raise ValueError(f"embedding_lookup: table must be 2-D (input_dim, output_dim), got shape "
                             f"{table.shape}")
        if table.dtype.kind not in "fiub":
            raise TypeError(f"embedding_lookup: table must be a float array, got dtype {table.dtype}")
        v = table.shape[0]
        if wrap_negative:
            idx = np.asarray(indices)
            if idx.dtype.kind == "i" and idx.size:
                idx = np.where((idx < 0) & (idx >= -v), idx + v, idx)  # take()'s negative indices
            indices = idx
        idx = check_indices(indices, v, "embedding_lookup")
        ctx.idx, ctx.v, ctx.dtype = idx, v, table.dtype
        out = _gather(table, idx)
        return out.astype(table.dtype, copy=False) if table.dtype.kind == "f" else out

    @staticmethod
    def backward(ctx, g):
        """Returns ``(scatter_add(g) into (V, D), None)``: repeated indices are summed."""
        gt = embedding_lookup_backward(g, ctx.idx, ctx.v)
        return (gt.astype(ctx.dtype, copy=False) if ctx.dtype.kind == "f" else gt), None


def embedding_lookup(table, indices, wrap_negative=False):
    """Gather rows of ``table`` (input_dim, output_dim) at integer ``indices`` of any shape.

    Returns:
        A Tensor of shape ``indices.shape + (output_dim,)``. Differentiable w.r.t. ``table``.

    Raises:
        TypeError: non-integer (e.g. float) indices. ValueError: table not 2-D.
        IndexError: an index outside [0, input_dim) ([-input_dim, input_dim) with
            ``wrap_negative``): names the value, its position in ``indices`` and input_dim.
    """
    return apply(EmbeddingLookup, table, indices, wrap_negative=bool(wrap_negative))


def install_take_kernels() -> None:
    """Make ``ops.take(table, indices, axis=0)`` on a 2-D float32 table (keras.layers.Embedding's
    lookup) run on the C++ gather / scatter-add (``take`` checks and wraps the indices itself).
    Done on import; idempotent."""
    _shape_ops.register_take_kernels(_gather, embedding_lookup_backward)


install_take_kernels()
