"""pyfapi.datasets: small data sets as ``keras.datasets`` returns them.

- :mod:`pyfapi.datasets.digits`: the UCI ML hand-written digits (1,797 8x8 images, CC BY 4.0),
  bundled in the package, works offline.
- :mod:`pyfapi.datasets.mnist`: MNIST read from a local ``mnist.npz`` in Keras's layout (no download).
"""
from pyfapi.datasets import digits, mnist

__all__ = ["digits", "mnist"]
