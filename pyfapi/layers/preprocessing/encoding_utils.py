"""Categorical encoding shared by CategoryEncoding, Discretization, the lookup layers and
TextVectorization (Keras 3 ``numerical_utils.encode_categorical_inputs``), in numpy."""
from __future__ import annotations

import numpy as np

__all__ = ["check_output_mode", "encode_categorical", "encoded_shape"]


def check_output_mode(layer_name, output_mode, allowed):
    """Raise ValueError naming the layer when ``output_mode`` is not one of ``allowed``."""
    if output_mode not in allowed:
        raise ValueError(f"{layer_name}: unknown value for `output_mode`. Expected one of "
                         f"{list(allowed)}. Received: output_mode={output_mode!r}")


def encode_categorical(indices, output_mode, depth, dtype="float32", count_weights=None,
                       idf_weights=None):
    """Encode integer ``indices`` in ``[0, depth)``.

    * ``int``: indices cast to ``dtype``.
    * ``one_hot``: a trailing axis of size 1 is replaced by ``depth`` (else one is appended).
    * ``multi_hot`` / ``count`` / ``tf_idf``: rank 0/1 inputs give one ``(depth,)`` vector; rank
      >= 2 inputs reduce axis 1: ``(b, n, ...) -> (b, ..., depth)`` (1 where present / number of
      occurrences, weighted by ``count_weights`` / ``count * idf_weights``).

    The caller checks the range; indices outside ``[0, depth)`` are ignored (as Keras's one_hot).
    """
    idx = np.asarray(indices)
    if output_mode == "int":
        return idx.astype(dtype)
    if idx.ndim == 0:
        idx = idx.reshape(1)
    if output_mode == "one_hot":
        if idx.ndim > 1 and idx.shape[-1] == 1:
            idx = idx.reshape(idx.shape[:-1])
        out = np.zeros(idx.shape + (depth,), dtype=dtype)
        valid = (idx >= 0) & (idx < depth)
        np.put_along_axis(out, np.where(valid, idx, 0)[..., None],
                          valid[..., None].astype(dtype), axis=-1)
        return out
    # multi_hot / count / tf_idf: reduce axis 1 (axis 0 for rank 1)
    if idx.ndim == 1:
        moved = idx.reshape(1, -1)
        squeeze = True
    else:
        moved = np.moveaxis(idx, 1, -1)  # (b, ..., n)
        squeeze = False
    lead = moved.shape[:-1]
    flat = moved.reshape(-1, moved.shape[-1]).astype(np.int64)
    rows = flat.shape[0]
    valid = (flat >= 0) & (flat < depth)
    row_ids = np.broadcast_to(np.arange(rows)[:, None], flat.shape)
    lin = (row_ids * depth + np.where(valid, flat, 0))[valid]
    if output_mode == "multi_hot":
        out = np.zeros(rows * depth, dtype=dtype)
        out[lin] = 1
    else:
        if count_weights is not None:
            w = np.asarray(count_weights, dtype=np.float64)
            w = (np.moveaxis(w, 1, -1) if w.ndim > 1 else w.reshape(1, -1)).reshape(flat.shape)
            w = w[valid]
            out_dtype = np.asarray(count_weights).dtype if output_mode == "count" else dtype
        else:
            w = None
            out_dtype = dtype
        counts = np.bincount(lin, weights=w, minlength=rows * depth)
        out = counts.astype(out_dtype)
        if output_mode == "tf_idf":
            out = (out.reshape(rows, depth) * np.asarray(idf_weights, dtype=np.float32)[:depth]
                   ).astype(dtype).reshape(-1)
    out = out.reshape(lead + (depth,))
    return out.reshape(depth) if squeeze else out


def encoded_shape(input_shape, output_mode, depth):
    """Output shape of :func:`encode_categorical` for ``input_shape`` (None allowed)."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) >= 2:
        return (input_shape[0],) + input_shape[2:] + (depth,)
    return (depth,)
