"""``pad_sequences`` as ``keras.utils.pad_sequences`` (also
``pyfapi.preprocessing.sequence.pad_sequences``)."""
from __future__ import annotations

import numpy as np

__all__ = ["pad_sequences"]


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (or truncate) a list of sequences to one length (Keras 3 semantics).

    Args:
        sequences: list (or any sized iterable) of sequences; each sequence a list / array whose
            elements may themselves be arrays (all of one shape).
        maxlen: output length; default the longest sequence.
        dtype: output dtype (``object`` for variable-length strings).
        padding: ``"pre"`` or ``"post"``: where the padding goes.
        truncating: ``"pre"`` or ``"post"``: which end of a longer sequence is dropped.
        value: the padding value.

    Returns:
        numpy array of shape ``(len(sequences), maxlen) + element_shape``.

    Raises:
        ValueError: ``sequences`` not a sized iterable of iterables, unknown ``padding`` /
            ``truncating``, a string ``value`` with a non-string dtype, elements of different
            shapes (naming the sequence's position), a negative ``maxlen``.
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    num_samples = len(sequences)
    lengths = []
    sample_shape = ()
    flag = True
    for x in sequences:
        try:
            lengths.append(len(x))
            if flag and len(x):
                sample_shape = np.asarray(x).shape[1:]
                flag = False
        except TypeError as e:
            raise ValueError("`sequences` must be a list of iterables. Found non-iterable: "
                             f"{x!r}") from e
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    if isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"`maxlen` must be a non-negative integer or None, received {maxlen!r}")
    maxlen = int(maxlen)
    is_dtype_str = np.issubdtype(np.dtype(dtype), np.str_) if dtype is not object else False
    if isinstance(value, str) and dtype is not object and not is_dtype_str:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}\nYou should set `dtype=object` for variable length "
                         f"strings.")
    x = np.full((num_samples, maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return x
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        trunc = np.asarray(trunc, dtype=dtype)
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {trunc.shape[1:]} of sequence at position {idx} "
                             f"is different from expected shape {sample_shape}")
        if padding == "post":
            x[idx, :len(trunc)] = trunc
        else:
            x[idx, -len(trunc):] = trunc
    return x
