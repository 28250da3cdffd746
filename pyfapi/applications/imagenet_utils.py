"""Shared helpers of the ImageNet applications (Keras ``keras/src/applications/imagenet_utils.py``).

- :func:`obtain_input_shape`: validate / default the ``input_shape`` argument;
- :func:`check_weights_argument`: ``None``, a local weights file, or a clear refusal of ``"imagenet"``;
- :func:`resolve_input`: the model's input tensor from ``input_tensor`` / ``input_shape``;
- :func:`get_source_inputs`: the ``Input`` tensors an ``input_tensor`` was computed from;
- :func:`prepare_application_inputs`: all the argument checks an application runs before its
  layers, and its input tensor;
- :func:`finish_application_model`: the classifier top or global pooling, the ``Model`` and its
  optional local weights;
- :func:`preprocess_input`: Keras's ``mode="tf"`` scaling (pixels 0..255 -> -1..1).

pyfapi never downloads anything: pretrained ImageNet weights are not bundled. A Keras weights file
saved elsewhere can be given as ``weights="/path/to/file.weights.h5"``.
"""
from __future__ import annotations

import numbers
import os
import warnings

import numpy as np

__all__ = ["add_min_size_check", "obtain_input_shape", "check_weights_argument", "resolve_input",
           "get_source_inputs", "preprocess_input", "check_pooling", "check_classes", "prepare_application_inputs",
           "finish_application_model"]



def check_weights_argument(weights, model_name: str):
    """Validate ``weights``: ``None`` (random initialisation) or the path of an existing local file.

    Raises:
        ValueError: ``weights="imagenet"`` (no weights are downloaded or bundled; the message says
            to pass ``weights=path`` to a local weights file); a string/path that is not an
            existing file; any other value.
    """
    if weights is None:
        return None
    if isinstance(weights, str) and weights == "imagenet":
        raise ValueError(
            f"{model_name}(weights='imagenet'): pyfapi does not download or bundle pretrained "
            "weights. Use weights=None for a randomly initialised model, or give the path of a "
            f"local weights file saved from a Keras {model_name} with the same include_top/classes "
            f"(e.g. weights='/path/to/{model_name.lower()}.weights.h5'); it is loaded with "
            "model.load_weights(path).")
    if isinstance(weights, (str, os.PathLike)):
        if not os.path.isfile(os.fspath(weights)):
            raise ValueError(
                f"{model_name}: the `weights` argument should be either None (random "
                "initialization) or the path to an existing local weights file; no file at "
                f"{os.fspath(weights)!r}. ('imagenet' weights are not downloaded by pyfapi.)")
        return os.fspath(weights)
    raise ValueError(
        f"{model_name}: the `weights` argument should be either None (random initialization) or "
        f"the path to a local weights file; received {weights!r}.")


def check_pooling(pooling, include_top: bool, model_name: str):
    """``pooling`` must be None, "avg" or "max" (only used when ``include_top`` is False)."""
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{model_name}: pooling must be None, 'avg' or 'max'; received {pooling!r}")
    return pooling


def check_classes(classes, include_top: bool, model_name: str):
    """``classes`` must be a positive int (used when ``include_top`` is True)."""
    if isinstance(classes, bool) or not isinstance(classes, numbers.Integral) or classes < 1:
        raise ValueError(f"{model_name}: classes must be a positive int; received {classes!r}")
    return int(classes)


def obtain_input_shape(input_shape, *, default_size: int, min_size: int, require_flatten: bool,
                       model_name: str, weights=None) -> tuple:
    """The ``(height, width, channels)`` input shape of an application model (channels_last).

    As Keras's ``obtain_input_shape``: ``None`` gives ``(None, None, 3)`` without the top and
    ``(default_size, default_size, 3)`` with it. Any channel count is accepted (e.g. 1 for
    grayscale) unless ``weights == "imagenet"``, which needs 3; a count other than 1 or 3 warns.

    Raises:
        ValueError: not a sequence of 3 entries; an unknown or non-positive channel count (or
            other than 3 with ``imagenet`` weights); a height or width below ``min_size``; a
            ``None`` height/width when ``require_flatten`` (include_top).
    """
    if input_shape is None:
        shape = (default_size, default_size, 3) if require_flatten else (None, None, 3)
    else:
        try:
            shape = tuple(input_shape)
        except TypeError:
            raise ValueError(f"{model_name}: input_shape must be a tuple of three integers "
                             f"(height, width, 3); received {input_shape!r}") from None
        if len(shape) != 3:
            raise ValueError(f"{model_name}: input_shape must be a tuple of three integers "
                             f"(height, width, 3); received input_shape={input_shape!r}")
        for d in shape:
            if d is not None and (isinstance(d, bool) or not isinstance(d, numbers.Integral)):
                raise ValueError(f"{model_name}: input_shape entries must be ints or None; "
                                 f"received input_shape={input_shape!r}")
        shape = tuple(None if d is None else int(d) for d in shape)
    check_image_shape(shape, min_size=min_size, model_name=model_name, weights=weights)
    if require_flatten and None in shape:
        raise ValueError(f"{model_name}: if include_top is True, you should specify a static "
                         f"input_shape; received input_shape={shape}")
    return shape


