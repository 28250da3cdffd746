"""``keras.applications.vgg16``: :func:`pyfapi.applications.vgg.VGG16` and its ``preprocess_input``."""
from pyfapi.applications.vgg import VGG16, preprocess_input

__all__ = ["VGG16", "preprocess_input"]
