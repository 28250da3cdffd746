"""The word-index sequence processing shared by IMDB and Reuters (Keras 3's code path)."""
from __future__ import annotations

import json

import numpy as np

from pyfapi.datasets._files import locate


def remove_long_seq(maxlen, seq, label):
    """Keep the pairs whose sequence is shorter than ``maxlen``."""
    new_seq, new_label = [], []
    for x, y in zip(seq, label):
        if len(x) < maxlen:
            new_seq.append(x)
            new_label.append(y)
    return new_seq, new_label


def process(xs, num_words, skip_top, maxlen, start_char, oov_char, index_from, labels, loader):
    """Offsets, start character, ``maxlen`` filter and vocabulary cut, as Keras 3."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    else:
        xs = [list(x) for x in xs]
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
        if not xs:
            raise ValueError(f"{loader}: after filtering for sequences shorter than "
                             f"maxlen={maxlen}, no sequence was kept. Increase maxlen.")
    if not num_words:
        num_words = max(max(x) for x in xs if len(x)) if any(len(x) for x in xs) else 0
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    return xs, np.asarray(labels)


def object_array(seqs):
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = s
    return out


def word_index(path, origin_name, file_hash, loader):
    p = locate(path, origin_name, file_hash, loader)
    with open(p) as f:
        return json.load(f)


__all__ = ["remove_long_seq", "process", "object_array", "word_index"]
