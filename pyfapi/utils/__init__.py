"""Utilities with ``keras.utils``'s names.

``set_random_seed(seed)`` makes weight initialisation, dropout and shuffling reproducible;
``to_categorical`` / ``normalize`` (arrays); ``PyDataset`` / ``Sequence`` (batches computed by
Python, with workers); ``pad_sequences``; ``timeseries_dataset_from_array``; ``split_dataset``;
``get_file`` (cached downloads); ``plot_model`` / ``model_to_dot`` (pydot + Graphviz).
"""
from pyfapi.utils.dataset_utils import split_dataset
from pyfapi.utils.file_utils import get_file
from pyfapi.utils.model_visualization import model_to_dot, plot_model
from pyfapi.utils.numerical_utils import normalize, to_categorical
from pyfapi.utils.object_registration import (CustomObjectScope, custom_object_scope,
                                              get_custom_objects, get_registered_name,
                                              get_registered_object, register_keras_serializable)
from pyfapi.utils.progbar import Progbar
from pyfapi.utils.py_dataset import PyDataset, Sequence
from pyfapi.utils.random import global_rng, set_random_seed
from pyfapi.utils.sequence_utils import pad_sequences
from pyfapi.utils.step_data import pack_x_y_sample_weight, unpack_x_y_sample_weight
from pyfapi.utils.timeseries_dataset import timeseries_dataset_from_array

__all__ = ["set_random_seed", "global_rng", "to_categorical", "normalize", "PyDataset",
           "Sequence", "pad_sequences", "timeseries_dataset_from_array", "split_dataset",
           "get_file", "pack_x_y_sample_weight", "unpack_x_y_sample_weight",
           "plot_model", "model_to_dot", "register_keras_serializable", "custom_object_scope",
           "CustomObjectScope", "get_custom_objects", "get_registered_name",
           "get_registered_object", "Progbar"]
