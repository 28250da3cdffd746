"""VGG16 and VGG19 (Simonyan and Zisserman 2015), layer for layer as Keras's
``keras/src/applications/vgg16.py`` / ``vgg19.py``.

Reference: K. Simonyan, A. Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
Recognition", ICLR 2015, https://arxiv.org/abs/1409.1556. Layer names ``block1_conv1`` ...
``block5_pool``, then with the top ``flatten``, ``fc1``, ``fc2``, ``predictions``; parameter
counts as Keras: VGG16 138,357,544 with the top (14,714,688 without), VGG19 143,667,240
(20,024,384).
"""
from __future__ import annotations

from pyfapi.applications import imagenet_utils

__all__ = ["VGG16", "VGG19", "build_vgg", "preprocess_input"]

MIN_SIZE = 32
_BLOCKS = {"VGG16": (2, 2, 3, 3, 3), "VGG19": (2, 2, 4, 4, 4)}
_FILTERS = (64, 128, 256, 512, 512)


def build_vgg(model_name, include_top, weights, input_tensor, input_shape, pooling, classes,
              classifier_activation, name):
    """The VGG16 / VGG19 functional model (see :func:`VGG16`)."""
    from pyfapi import layers

    weights, classes, img_input, inputs = imagenet_utils.prepare_application_inputs(
        weights=weights, include_top=include_top, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, default_size=224,
        min_size=MIN_SIZE, model_name=model_name)
    x = img_input
    for block, (n, filters) in enumerate(zip(_BLOCKS[model_name], _FILTERS), start=1):
        for i in range(1, n + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                              name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:  # VGG's own top; the rest (pooling, size check, weights) as every application
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return imagenet_utils.finish_application_model(
        x, inputs, include_top=False, pooling=None if include_top else pooling, classes=classes,
        classifier_activation=classifier_activation, name=name, weights=weights,
        min_size=MIN_SIZE, model_name=model_name)


def VGG16(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg16"):
    """Instantiate VGG16 (channels_last images; Keras's signature and layers).

    Args: as :func:`pyfapi.applications.Xception`, with the default input ``(224, 224, 3)`` and a
    minimum size of 32. With the top, the input size is fixed (the ``flatten`` feeds ``fc1``).
    ``weights``: ``None`` or the path of a local weights file (``"imagenet"`` is refused: pyfapi
    downloads nothing).

    Returns:
        A functional model; output ``(batch, h/32, w/32, 512)`` without the top and pooling.

    Raises:
        ValueError / TypeError: as :func:`pyfapi.applications.Xception`.
    """
    return build_vgg("VGG16", include_top, weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation, name)


def VGG19(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
          classes=1000, classifier_activation="softmax", name="vgg19"):
    """Instantiate VGG19: VGG16 with four convolutions in blocks 3 to 5 (see :func:`VGG16`)."""
    return build_vgg("VGG19", include_top, weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation, name)


def preprocess_input(x, data_format=None):
    """VGG's ("caffe") preprocessing: RGB -> BGR, minus the ImageNet channel means."""
    return imagenet_utils.preprocess_input_caffe(x, data_format=data_format)
