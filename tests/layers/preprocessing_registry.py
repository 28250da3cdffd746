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
_IMAGE = [
    ("Resizing", lambda: layers.Resizing(5, 7, interpolation="bicubic"), (None, 9, 8, 3)),
    ("CenterCrop", lambda: layers.CenterCrop(3, 4), (None, 9, 8, 3)),
    ("RandomFlip", lambda: layers.RandomFlip("horizontal", seed=1), (None, 9, 8, 3)),
    ("RandomRotation", lambda: layers.RandomRotation(0.2, seed=1), (None, 9, 8, 3)),
    ("RandomZoom", lambda: layers.RandomZoom(0.2, (-0.3, 0.1), seed=1), (None, 9, 8, 3)),
    ("RandomTranslation", lambda: layers.RandomTranslation(0.1, 0.2, fill_mode="constant"),
     (None, 9, 8, 3)),
    ("RandomCrop", lambda: layers.RandomCrop(4, 5, seed=2), (None, 9, 8, 3)),
    ("RandomContrast", lambda: layers.RandomContrast(0.3, seed=1), (None, 9, 8, 3)),
    ("RandomBrightness", lambda: layers.RandomBrightness((-0.2, 0.1), value_range=(0, 1)),
     (None, 9, 8, 3)),
]
PREPROCESSING_LAYERS += [(make, shape) for name, make, shape in _IMAGE if hasattr(layers, name)]
