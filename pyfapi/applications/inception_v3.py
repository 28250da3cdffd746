"""Inception V3 (Szegedy et al. 2016), layer for layer as Keras's
``keras/src/applications/inception_v3.py``.

Reference: C. Szegedy, V. Vanhoucke, S. Ioffe, J. Shlens, Z. Wojna, "Rethinking the Inception
Architecture for Computer Vision", CVPR 2016, https://arxiv.org/abs/1512.00567. Same layers, order,
names (``mixed0`` ... ``mixed10``, ``mixed9_0``, ``mixed9_1``, ``avg_pool``, ``predictions``; the
other layers auto-named ``conv2d``, ``batch_normalization``, ``activation``...), and Keras's
``conv2d_bn`` (Conv2D without bias + ``BatchNormalization(scale=False)`` + relu), hence the same
parameter counts: 23,851,784 with the top, 21,802,784 without.
"""
from __future__ import annotations

from pyfapi.applications import imagenet_utils

__all__ = ["InceptionV3", "conv2d_bn", "preprocess_input"]

MIN_SIZE = 75


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    """``Conv2D(filters, (num_row, num_col), use_bias=False)`` + ``BatchNormalization(scale=False)``
    + relu, as Keras's helper (names ``{name}_conv``, ``{name}_bn``, ``{name}`` when given)."""
    from pyfapi import layers

    conv_name = f"{name}_conv" if name is not None else None
    bn_name = f"{name}_bn" if name is not None else None
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=conv_name)(x)
    x = layers.BatchNormalization(axis=3, scale=False, name=bn_name)(x)
    return layers.Activation("relu", name=name)(x)


