"""pyfapi.applications: Keras's ImageNet architectures, randomly initialised (no downloads).

``Xception`` and ``InceptionV3`` with Keras's signature, layer names and parameter counts::

    from pyfapi import applications
    base = applications.Xception(weights=None, include_top=False)

Submodules ``xception`` and ``inception_v3`` also hold ``preprocess_input`` (as Keras).
"""
from pyfapi.applications import imagenet_utils, inception_v3, xception
from pyfapi.applications.inception_v3 import InceptionV3
from pyfapi.applications.xception import Xception

__all__ = ["Xception", "InceptionV3", "xception", "inception_v3", "imagenet_utils"]
