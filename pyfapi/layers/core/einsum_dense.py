"""EinsumDense (Keras 3: keras/src/layers/core/einsum_dense.py).

``output = activation(einsum(equation, inputs, kernel) + bias)`` with the kernel's shape read
from the equation: ``"ab,bc->ac"`` is a Dense layer, ``"abc,cde->abde"`` a multi-head
projection (the query / key / value projections of MultiHeadAttention). Equations have the
Keras forms ``X,Y->Z``, ``...X,Y->...Z`` or ``X...,Y->Z...``.
"""
from __future__ import annotations

import math
import re


from pyfapi import activations, constraints, initializers, ops, regularizers
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv_utils import as_shape
from pyfapi.layers.layer_utils import (reject_unsupported, serialize_activation,
                                       serialize_initializer, serialize_object)

__all__ = ["EinsumDense", "analyze_einsum_string"]


def analyze_einsum_string(equation, bias_axes, input_shape, output_shape, layer="EinsumDense"):
    """``(kernel_shape, bias_shape or None, full output_shape, input_axes, output_axes)`` for
    an EinsumDense equation and (partial) output shape, as Keras 3.

    Raises:
        ValueError: an equation not of the Keras forms, a letter of the output / kernel found
            nowhere, a shared dimension whose input and output sizes differ, a bias letter
            outside the output (each message names the equation and the shapes).
    """
    dot = re.sub(r"\.\.\.", "0", equation.replace(" ", ""))
    left = False
    m = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", dot)
    if m is None:
        m = re.fullmatch(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", dot)
        left = m is not None
    if m is None:
        m = re.fullmatch(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", dot)
    if m is None:
        raise ValueError(f"{layer}: invalid einsum equation '{equation}'. Equations must be in "
                         "the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")
    in_spec, w_spec, out_spec = m.groups()
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0 or (elided > 0 and "0" not in dot):
        raise ValueError(f"{layer}: equation '{equation}' expects inputs of rank "
                         f"{len(in_spec)}, received input shape {input_shape}")
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    if elided > 0 and left:
        for i in range(1, elided):  # (Keras inserts each at 1, reversing 2+ elided axes)
            out.insert(i, input_shape[i])
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided:])
    if left:
        in_map = {d: i + elided - len(input_shape) for i, d in enumerate(in_spec)}
        out_map = {d: i + elided for i, d in enumerate(out_spec)}
    else:
        in_map = {d: i for i, d in enumerate(in_spec)}
        out_map = {d: i for i, d in enumerate(out_spec)}
    if len(out) != len(out_spec) + (elided if elided > 0 else 0):
        raise ValueError(f"{layer}: output_shape {tuple(output_shape) if not isinstance(output_shape, int) else output_shape} "  # noqa: E501
                         f"does not fit the output '{out_spec}' "
                         f"of equation '{equation}' "
                         f"(input shape {input_shape})")
    for d in in_spec:
        if d in out_map:
            o, i = out[out_map[d]], input_shape[in_map[d]]
            if o is not None and i is not None and o != i:
                raise ValueError(f"{layer}: input shape and output shape do not match at shared "
                                 f"dimension '{d}' of '{equation}'. Input shape is {i}, and "
                                 f"output shape is {o} (input shape {input_shape}).")
            if o is None:  # known from the input (Keras leaves it None)
                out[out_map[d]] = i
    for d in out_spec:
        if d not in in_spec and d not in w_spec:
            raise ValueError(f"{layer}: dimension '{d}' was specified in the output '{out_spec}' "
                             f"but has no corresponding dim in the input spec '{in_spec}' or "
                             f"weight spec '{w_spec}'")
    kernel, in_axes, out_axes = [], [], []
    for i, d in enumerate(w_spec):
        if d in out_map:
            kernel.append(out[out_map[d]])
            out_axes.append(i)
        elif d in in_map:
            kernel.append(input_shape[in_map[d]])
            in_axes.append(i)
        else:
            raise ValueError(f"{layer}: weight dimension '{d}' of '{equation}' did not have a "
                             f"match in either the input spec '{in_spec}' or the output spec "
                             f"'{out_spec}'")
    bias = None
    if bias_axes is not None:
        nle = elided if left else 0
        idx = {c: out[i + nle] for i, c in enumerate(out_spec)}
        for c in bias_axes:
            if c not in out_spec:
                raise ValueError(f"{layer}: bias dimension '{c}' was requested, but is not part "
                                 f"of the output spec '{out_spec}'")
        first = min(out_spec.find(c) for c in bias_axes)
        bias = [idx[c] if c in bias_axes else 1 for c in out_spec[first:]]
        if not left:
            bias.extend([1] * max(elided, 0))
    return kernel, bias, out, in_axes, out_axes