def InceptionV3(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="inception_v3"):
    """Instantiate the Inception v3 architecture (channels_last images).

    Args:
        include_top: whether to include the classifier (``GlobalAveragePooling2D`` named
            ``avg_pool`` + ``Dense(classes)`` named ``predictions``).
        weights: ``None`` (random initialisation) or the path of a local weights file saved from
            an InceptionV3 with the same ``include_top``/``classes`` (loaded with
            ``model.load_weights(path)``). ``"imagenet"`` is refused: pyfapi downloads nothing.
            (Keras's default is ``"imagenet"``; pyfapi's is ``None``.)
        input_tensor: optional KerasTensor to use as the image input, shape
            ``(batch, h, w, channels)`` with ``h, w >= 75``.
        input_shape: ``(height, width, channels)`` with height and width ``>= 75`` or
            ``None``; any channel count (e.g. 1) with ``weights=None``, as Keras. Default:
            ``(None, None, 3)`` without the top, ``(299, 299, 3)`` with it (as Keras).
        pooling: without the top: ``None`` -> 4-D output ``(batch, h', w', 2048)``; ``"avg"`` /
            ``"max"`` -> output ``(batch, 2048)``.
        classes: number of classes of the top classifier.
        classifier_activation: activation of the ``predictions`` layer (``None`` for logits).
        name: the model's name.

    Returns:
        A functional ``pyfapi.models.Model``. Output spatial size for an ``s x s`` input (no top,
        no pooling): ``75 -> 1``, ``150 -> 3``, ``250 -> 6``, ``299 -> 8``.

    Raises:
        ValueError: ``weights="imagenet"`` or a weights path that is not a file; an input shape
            that is not ``(h, w, channels)``, has an unknown channel count, or a size below
            75; a ``None`` size with ``include_top=True``; ``pooling`` not in
            ``(None, "avg", "max")``; ``classes`` not a positive int (with the top).
        TypeError: ``input_tensor`` not a symbolic tensor.
    """
    from pyfapi import layers

    model_name = "InceptionV3"
    weights, classes, img_input, inputs = imagenet_utils.prepare_application_inputs(
        weights=weights, include_top=include_top, input_tensor=input_tensor,
        input_shape=input_shape, pooling=pooling, classes=classes, default_size=299,
        min_size=MIN_SIZE, model_name=model_name)
    channel_axis = 3

    def avg_pool_3x3_same(t):
        return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(t)

    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)

    # mixed 0, 1, 2: 35 x 35 x 256 / 288 / 288
    for i, pool_filters in enumerate((32, 64, 64)):
        branch1x1 = conv2d_bn(x, 64, 1, 1)
        branch5x5 = conv2d_bn(x, 48, 1, 1)
        branch5x5 = conv2d_bn(branch5x5, 64, 5, 5)
        branch3x3dbl = conv2d_bn(x, 64, 1, 1)
        branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
        branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
        branch_pool = avg_pool_3x3_same(x)
        branch_pool = conv2d_bn(branch_pool, pool_filters, 1, 1)
        x = layers.concatenate([branch1x1, branch5x5, branch3x3dbl, branch_pool],
                               axis=channel_axis, name=f"mixed{i}")

    # mixed 3: 17 x 17 x 768
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(x, 64, 1, 1)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=channel_axis,
                           name="mixed3")

    # mixed 4, 5, 6, 7: 17 x 17 x 768 (factorised 7x7 convolutions)
    for i, width in enumerate((128, 160, 160, 192)):
        branch1x1 = conv2d_bn(x, 192, 1, 1)
        branch7x7 = conv2d_bn(x, width, 1, 1)
        branch7x7 = conv2d_bn(branch7x7, width, 1, 7)
        branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
        branch7x7dbl = conv2d_bn(x, width, 1, 1)
        branch7x7dbl = conv2d_bn(branch7x7dbl, width, 7, 1)
        branch7x7dbl = conv2d_bn(branch7x7dbl, width, 1, 7)
        branch7x7dbl = conv2d_bn(branch7x7dbl, width, 7, 1)
        branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
        branch_pool = avg_pool_3x3_same(x)
        branch_pool = conv2d_bn(branch_pool, 192, 1, 1)
        x = layers.concatenate([branch1x1, branch7x7, branch7x7dbl, branch_pool],
                               axis=channel_axis, name=f"mixed{4 + i}")

    # mixed 8: 8 x 8 x 1280
    branch3x3 = conv2d_bn(x, 192, 1, 1)
    branch3x3 = conv2d_bn(branch3x3, 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=channel_axis,
                           name="mixed8")

    # mixed 9, 10: 8 x 8 x 2048
    for i in range(2):
        branch1x1 = conv2d_bn(x, 320, 1, 1)
        branch3x3 = conv2d_bn(x, 384, 1, 1)
        branch3x3_1 = conv2d_bn(branch3x3, 384, 1, 3)
        branch3x3_2 = conv2d_bn(branch3x3, 384, 3, 1)
        branch3x3 = layers.concatenate([branch3x3_1, branch3x3_2], axis=channel_axis,
                                       name=f"mixed9_{i}")
        branch3x3dbl = conv2d_bn(x, 448, 1, 1)
        branch3x3dbl = conv2d_bn(branch3x3dbl, 384, 3, 3)
        branch3x3dbl_1 = conv2d_bn(branch3x3dbl, 384, 1, 3)
        branch3x3dbl_2 = conv2d_bn(branch3x3dbl, 384, 3, 1)
        branch3x3dbl = layers.concatenate([branch3x3dbl_1, branch3x3dbl_2], axis=channel_axis)
        branch_pool = avg_pool_3x3_same(x)
        branch_pool = conv2d_bn(branch_pool, 192, 1, 1)
        x = layers.concatenate([branch1x1, branch3x3, branch3x3dbl, branch_pool],
                               axis=channel_axis, name=f"mixed{9 + i}")

    return imagenet_utils.finish_application_model(
        x, inputs, include_top=include_top, pooling=pooling, classes=classes,
        classifier_activation=classifier_activation, name=name, weights=weights,
        min_size=MIN_SIZE, model_name=model_name)


def preprocess_input(x, data_format=None):
    """InceptionV3's input preprocessing: pixels [0, 255] -> [-1, 1] (``x / 127.5 - 1``)."""
    return imagenet_utils.preprocess_input(x, data_format=data_format)
