"""Reuters newswire topics (11,228 wires, 46 topics) as ``keras.datasets.reuters``."""
from __future__ import annotations

import numpy as np

from pyfapi.datasets._files import load_npz, locate
from pyfapi.datasets._sequences import object_array, process, word_index

__all__ = ["load_data", "get_word_index"]

_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """``((x_train, y_train), (x_test, y_test))`` with Keras 3's processing: one shuffle with
    ``RandomState(seed)``, offsets / start / ``maxlen`` / vocabulary as :func:`imdb.load_data`,
    then the first ``1 - test_split`` for training.

    Raises:
        ValueError: a malformed file (keys ``x``, ``y``); ``maxlen`` filtering everything out.
        ConnectionError: not cached and offline.
    """
    f = load_npz(locate(path, "reuters.npz", _HASH, "reuters.load_data"), ("x", "y"),
                 "reuters.load_data")
    xs, labels = f["x"], f["y"]
    rng = np.random.RandomState(seed)
    idx = np.arange(len(xs))
    rng.shuffle(idx)
    xs, labels = list(xs[idx]), labels[idx]
    xs, labels = process(xs, num_words, skip_top, maxlen, start_char, oov_char, index_from,
                         labels, "reuters.load_data")
    n = int(len(xs) * (1 - test_split))
    return ((object_array(xs[:n]), np.array(labels[:n])),
            (object_array(xs[n:]), np.array(labels[n:])))


def get_word_index(path="reuters_word_index.json"):
    """The ``{word: index}`` dict."""
    return word_index(path, "reuters_word_index.json", "4d44cc38712099c9e383dc6e5f11a921",
                      "reuters.get_word_index")