class EinsumDense(Layer):
    """A dense layer of arbitrary dimensionality defined by an einsum equation.

    Weights (Keras order): ``kernel`` (shape from the equation), ``bias`` (if ``bias_axes``; the
    shape of the output from the first bias letter on, 1 on letters not in ``bias_axes``).

    Args:
        equation: e.g. ``"ab,bc->ac"``, ``"abc,cde->abde"``, ``"...b,bc->...c"``.
        output_shape: int or tuple: the expected output shape without the batch (and without
            elided) dimensions; None for unknown entries.
        activation, bias_axes (letters of the output that carry a bias), kernel/bias
        initializers, regularizers, constraints as Keras. lora / quantization: unsupported.

    Raises:
        ValueError: an invalid equation or a shape that does not fit it (at build), naming the
            layer, the equation and the shapes.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        reject_unsupported("EinsumDense", lora_rank=(lora_rank, None),
                           quantization_config=(quantization_config, None))
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise ValueError(f"EinsumDense: `equation` must be a string, received {equation!r}")
        self.equation = equation
        self.partial_output_shape = ((output_shape,) if isinstance(output_shape, int)
                                     else tuple(output_shape))
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_alpha = lora_alpha
        self.gptq_unpacked_column_size = gptq_unpacked_column_size
        self.kernel = None
        self.bias = None
        self._plan = None

    def build(self, input_shape):
        """Creates ``kernel`` and (if bias_axes) ``bias`` from the equation and input shape."""
        shape = as_shape(input_shape)
        kshape, bshape, _, in_axes, out_axes = analyze_einsum_string(
            self.equation, self.bias_axes, shape, self.partial_output_shape,
            layer=f"Layer '{self.name}' (EinsumDense)")
        if any(d is None for d in kshape):
            raise ValueError(f"Layer '{self.name}': the kernel shape {tuple(kshape)} of equation "
                             f"'{self.equation}' has undefined dimensions (input shape {shape}, "
                             f"output_shape {self.partial_output_shape})")
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and (
                init.input_axes is None or init.output_axes is None):
            cfg = init.get_config()
            cfg["input_axes"], cfg["output_axes"] = in_axes, out_axes
            init = type(init).from_config(cfg)  # fans from the kernel's input / output axes
        self.kernel = self.add_weight(name="kernel", shape=tuple(kshape), initializer=init,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if bshape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bshape),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=len(shape))
        self._plan = self._matmul_plan(len(shape))
        self.built = True

    def _matmul_plan(self, rank):
        """(n_free, n_bound) when the equation is ``free+bound, bound+out -> free+out`` (one
        GEMM over flattened axes), else None."""
        eq = self.equation.replace(" ", "")
        m = re.fullmatch(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", eq)
        if m is None or len(m.group(1)) != rank:
            return None
        x, w, y = m.groups()
        bound = [c for c in x if c in w and c not in y]
        free = [c for c in x if c in y and c not in w]
        outs = [c for c in w if c in y and c not in x]
        if (x != "".join(free + bound) or w != "".join(bound + outs)
                or y != "".join(free + outs) or not bound):
            return None
        return len(free), len(bound)

    def call(self, inputs, training=None):
        """``activation(einsum(equation, inputs, kernel) + bias)``."""
        x = inputs
        if self._plan is not None:
            nf, nb = self._plan
            shape = tuple(x.shape)
            kshape = tuple(self.kernel.shape)
            k_in = math.prod(kshape[:nb])
            k_out = kshape[nb:]
            x2 = ops.reshape(x, (math.prod(shape[:nf]), k_in))
            y = ops.matmul(x2, ops.reshape(self.kernel, (k_in, math.prod(k_out))))
            y = ops.reshape(y, shape[:nf] + k_out)
        else:
            y = ops.einsum(self.equation, x, self.kernel)
        if self.bias is not None:
            y = ops.add(y, self.bias)
        if self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def compute_output_shape(self, input_shape):
        """The full output shape (batch, elided and partial output dimensions)."""
        shape = as_shape(input_shape)
        return tuple(analyze_einsum_string(self.equation, self.bias_axes, shape,
                                           self.partial_output_shape,
                                           layer=f"Layer '{self.name}' (EinsumDense)")[2])

    def get_config(self):
        """Layer config plus equation, output_shape, activation, bias_axes, initializers,
        regularizers and constraints (Keras 3 keys)."""
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape, "equation": self.equation,
            "activation": serialize_activation(self.activation), "bias_axes": self.bias_axes,
            "kernel_initializer": serialize_initializer(self.kernel_initializer),
            "bias_initializer": serialize_initializer(self.bias_initializer),
            "kernel_regularizer": serialize_object(self.kernel_regularizer),
            "bias_regularizer": serialize_object(self.bias_regularizer),
            "kernel_constraint": serialize_object(self.kernel_constraint),
            "bias_constraint": serialize_object(self.bias_constraint),
            "activity_regularizer": serialize_object(self.activity_regularizer),
            "quantization_config": None,
        })
        if self.lora_alpha is not None:
            config["lora_alpha"] = self.lora_alpha
        return config
