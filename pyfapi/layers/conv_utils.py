"""Argument normalisation and output-size rules shared by convolution and pooling layers.

Output length of one spatial axis (source: keras/src/ops/operation_utils.py and TensorFlow's
padding rules; channels_last only):

* ``valid``:  ``floor((n - (k - 1) * d - 1) / s) + 1`` (0 when the dilated kernel does not fit)
* ``same``:   ``ceil(n / s)``
* ``causal``: as ``same`` (Conv1D only; the input is left-padded by ``(k - 1) * d``)

``None`` (unknown length) stays ``None``.
"""
from __future__ import annotations

import math

__all__ = ["normalize_tuple", "normalize_padding", "normalize_data_format", "conv_output_length",
           "check_rank", "as_shape"]


def normalize_tuple(value, n, arg_name, layer_name, allow_zero=False):
    """An int or an iterable of ``n`` ints -> a tuple of ``n`` positive ints.

    Raises:
        ValueError: wrong length, non-integer or non-positive (zero allowed if ``allow_zero``).
    """
    if isinstance(value, bool):
        value = [value]
    if isinstance(value, int):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = None
        if values is None or len(values) != n:
            raise ValueError(f"Layer '{layer_name}': the `{arg_name}` argument must be an "
                             f"integer or a tuple of {n} integers. Received: {arg_name}={value!r}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) or v < 0 or (v == 0 and not allow_zero):
            req = ">= 0" if allow_zero else "> 0"
            raise ValueError(f"Layer '{layer_name}': the `{arg_name}` argument must be a tuple of "
                             f"{n} integers {req}. Received: {arg_name}={value!r}")
    return tuple(values)


def normalize_padding(value, layer_name, allowed=("valid", "same")):
    """Lower-cased padding string, checked against ``allowed``.

    Raises:
        ValueError: not a string in ``allowed``.
    """
    if not isinstance(value, str) or value.lower() not in allowed:
        raise ValueError(f"Layer '{layer_name}': the `padding` argument must be one of "
                         f"{list(allowed)}. Received: padding={value!r}")
    return value.lower()


def normalize_data_format(value, layer_name):
    """``None`` / ``"channels_last"`` -> ``"channels_last"``.

    Raises:
        ValueError: ``"channels_first"`` (pyfapi kernels are channels_last only) or anything else.
    """
    if value is None or value == "channels_last":
        return "channels_last"
    if value == "channels_first":
        raise ValueError(f"Layer '{layer_name}': data_format='channels_first' is not supported "
                         "by pyfapi (its kernels are channels_last only); use 'channels_last'.")
    raise ValueError(f"Layer '{layer_name}': the `data_format` argument must be "
                     f"'channels_last' or 'channels_first'. Received: data_format={value!r}")


def conv_output_length(length, kernel, padding, stride, dilation=1):
    """Output size of one spatial axis (rules in the module docstring); None stays None."""
    if length is None:
        return None
    if padding in ("same", "causal"):
        return -(-length // stride)
    eff = (kernel - 1) * dilation + 1
    return max(0, (length - eff) // stride + 1)


def as_shape(shape):
    """Any shape-like (tuple/list with ints or None) -> a tuple of int/None."""
    if shape is None:
        raise ValueError("shape is None")
    return tuple(None if d is None else int(d) for d in shape)


def check_rank(layer, input_shape, ndim=None, min_ndim=None):
    """Check the rank of one input shape (batch axis included).

    Raises:
        ValueError: "Input 0 of layer 'name' is incompatible with the layer: expected ndim=3,
            found ndim=2. Full shape received: (None, 4)" (Keras's InputSpec wording).
    """
    shape = as_shape(input_shape)
    if ndim is not None and len(shape) != ndim:
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: "
                         f"expected ndim={ndim}, found ndim={len(shape)}. "
                         f"Full shape received: {shape}")
    if min_ndim is not None and len(shape) < min_ndim:
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: "
                         f"expected min_ndim={min_ndim}, found ndim={len(shape)}. "
                         f"Full shape received: {shape}")
    return shape


def prod_or_none(dims):
    """Product of ``dims``, None when any is None."""
    if any(d is None for d in dims):
        return None
    return math.prod(dims)


def conv_output_shape(layer, input_shape, kernel_size, strides, padding, dilation, channels_out):
    """Full output shape of a channels_last convolution / pooling called by ``layer``.

    ``input_shape`` must have rank ``len(kernel_size) + 2``.

    Raises:
        ValueError: wrong rank; a 'valid' output size that would be zero or negative (message as
            Keras's, naming the layer and the shapes).
    """
    nd = len(kernel_size)
    shape = check_rank(layer, input_shape, ndim=nd + 2)
    out = []
    for n, k, s, d in zip(shape[1:-1], kernel_size, strides, dilation):
        length = conv_output_length(n, k, padding, s, d)
        if n is not None and padding == "valid" and (n - (k - 1) * d - 1) < 0:
            raise ValueError(
                f"Layer '{layer.name}': computed output size would be zero or negative. "
                f"Received `inputs shape={shape}`, `kernel_size={tuple(kernel_size)}`, "
                f"`dilation_rate={tuple(dilation)}`, `strides={tuple(strides)}`, "
                f"`padding={padding}`.")
        out.append(length)
    return (shape[0], *out, channels_out)
