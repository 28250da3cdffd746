"""The fused inference plan of a functional model: BatchNormalization folded into the layer before
it, bias and relu in the GEMM / convolution epilogue.

When a functional model runs for inference (``predict``, ``model(x, training=False)`` or with no
training flag, and no GradientTape recording), :class:`FusedPlan` replaces these chains of its
execution plan by ONE kernel call each:

    P -> BatchNormalization [-> relu]        P -> relu
    (P: Dense, Conv1D, Conv2D or SeparableConv2D with a linear activation, channels_last)

Folding (S. Ioffe and C. Szegedy 2015, inference form of batch normalization): with
``s = gamma / sqrt(moving_variance + epsilon)``, ``BN(x @ W + b) = x @ (W * s) + ((b - mean) * s +
beta)``: P's kernel is scaled along its output channels (the pointwise kernel of a separable
convolution), and the folded bias and the relu are applied in the GEMM epilogue while the output
tile is in registers, so the batch normalization and the relu cost no pass over memory at all.

A chain is fused only when each intermediate value has exactly one consumer and is not a model
output, the BatchNormalization normalizes the last axis, P has a linear activation and no layer of
the chain has an activity regularizer; everything else runs unfused, as do all training calls.

Folded weights are cached per chain and keyed by the ``_version`` counters of every variable they
come from (kernel, bias, gamma, beta, moving mean / variance): ``set_weights``, ``assign``, an
optimizer step or a training-mode BatchNormalization update bumps a counter and the next inference
call refolds that chain (and only it). Numerics: folding reassociates the products, so folded
results equal unfused ones to float32 rounding (relative ~1e-6 on normal data); under a bfloat16
compute dtype the FOLDED kernel is what is rounded to bfloat16.
"""
from __future__ import annotations

import numpy as np

from pyfapi._config import _enter_precision, _exit_precision
from pyfapi.autodiff.registry import _ACTIVE_TAPES
from pyfapi.autodiff.tensor import Tensor, _wrap
from pyfapi.graph.topology import ExecutionPlan
from pyfapi.kernels import conv as _conv
from pyfapi.kernels.gemm import gemm as _gemm

__all__ = ["FusedPlan", "fusion_allowed"]


def fusion_allowed() -> bool:
    """False while a GradientTape records (folded weights are constants: no gradient would reach
    the variables through them)."""
    return not _ACTIVE_TAPES


def _is_relu_layer(layer) -> bool:
    from pyfapi import activations
    from pyfapi.layers.activations.activation import Activation

    if type(layer) is Activation:
        return layer.activation is activations.relu
    if type(layer).__name__ == "ReLU" and type(layer).__module__.startswith("pyfapi."):
        return (getattr(layer, "max_value", None) is None
                and not getattr(layer, "negative_slope", 0) and not getattr(layer, "threshold", 0))
    return False


def _producer_kind(layer):
    """'dense' / 'conv' / 'separable' for a fusable producer, else None."""
    from pyfapi import activations
    from pyfapi.layers.convolutional.conv1d import Conv1D
    from pyfapi.layers.convolutional.conv2d import Conv2D
    from pyfapi.layers.convolutional.separable_conv2d import SeparableConv2D
    from pyfapi.layers.core.dense import Dense

    if getattr(layer, "activation", None) is not activations.linear:
        return None
    if layer.activity_regularizer is not None or not layer.built:
        return None
    if type(layer) is Dense:
        return "dense"
    if type(layer) is SeparableConv2D:
        ok = getattr(layer, "data_format", "channels_last") == "channels_last"
        return "separable" if ok else None
    if type(layer) in (Conv1D, Conv2D):
        ok = layer.data_format == "channels_last" and getattr(layer, "groups", 1) == 1
        return "conv" if ok else None
    return None


def _is_foldable_bn(layer) -> bool:
    from pyfapi.layers.normalization.batch_normalization import BatchNormalization

    return (type(layer) is BatchNormalization and layer.built and layer.axis == -1
            and layer.activity_regularizer is None)


