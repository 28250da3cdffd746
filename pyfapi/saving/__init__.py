"""pyfapi.saving: HDF5 weights files (``.weights.h5``) and ``.keras`` model archives.

``save_weights(model, path)`` / ``load_weights(model, path)`` (also ``model.save_weights`` /
``model.load_weights``), ``save_model(model, path)`` / ``load_model(path)`` (also ``model.save``
and ``pyfapi.models.load_model``). Writes are atomic (temporary file + ``os.replace``); loads check
everything before assigning anything.
"""
from pyfapi.saving import keras_archive as _archive
from pyfapi.saving import legacy_h5 as _legacy
from pyfapi.saving import weights_h5 as _weights
from pyfapi.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from pyfapi.saving.weights_h5 import save_weights
from pyfapi.utils.object_registration import (CustomObjectScope, custom_object_scope,
                                              get_custom_objects, get_registered_name,
                                              get_registered_object, register_keras_serializable)

__all__ = ["save_weights", "load_weights", "save_model", "load_model",
           "register_keras_serializable", "custom_object_scope", "CustomObjectScope",
           "get_custom_objects", "get_registered_name", "get_registered_object",
           "serialize_keras_object", "deserialize_keras_object"]


def save_model(model, filepath, overwrite=True, **kwargs):
    """``.keras`` archive, or Keras's legacy HDF5 format for ``.h5`` / ``.hdf5`` paths (see
    :mod:`pyfapi.saving.legacy_h5`; ``include_optimizer=True`` as Keras)."""
    if _legacy.is_legacy_h5_path(filepath):
        return _legacy.save_legacy_h5(model, filepath, overwrite=overwrite,
                                      include_optimizer=kwargs.get("include_optimizer", True))
    return _archive.save_model(model, filepath, overwrite=overwrite)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a ``.keras`` archive or a legacy ``.h5`` / ``.hdf5`` file (Keras 3, tf.keras
    2.x or pyfapi). ``custom_objects`` are in scope for every lookup of the load (as Keras's
    ``custom_object_scope``), beside the ``register_keras_serializable`` registry."""
    with custom_object_scope(custom_objects):
        if _legacy.is_legacy_h5_path(filepath):
            return _legacy.load_legacy_h5(filepath, custom_objects=custom_objects,
                                          compile=compile)
        return _archive.load_model(filepath, custom_objects=custom_objects, compile=compile,
                                   safe_mode=safe_mode)


def load_weights(model, filepath, skip_mismatch=False):
    """``.weights.h5`` / ``.keras`` weights, or a legacy ``.h5`` (by layer name)."""
    if _legacy.is_legacy_h5_path(filepath):
        return _legacy.load_weights_legacy(model, filepath)
    return _weights.load_weights(model, filepath, skip_mismatch=skip_mismatch)
