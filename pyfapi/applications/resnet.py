"""ResNet50, ResNet101 and ResNet152 (He et al. 2016, "v1"), layer for layer as Keras's
``keras/src/applications/resnet.py``.

Reference: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image Recognition", CVPR
2016, https://arxiv.org/abs/1512.03385. Keras's layer names (``conv1_pad``, ``conv1_conv``,
``conv1_bn`` ... ``conv5_block3_out``, ``avg_pool``, ``predictions``), BatchNormalization
``epsilon=1.001e-5`` and biased convolutions; ResNet50 has 25,636,712 parameters with the top
(23,587,712 without), as Keras.
"""
from __future__ import annotations

from pyfapi.applications import imagenet_utils

__all__ = ["ResNet50", "ResNet101", "ResNet152", "preprocess_input"]

MIN_SIZE = 32
_STACKS = {"resnet50": (3, 4, 6, 3), "resnet101": (3, 4, 23, 3), "resnet152": (3, 8, 36, 3)}


def _block(x, filters, stride=1, conv_shortcut=True, name=None):
    """Keras's ``residual_block_v1``: 1x1 / 3x3 / 1x1 bottleneck, 4 * filters out."""
    from pyfapi import layers

    def bn(name_):
        return layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name_)

    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = bn(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(bn(f"{name}_1_bn")(x))
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(bn(f"{name}_2_bn")(x))
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = bn(f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _resnet(model_name, name, include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation):
    from pyfapi import layers

    weights, classes, img_input, inputs = imagenet_utils.prepare_application_inputs(
        weights=weights, include_top=include_top, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, default_size=224,
        min_size=MIN_SIZE, model_name=model_name)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (blocks, filters) in enumerate(zip(_STACKS[model_name.lower()], (64, 128, 256, 512)),
                                              start=2):
        x = _block(x, filters, stride=1 if stage == 2 else 2, name=f"conv{stage}_block1")
        for i in range(2, blocks + 1):
            x = _block(x, filters, conv_shortcut=False, name=f"conv{stage}_block{i}")
    return imagenet_utils.finish_application_model(
        x, inputs, include_top=include_top, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name, weights=weights,
        min_size=MIN_SIZE, model_name=model_name, named_pooling=True)


def ResNet50(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="resnet50"):
    """Instantiate ResNet50 (channels_last images; Keras's signature and layers).

    Args: as :func:`pyfapi.applications.Xception`, with the default input ``(224, 224, 3)`` and a
    minimum size of 32. ``weights``: ``None`` or the path of a local weights file
    (``"imagenet"`` is refused: pyfapi downloads nothing).

    Returns:
        A functional model; output ``(batch, ceil(h/32), ceil(w/32), 2048)`` without the top and
        pooling.

    Raises:
        ValueError / TypeError: as :func:`pyfapi.applications.Xception`.
    """
    return _resnet("ResNet50", name, include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation)


def ResNet101(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name="resnet101"):
    """Instantiate ResNet101: stages of 3, 4, 23, 3 blocks (see :func:`ResNet50`)."""
    return _resnet("ResNet101", name, include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation)


def ResNet152(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name="resnet152"):
    """Instantiate ResNet152: stages of 3, 8, 36, 3 blocks (see :func:`ResNet50`)."""
    return _resnet("ResNet152", name, include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation)


def preprocess_input(x, data_format=None):
    """ResNet's ("caffe") preprocessing: RGB -> BGR, minus the ImageNet channel means."""
    return imagenet_utils.preprocess_input_caffe(x, data_format=data_format)