class _FusedStep:
    """One fused chain: producer (+ BatchNormalization) (+ relu), run as one kernel call."""

    def __init__(self, kind, producer, bn, relu):
        self.kind, self.producer, self.bn, self.relu = kind, producer, bn, relu
        self.name = "+".join(l.name for l in (producer, bn, relu) if l is not None)
        self._key = None
        self._kernel = self._bias = None

    def _sources(self):
        p = self.producer
        k = p.pointwise_kernel if self.kind == "separable" else p.kernel
        vs = [k, p.bias]
        if self.bn is not None:
            b = self.bn
            vs += [b.gamma, b.beta, b.moving_mean, b.moving_variance]
        return vs

    def _folded(self):
        """(kernel, bias) of the chain, refolded when any source variable changed."""
        sources = self._sources()
        key = tuple(None if v is None else (id(v), v._version) for v in sources)
        if key != self._key:
            k, b = sources[0].value, sources[1]
            b = None if b is None else b.value
            if self.bn is not None:
                bn = self.bn
                var = bn.moving_variance.value.astype(np.float64)
                s = 1.0 / np.sqrt(var + bn.epsilon)
                if bn.gamma is not None:
                    s = s * bn.gamma.value
                shift = -bn.moving_mean.value.astype(np.float64) * s
                if b is not None:
                    shift = shift + b * s
                if bn.beta is not None:
                    shift = shift + bn.beta.value
                k = (k.astype(np.float64) * s).astype(np.float32)  # scales the output channels
                b = shift.astype(np.float32)
            self._kernel = np.ascontiguousarray(k, np.float32)
            self._bias = None if b is None else np.ascontiguousarray(b, np.float32)
            self._key = key
        return self._kernel, self._bias

    def __call__(self, x):
        p = self.producer
        x = x.value if isinstance(x, Tensor) else np.asarray(x)
        if x.dtype != np.float32:
            x = x.astype(np.float32)
        kernel, bias = self._folded()
        act = "relu" if self.relu is not None else None
        old = _enter_precision(p._precision_code)
        try:
            if self.kind == "dense":
                lead = x.shape[:-1]
                x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
                y = _gemm(x2, kernel, bias=bias, activation=act)
                if x.ndim != 2:
                    y = y.reshape(lead + (kernel.shape[1],))
            elif self.kind == "conv":
                y = _conv.conv_forward(x, kernel, p.strides, p.padding, p.dilation_rate,
                                       bias=bias, activation=act, op=p.name)
            else:
                d = _conv.depthwise_conv_forward(x, p.depthwise_kernel.value, p.strides,
                                                 p.padding, p.dilation_rate, op=p.name)
                y = _conv.conv_forward(d, kernel, 1, "valid", 1, bias=bias, activation=act,
                                       op=p.name)
        finally:
            _exit_precision(old)
        return _wrap(y)


class FusedPlan:
    """The inference plan of a functional model (see the module docstring).

    Args:
        plan: the model's :class:`~pyfapi.graph.topology.ExecutionPlan`.

    Attributes:
        plan: the fused ExecutionPlan (steps whose ``layer`` is a :class:`_FusedStep` are fused).
        fused: names of the fused chains (``"conv+bn+relu"``), for inspection and tests.
    """

    def __init__(self, plan: ExecutionPlan):
        steps = plan.steps
        uses = {}
        for _, _, ins, _, _ in steps:
            for s in ins:
                uses[s] = uses.get(s, 0) + 1
        outputs = set(plan.output_slots)
        producer_of = {}
        for i, (layer, node, ins, outs, _) in enumerate(steps):
            for s in outs:
                producer_of[s] = i

        def sole_consumer(slot):
            """Index of the one step reading ``slot`` if it is single-use and no model output."""
            if slot in outputs or uses.get(slot, 0) != 1:
                return None
            for j, (_, _, ins, _, _) in enumerate(steps):
                if slot in ins:
                    return j
            return None

        def single_input(j, slot):
            layer, node, ins, outs, _ = steps[j]
            return node._arg_kind == 1 and ins == (slot,) and len(outs) == 1

        removed = set()
        replace = {}
        for i, (layer, node, ins, outs, _) in enumerate(steps):
            if i in removed or node._arg_kind != 1 or len(outs) != 1:
                continue
            kind = _producer_kind(layer)
            if kind is None:
                continue
            chain_bn = chain_relu = None
            last = outs[0]
            j = sole_consumer(last)
            if j is not None and single_input(j, last) and _is_foldable_bn(steps[j][0]):
                chain_bn = steps[j][0]
                removed.add(j)
                last = steps[j][3][0]
                j = sole_consumer(last)
            if j is not None and single_input(j, last) and _is_relu_layer(steps[j][0]):
                chain_relu = steps[j][0]
                removed.add(j)
                last = steps[j][3][0]
            if chain_bn is None and chain_relu is None:
                continue
            replace[i] = (_FusedStep(kind, layer, chain_bn, chain_relu), node, ins, (last,))
        raw = []
        for i, (layer, node, ins, outs, _) in enumerate(steps):
            if i in removed:
                continue
            raw.append(replace.get(i, (layer, node, ins, outs)))
        self.fused = [r[0].name for r in replace.values()]
        self.plan = ExecutionPlan.from_steps(plan.n_inputs, plan.n_slots, plan.output_slots, raw)

    def run(self, inputs, call):
        """Runs the plan: fused steps call their kernel, the others ``call(layer, node, args,
        kwargs)``."""
        def step(layer, node, args, kwargs):
            if type(layer) is _FusedStep:
                return layer(args[0])
            return call(layer, node, args, kwargs)
        return self.plan.run(inputs, step)
