"""pyfapi.datasets: data sets as ``keras.datasets`` returns them.

- :mod:`digits`: the UCI ML hand-written digits (1,797 8x8 images, CC BY 4.0), bundled in the
  package: the offline default.
- :mod:`mnist`: MNIST read from a local ``mnist.npz`` in Keras's layout.
- :mod:`imdb` (with ``get_word_index``), :mod:`reuters`, :mod:`boston_housing`,
  :mod:`california_housing`, :mod:`fashion_mnist`, :mod:`cifar10`, :mod:`cifar100`: Keras's own
  files, read from a given path, from the cache of :func:`pyfapi.utils.get_file`
  (``$PYFAPI_HOME`` / ``$KERAS_HOME`` / ``~/.keras``, ``datasets/``: a Keras download cache is
  found as is), or downloaded from Keras's origin (hash-checked; a clear error when offline).
"""
from pyfapi.datasets import (boston_housing, california_housing, cifar10, cifar100, digits,
                             fashion_mnist, imdb, mnist, reuters)

__all__ = ["digits", "mnist", "imdb", "reuters", "boston_housing", "california_housing",
           "fashion_mnist", "cifar10", "cifar100"]