def check_image_shape(shape, *, min_size: int, model_name: str, weights=None) -> None:
    """Check an ``(height, width, channels)`` shape: a known positive channel count (3 with
    ``weights="imagenet"``, as Keras; other than 1 or 3 warns), sizes ``>= min_size`` or None."""
    if len(shape) != 3:
        raise ValueError(f"{model_name}: expects images of shape (height, width, channels); "
                         f"received shape {tuple(shape)}")
    channels = shape[-1]
    if channels is None or channels < 1:
        raise ValueError(f"{model_name}: the input's channel count (last axis, channels_last) "
                         f"must be a positive int; received shape {tuple(shape)}")
    if weights == "imagenet" and channels != 3:
        raise ValueError(f"{model_name}: the input must have 3 channels with imagenet weights; "
                         f"received shape {tuple(shape)} with {channels} channels")
    if channels not in (1, 3):
        warnings.warn(f"{model_name}: this model usually expects 1 or 3 input channels; it was "
                      f"given an input shape {tuple(shape)} with {channels} channels.",
                      UserWarning, stacklevel=4)
    h, w = shape[0], shape[1]
    if (h is not None and h < min_size) or (w is not None and w < min_size):
        raise ValueError(f"{model_name}: input size must be at least {min_size}x{min_size}; "
                         f"received shape {tuple(shape)}")


def get_source_inputs(tensor) -> list:
    """The ``Input`` KerasTensors that ``tensor`` was computed from, in discovery order
    (Keras ``operation_utils.get_source_inputs``)."""
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return [tensor]
    op, node_index, _ = history
    node = op._inbound_nodes[node_index]
    if node.is_input:
        return list(node.outputs)
    out = []
    for x in node.input_tensors:
        for s in get_source_inputs(x):
            if not any(s is o for o in out):
                out.append(s)
    return out


def resolve_input(input_tensor, input_shape, *, min_size: int, model_name: str, weights=None):
    """``(img_input, model_inputs)``: a new ``Input(shape=input_shape)`` or the given KerasTensor.

    Raises:
        TypeError: ``input_tensor`` is not a symbolic KerasTensor (an ``Input(...)`` or a layer
            output); pyfapi does not wrap eager arrays as inputs.
        ValueError: ``input_tensor``'s shape is not ``(batch, height, width, channels)`` with sizes
            at least ``min_size`` (see :func:`check_image_shape`).
    """
    from pyfapi.graph.keras_tensor import KerasTensor
    from pyfapi.layers import Input

    if input_tensor is None:
        img_input = Input(shape=input_shape)
        return img_input, img_input
    if not isinstance(input_tensor, KerasTensor):
        raise TypeError(f"{model_name}: input_tensor must be a symbolic tensor (the output of "
                        "pyfapi.Input(...) or of a layer); received "
                        f"{type(input_tensor).__name__}")
    if len(input_tensor.shape) != 4:
        raise ValueError(f"{model_name}: input_tensor must have shape (batch, height, width, "
                         f"channels); received {input_tensor.shape}")
    check_image_shape(input_tensor.shape[1:], min_size=min_size, model_name=model_name,
                      weights=weights)
    sources = get_source_inputs(input_tensor)
    return input_tensor, sources[0] if len(sources) == 1 else sources


def prepare_application_inputs(*, weights, include_top, input_tensor, input_shape, pooling,
                               classes, default_size: int, min_size: int, model_name: str):
    """Check an application's arguments and make its input: ``(weights, classes, img_input,
    model_inputs)``, as Keras's applications do before building their layers.

    Runs :func:`check_weights_argument`, :func:`check_pooling`, :func:`check_classes` (with the
    top only), :func:`obtain_input_shape` (without ``input_tensor`` only) and
    :func:`resolve_input`, in that order.

    Raises:
        ValueError / TypeError: as those functions.
    """
    weights = check_weights_argument(weights, model_name)
    check_pooling(pooling, include_top, model_name)
    if include_top:
        classes = check_classes(classes, include_top, model_name)
    if input_tensor is None:
        input_shape = obtain_input_shape(
            input_shape, default_size=default_size, min_size=min_size,
            require_flatten=include_top, model_name=model_name, weights=weights)
    img_input, inputs = resolve_input(input_tensor, input_shape, min_size=min_size,
                                      model_name=model_name, weights=weights)
    return weights, classes, img_input, inputs


