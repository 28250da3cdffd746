"""``keras.applications.vgg19``: :func:`pyfapi.applications.vgg.VGG19` and its ``preprocess_input``."""
from pyfapi.applications.vgg import VGG19, preprocess_input

__all__ = ["VGG19", "preprocess_input"]
