"""IMDB movie reviews (25,000 + 25,000, sentiment labels) as ``keras.datasets.imdb``: reviews are
lists of word indices (1 = start, 2 = out of vocabulary, words from ``index_from``)."""
from __future__ import annotations

import numpy as np

from pyfapi.datasets._files import load_npz, locate
from pyfapi.datasets._sequences import object_array, process, word_index

__all__ = ["load_data", "get_word_index"]

_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    """``((x_train, y_train), (x_test, y_test))`` with Keras 3's processing.

    Train and test are each shuffled with ``numpy.random.RandomState(seed)`` (one generator, train
    first); words get ``index_from`` added and ``start_char`` prepended; with ``maxlen``, reviews
    of ``maxlen`` words or more are dropped; words ``>= num_words`` or ``< skip_top`` become
    ``oov_char`` (or are removed when it is None). ``x_*`` are 1-D object arrays of lists.

    Args:
        path: ``imdb.npz`` in the cache (``$PYFAPI_HOME`` / ``~/.keras`` ``/datasets``), a path to
            a file in Keras's layout (``x_train``, ``y_train``, ``x_test``, ``y_test``), or
            downloaded from Keras's origin when missing.

    Raises:
        ValueError: a malformed file; ``maxlen`` filtering everything out; unknown ``kwargs``.
        ConnectionError: not cached and offline.
    """
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    f = load_npz(locate(path, "imdb.npz", _HASH, "imdb.load_data"),
                 ("x_train", "y_train", "x_test", "y_test"), "imdb.load_data")
    x_train, labels_train, x_test, labels_test = (f["x_train"], f["y_train"], f["x_test"],
                                                  f["y_test"])
    rng = np.random.RandomState(seed)
    idx = np.arange(len(x_train))
    rng.shuffle(idx)
    x_train, labels_train = x_train[idx], labels_train[idx]
    idx = np.arange(len(x_test))
    rng.shuffle(idx)
    x_test, labels_test = x_test[idx], labels_test[idx]
    n_train = len(x_train)
    if maxlen:  # filter each part on its own, as Keras
        from pyfapi.datasets._sequences import remove_long_seq
        tr = [[start_char] + [w + index_from for w in x] if start_char is not None else
              [w + index_from for w in x] for x in x_train]
        te = [[start_char] + [w + index_from for w in x] if start_char is not None else
              [w + index_from for w in x] for x in x_test]
        tr, labels_train = remove_long_seq(maxlen, tr, labels_train)
        te, labels_test = remove_long_seq(maxlen, te, labels_test)
        if not tr or not te:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             f"sequence was kept. Increase maxlen.")
        n_train = len(tr)
        xs, labels = process(tr + te, num_words, skip_top, None, None, oov_char, 0,
                             list(labels_train) + list(labels_test), "imdb.load_data")
    else:
        xs, labels = process(list(x_train) + list(x_test), num_words, skip_top, None,
                             start_char, oov_char, index_from,
                             np.concatenate([labels_train, labels_test]), "imdb.load_data")
    return ((object_array(xs[:n_train]), labels[:n_train]),
            (object_array(xs[n_train:]), labels[n_train:]))


def get_word_index(path="imdb_word_index.json"):
    """The ``{word: index}`` dict (indices before the ``index_from`` offset)."""
    return word_index(path, "imdb_word_index.json", "bfafd718b763782e994055a2d397834f",
                      "imdb.get_word_index")
