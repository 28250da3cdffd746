"""``keras.applications.resnet50``: :func:`pyfapi.applications.resnet.ResNet50` and its
``preprocess_input``."""
from pyfapi.applications.resnet import ResNet50, preprocess_input

__all__ = ["ResNet50", "preprocess_input"]
