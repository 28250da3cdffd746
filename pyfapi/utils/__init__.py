"""Utilities: random seeding (:mod:`pyfapi.utils.random`) and layer naming (``naming``).

``pyfapi.utils.set_random_seed(seed)`` makes weight initialisation, dropout and shuffling
reproducible, as ``keras.utils.set_random_seed``; ``pyfapi.utils.to_categorical`` one-hot
encodes labels as ``keras.utils.to_categorical``.
"""
from pyfapi.utils.numerical_utils import to_categorical
from pyfapi.utils.random import global_rng, set_random_seed
from pyfapi.utils.step_data import pack_x_y_sample_weight, unpack_x_y_sample_weight

__all__ = ["set_random_seed", "global_rng", "to_categorical", "pack_x_y_sample_weight",
           "unpack_x_y_sample_weight"]
