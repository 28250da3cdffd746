"""Preprocessing layers for tests/layers/test_registry.py: (constructor, build shape)."""
from pyfapi import layers

PREPROCESSING_LAYERS = [
    (lambda: layers.Normalization(), (None, 3)),
    (lambda: layers.Normalization(axis=(1, 2), mean=[1., 2.], variance=[2., 3.]), (None, 4, 2)),
    (lambda: layers.Rescaling(1 / 255., offset=-0.5), (None, 4, 4, 3)),
    (lambda: layers.Discretization(bin_boundaries=[0., 1.5]), (None, 3)),
]
_MORE = [
    ("CategoryEncoding", lambda: layers.CategoryEncoding(5, output_mode="count"), (None, 3)),
    ("Hashing", lambda: layers.Hashing(7, salt=3), (None, 1)),
    ("StringLookup", lambda: layers.StringLookup(vocabulary=["a", "b"], mask_token=""),
     (None, 2)),
    ("IntegerLookup", lambda: layers.IntegerLookup(vocabulary=[3, 9], output_mode="multi_hot"),
     (None, 2)),
    ("TextVectorization", lambda: layers.TextVectorization(
        vocabulary=["the", "cat"], output_sequence_length=4, ngrams=2), (None,)),
]
PREPROCESSING_LAYERS += [(make, shape) for name, make, shape in _MORE if hasattr(layers, name)]
