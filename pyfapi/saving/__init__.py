"""pyfapi.saving: HDF5 weights files (``.weights.h5``) and ``.keras`` model archives.

``save_weights(model, path)`` / ``load_weights(model, path)`` (also ``model.save_weights`` /
``model.load_weights``), ``save_model(model, path)`` / ``load_model(path)`` (also ``model.save``
and ``pyfapi.models.load_model``). Writes are atomic (temporary file + ``os.replace``); loads check
everything before assigning anything.
"""
from pyfapi.saving.keras_archive import load_model, save_model
from pyfapi.saving.weights_h5 import load_weights, save_weights

__all__ = ["save_weights", "load_weights", "save_model", "load_model"]
