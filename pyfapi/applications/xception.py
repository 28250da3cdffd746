"""Xception (Chollet 2017), layer for layer as Keras's ``keras/src/applications/xception.py``.

Reference: F. Chollet, "Xception: Deep Learning with Depthwise Separable Convolutions", CVPR 2017,
https://arxiv.org/abs/1610.02357. Same layers, layer names (``block1_conv1``, ``block1_conv1_bn``,
..., ``block14_sepconv2_act``, ``avg_pool``, ``predictions``), Keras defaults (BatchNormalization
``momentum=0.99, epsilon=1e-3``) and weight order, hence the same parameter counts: 22,910,480 with
the top, 20,861,480 without (20,806,952 trainable; 132 layers counting the InputLayer, as Keras).
"""
from __future__ import annotations

from pyfapi.applications import imagenet_utils

__all__ = ["Xception", "preprocess_input"]

MIN_SIZE = 71


def Xception(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="xception"):
    """Instantiate the Xception architecture (channels_last images).

    Args:
        include_top: whether to include the classifier (``GlobalAveragePooling2D`` named
            ``avg_pool`` + ``Dense(classes)`` named ``predictions``).
        weights: ``None`` (random initialisation) or the path of a local weights file saved from
            an Xception with the same ``include_top``/``classes`` (loaded with
            ``model.load_weights(path)``). ``"imagenet"`` is refused: pyfapi downloads nothing.
            (Keras's default is ``"imagenet"``; pyfapi's is ``None``.)
        input_tensor: optional KerasTensor (``Input(...)`` or a layer output) to use as the image
            input; its shape must be ``(batch, h, w, channels)`` with ``h, w >= 71``.
        input_shape: ``(height, width, channels)`` with height and width ``>= 71`` or
            ``None``; any channel count (e.g. 1) with ``weights=None``, as Keras. Default:
            ``(None, None, 3)`` without the top (any size ``>= 71`` at call time), ``(299, 299, 3)``
            with it (as Keras). Ignored when ``input_tensor`` is given.
        pooling: without the top: ``None`` -> 4-D output ``(batch, h', w', 2048)``; ``"avg"`` /
            ``"max"`` -> global average / max pooling, output ``(batch, 2048)``.
        classes: number of classes of the top classifier.
        classifier_activation: activation of the ``predictions`` layer (``None`` for logits).
        name: the model's name.

    Returns:
        A functional ``pyfapi.models.Model``. Output spatial size for an ``s x s`` input (no top,
        no pooling): ``s=71 -> 3``, ``150 -> 5``, ``250 -> 8``, ``299 -> 10``.

    Raises:
        ValueError: ``weights="imagenet"`` or a weights path that is not a file; an input shape
            that is not ``(h, w, channels)``, has an unknown channel count, or a size below
            71; a ``None`` size with ``include_top=True``; ``pooling`` not in
            ``(None, "avg", "max")``; ``classes`` not a positive int (with the top).
        TypeError: ``input_tensor`` not a symbolic tensor.
    """
    from pyfapi import layers

    model_name = "Xception"
    weights, classes, img_input, inputs = imagenet_utils.prepare_application_inputs(
        weights=weights, include_top=include_top, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, default_size=299,
        min_size=MIN_SIZE, model_name=model_name)
    channel_axis = -1

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=channel_axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=channel_axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    residual = layers.Conv2D(128, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=channel_axis)(residual)

    x = layers.SeparableConv2D(128, (3, 3), padding="same", use_bias=False,
                               name="block2_sepconv1")(x)
    x = layers.BatchNormalization(axis=channel_axis, name="block2_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block2_sepconv2_act")(x)
    x = layers.SeparableConv2D(128, (3, 3), padding="same", use_bias=False,
                               name="block2_sepconv2")(x)
    x = layers.BatchNormalization(axis=channel_axis, name="block2_sepconv2_bn")(x)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block2_pool")(x)
    x = layers.add([x, residual])

    # Entry flow blocks 3 and 4: relu, 2 separable convs, max pool, strided 1x1 conv residual.
    for block, filters in ((3, 256), (4, 728)):
        residual = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same",
                                 use_bias=False)(x)
        residual = layers.BatchNormalization(axis=channel_axis)(residual)
        prefix = f"block{block}"
        x = layers.Activation("relu", name=f"{prefix}_sepconv1_act")(x)
        x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                                   name=f"{prefix}_sepconv1")(x)
        x = layers.BatchNormalization(axis=channel_axis, name=f"{prefix}_sepconv1_bn")(x)
        x = layers.Activation("relu", name=f"{prefix}_sepconv2_act")(x)
        x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False,
                                   name=f"{prefix}_sepconv2")(x)
        x = layers.BatchNormalization(axis=channel_axis, name=f"{prefix}_sepconv2_bn")(x)
        x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                                name=f"{prefix}_pool")(x)
        x = layers.add([x, residual])

    # Middle flow: 8 identity-residual blocks of 3 separable convs.
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for j in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{j}_act")(x)
            x = layers.SeparableConv2D(728, (3, 3), padding="same", use_bias=False,
                                       name=f"{prefix}_sepconv{j}")(x)
            x = layers.BatchNormalization(axis=channel_axis, name=f"{prefix}_sepconv{j}_bn")(x)
        x = layers.add([x, residual])

    # Exit flow.
    residual = layers.Conv2D(1024, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=channel_axis)(residual)

    x = layers.Activation("relu", name="block13_sepconv1_act")(x)
    x = layers.SeparableConv2D(728, (3, 3), padding="same", use_bias=False,
                               name="block13_sepconv1")(x)
    x = layers.BatchNormalization(axis=channel_axis, name="block13_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block13_sepconv2_act")(x)
    x = layers.SeparableConv2D(1024, (3, 3), padding="same", use_bias=False,
                               name="block13_sepconv2")(x)
    x = layers.BatchNormalization(axis=channel_axis, name="block13_sepconv2_bn")(x)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = layers.add([x, residual])

    x = layers.SeparableConv2D(1536, (3, 3), padding="same", use_bias=False,
                               name="block14_sepconv1")(x)
    x = layers.BatchNormalization(axis=channel_axis, name="block14_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = layers.SeparableConv2D(2048, (3, 3), padding="same", use_bias=False,
                               name="block14_sepconv2")(x)
    x = layers.BatchNormalization(axis=channel_axis, name="block14_sepconv2_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    return imagenet_utils.finish_application_model(
        x, inputs, include_top=include_top, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name, weights=weights,
        min_size=MIN_SIZE, model_name=model_name)


def preprocess_input(x, data_format=None):
    """Xception's input preprocessing: pixels [0, 255] -> [-1, 1] (``x / 127.5 - 1``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format)
