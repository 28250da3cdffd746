"""pyfapi.saving: HDF5 weights files (``.weights.h5``) and ``.keras`` model archives.

``save_weights(model, path)`` / ``load_weights(model, path)`` (also ``model.save_weights`` /
``model.load_weights``), ``save_model(model, path)`` / ``load_model(path)`` (also ``model.save``
and ``pyfapi.models.load_model``). Writes are atomic (temporary file + ``os.replace``); loads check
everything before assigning anything.
"""
from pyfapi.saving import keras_archive as _archive
from pyfapi.saving import legacy_h5 as _legacy
from pyfapi.saving import weights_h5 as _weights
from pyfapi.saving.weights_h5 import save_weights

__all__ = ["save_weights", "load_weights", "save_model", "load_model"]


def save_model(model, filepath, overwrite=True, **kwargs):
    """``.keras`` archive, or Keras's legacy HDF5 format for ``.h5`` / ``.hdf5`` paths (see
    :mod:`pyfapi.saving.legacy_h5`; ``include_optimizer=True`` as Keras)."""
    if _legacy.is_legacy_h5_path(filepath):
        return _legacy.save_legacy_h5(model, filepath, overwrite=overwrite,
                                      include_optimizer=kwargs.get("include_optimizer", True))
    return _archive.save_model(model, filepath, overwrite=overwrite)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a ``.keras`` archive or a legacy ``.h5`` / ``.hdf5`` file (Keras 3, tf.keras
    2.x or pyfapi)."""
    if _legacy.is_legacy_h5_path(filepath):
        return _legacy.load_legacy_h5(filepath, custom_objects=custom_objects, compile=compile)
    return _archive.load_model(filepath, custom_objects=custom_objects, compile=compile,
                               safe_mode=safe_mode)


def load_weights(model, filepath, skip_mismatch=False):
    """``.weights.h5`` / ``.keras`` weights, or a legacy ``.h5`` (by layer name)."""
    if _legacy.is_legacy_h5_path(filepath):
        return _legacy.load_weights_legacy(model, filepath)
    return _weights.load_weights(model, filepath, skip_mismatch=skip_mismatch)
