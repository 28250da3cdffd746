"""Preprocessing layers (Keras 3 keras/src/layers/preprocessing/): numerical (Normalization,
Rescaling, Discretization), categorical / text (CategoryEncoding, Hashing, StringLookup,
IntegerLookup, TextVectorization) and image (Resizing, CenterCrop, Random* augmentation).
Dtype handling: see :mod:`.base_preprocessing`."""
from pyfapi.layers.preprocessing.category_encoding import CategoryEncoding
from pyfapi.layers.preprocessing.center_crop import CenterCrop
from pyfapi.layers.preprocessing.discretization import Discretization
from pyfapi.layers.preprocessing.hashing import Hashing
from pyfapi.layers.preprocessing.integer_lookup import IntegerLookup
from pyfapi.layers.preprocessing.normalization import Normalization
from pyfapi.layers.preprocessing.random_brightness import RandomBrightness
from pyfapi.layers.preprocessing.random_contrast import RandomContrast
from pyfapi.layers.preprocessing.random_crop import RandomCrop
from pyfapi.layers.preprocessing.random_flip import RandomFlip
from pyfapi.layers.preprocessing.random_rotation import RandomRotation
from pyfapi.layers.preprocessing.random_translation import RandomTranslation
from pyfapi.layers.preprocessing.random_zoom import RandomZoom
from pyfapi.layers.preprocessing.rescaling import Rescaling
from pyfapi.layers.preprocessing.resizing import Resizing
from pyfapi.layers.preprocessing.string_lookup import StringLookup
from pyfapi.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
           "CategoryEncoding",
           "CenterCrop",
           "Discretization",
           "Hashing",
           "IntegerLookup",
           "Normalization",
           "RandomBrightness",
           "RandomContrast",
           "RandomCrop",
           "RandomFlip",
           "RandomRotation",
           "RandomTranslation",
           "RandomZoom",
           "Rescaling",
           "Resizing",
           "StringLookup",
           "TextVectorization",
]
