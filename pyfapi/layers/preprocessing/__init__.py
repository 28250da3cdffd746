"""Preprocessing layers (Keras 3 keras/src/layers/preprocessing/): numerical (Normalization,
Rescaling, Discretization), categorical / text (CategoryEncoding, Hashing, StringLookup,
IntegerLookup, TextVectorization) and image (Resizing, CenterCrop, Random* augmentation).
Dtype handling: see :mod:`.base_preprocessing`."""
from pyfapi.layers.preprocessing.category_encoding import CategoryEncoding
from pyfapi.layers.preprocessing.discretization import Discretization
from pyfapi.layers.preprocessing.hashing import Hashing
from pyfapi.layers.preprocessing.integer_lookup import IntegerLookup
from pyfapi.layers.preprocessing.normalization import Normalization
from pyfapi.layers.preprocessing.rescaling import Rescaling
from pyfapi.layers.preprocessing.string_lookup import StringLookup
from pyfapi.layers.preprocessing.text_vectorization import TextVectorization

__all__ = ["Normalization", "Rescaling", "Discretization", "CategoryEncoding", "Hashing",
           "StringLookup", "IntegerLookup", "TextVectorization"]