def add_min_size_check(model, *, min_size: int, model_name: str) -> None:
    """Make ``model`` (a single-image-input application) refuse images below ``min_size`` at
    call time (``model(x)``, ``predict``, ``fit``, ``evaluate``...) when its input's height or width
    is ``None``, with a ``ValueError`` naming the model, the minimum and the received shape.

    Without it a ``None``-sized application accepts e.g. ``10x10`` images and returns a
    meaningless ``1x1`` map, or fails deep inside a convolution (``5x5``). The check replaces the
    functional model's (empty) ``_check_input`` hook on this instance only: two shape lookups per
    call, nothing per layer. It is not part of the model's config (a reloaded model does not have
    it, as in Keras, which has no such check).
    """
    shape = tuple(model.inputs[0].shape) if len(model.inputs) == 1 else ()
    if len(shape) != 4 or (shape[1] is not None and shape[2] is not None):
        return  # fixed sizes are already checked against the Input's shape
    base_check = model._check_input

    def _check_input(first):
        x = first
        if isinstance(x, dict) and len(x) == 1:
            x = next(iter(x.values()))
        elif isinstance(x, (list, tuple)) and len(x) == 1:
            x = x[0]
        xs = getattr(x, "shape", None)
        if xs is not None and len(xs) == 4:
            h, w = xs[1], xs[2]
            if (h is not None and h < min_size) or (w is not None and w < min_size):
                raise ValueError(
                    f"{model_name} (model '{model.name}'): input images must be at least "
                    f"{min_size}x{min_size} (height x width); received input of shape "
                    f"{tuple(xs)}")
        base_check(first)

    object.__setattr__(model, "_check_input", _check_input)


def finish_application_model(x, inputs, *, include_top, pooling, classes, classifier_activation,
                             name, weights, min_size=None, model_name=None, named_pooling=False):
    """The functional ``Model(inputs, y, name=name)`` of an application whose last feature map
    is ``x`` (``(batch, h, w, c)``), as Keras: with the top, ``y`` =
    ``GlobalAveragePooling2D(name="avg_pool")`` then ``Dense(classes, classifier_activation,
    name="predictions")``; without it, ``pooling`` ``"avg"`` / ``"max"`` -> global average / max
    pooling (``(batch, c)``), ``None`` -> ``x``. ``weights`` (a checked local path or ``None``)
    are then loaded with ``model.load_weights``. With ``min_size``, a model whose input height or
    width is ``None`` refuses smaller images at call time (:func:`add_min_size_check`).

    Raises:
        as ``model.load_weights`` (e.g. a weights file that does not match the model).
    """
    from pyfapi import layers
    from pyfapi.models import Model

    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":  # ResNet names them (named_pooling), Xception / Inception do not
        x = layers.GlobalAveragePooling2D(name="avg_pool" if named_pooling else None)(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool" if named_pooling else None)(x)

    model = Model(inputs, x, name=name)
    if min_size is not None:
        add_min_size_check(model, min_size=min_size, model_name=model_name or name)
    if weights is not None:
        model.load_weights(weights)
    return model


def preprocess_input(x, data_format=None):
    """Scale pixels from [0, 255] to [-1, 1] (Keras ``mode="tf"``, used by Xception and
    InceptionV3): ``x / 127.5 - 1``.

    Args:
        x: array-like of any shape, channels last; integer arrays are converted to float32.
    Returns:
        float32 (or the input float dtype) numpy array of the same shape.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    return x / np.asarray(127.5, x.dtype) - np.asarray(1.0, x.dtype)


_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def preprocess_input_caffe(x, data_format=None):
    """Keras's ``mode="caffe"`` (VGG, ResNet): RGB -> BGR, then minus the ImageNet means of the
    B, G, R channels (103.939, 116.779, 123.68), no scaling.

    Args:
        x: array-like ``(..., 3)`` channels last; integer arrays are converted to float32.
    Returns:
        float32 (or the input float dtype) numpy array of the same shape.
    Raises:
        ValueError: the last axis is not 3 channels, or channels_first.
    """
    if data_format not in (None, "channels_last"):
        raise ValueError(f"preprocess_input: pyfapi is channels_last only; received "
                         f"data_format={data_format!r}")
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)
    if x.ndim == 0 or x.shape[-1] != 3:
        raise ValueError(f"preprocess_input (caffe): expected RGB images with 3 channels last, "
                         f"received shape {x.shape}")
    return x[..., ::-1] - np.asarray(_CAFFE_MEAN_BGR, x.dtype)
