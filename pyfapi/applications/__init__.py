"""pyfapi.applications: Keras's ImageNet architectures, randomly initialised (no downloads).

``Xception``, ``InceptionV3``, ``VGG16``, ``VGG19``, ``ResNet50``, ``ResNet101`` and
``ResNet152`` with Keras's signature, layer names and parameter counts::

    from pyfapi import applications
    base = applications.Xception(weights=None, include_top=False)

Submodules ``xception``, ``inception_v3``, ``vgg16``, ``vgg19``, ``resnet``, ``resnet50`` also hold
``preprocess_input`` (as Keras).
"""
from pyfapi.applications import (imagenet_utils, inception_v3, resnet, resnet50, vgg16, vgg19,
                                  xception)
from pyfapi.applications.inception_v3 import InceptionV3
from pyfapi.applications.resnet import ResNet50, ResNet101, ResNet152
from pyfapi.applications.vgg import VGG16, VGG19
from pyfapi.applications.xception import Xception

__all__ = ["Xception", "InceptionV3", "VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152",
           "xception", "inception_v3", "vgg16", "vgg19", "resnet", "resnet50", "imagenet_utils"]
