"""Node: one call of a layer on symbolic tensors (Keras 3 ``keras/src/ops/node.py``).

``Node(layer, call_args, call_kwargs, outputs)`` appends itself to ``layer._inbound_nodes`` (its
index there is the *node index*, i.e. which call of the layer it is: ``lstm[1][0]`` is the
first output of the second call of ``lstm``), to the producing layers' ``_outbound_nodes``, and
stamps every output KerasTensor with ``_keras_history = (layer, node_index, tensor_index)``.
"""
from __future__ import annotations

from pyfapi import tree
from pyfapi.graph.keras_tensor import KerasHistory, KerasTensor

__all__ = ["Node"]


class Node:
    """One symbolic call.

    Attributes:
        operation: the layer called.
        call_args / call_kwargs: the call's arguments, KerasTensors in place.
        input_tensors: flat list of the KerasTensors among the arguments (args then kwargs).
        outputs: flat list of output KerasTensors; ``output_structure`` keeps their nesting.
        is_input: True for an InputLayer's node (no input tensors).
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        leaves = tree.flatten((self.call_args, self.call_kwargs))
        self._leaves = leaves
        self._tensor_positions = [i for i, x in enumerate(leaves) if isinstance(x, KerasTensor)]
        self.input_tensors = [leaves[i] for i in self._tensor_positions]
        for x in self.input_tensors:
            if x._keras_history is None:
                raise ValueError(
                    f"Layer '{operation.name}' was called on the KerasTensor {x.name} "
                    f"(shape={x.shape}), which no layer produced. Create symbolic inputs with "
                    "pyfapi.Input(shape=...).")
        self.output_structure = outputs
        self.outputs = tree.flatten(outputs) if outputs is not None else []
        self.is_input = not self.input_tensors

        operation._inbound_nodes.append(self)
        for x in self.input_tensors:
            x._keras_history.operation._outbound_nodes.append(self)
        node_index = len(operation._inbound_nodes) - 1
        for i, t in enumerate(self.outputs):
            t._keras_history = KerasHistory(operation, node_index, i)

        # Fast argument rebuild for the common call shapes (the training hot path).
        if not self.call_kwargs and len(self.call_args) == 1 and isinstance(self.call_args[0], KerasTensor):
            self._arg_kind = 1          # layer(x)
        elif (not self.call_kwargs and len(self.call_args) == 1 and isinstance(self.call_args[0], list)
              and all(isinstance(x, KerasTensor) for x in self.call_args[0])):
            self._arg_kind = 2          # layer([x, y, ...])
        else:
            self._arg_kind = 0          # general structure

    # Keras naming
    @property
    def output_tensors(self):
        """Same as ``outputs`` (Keras naming)."""
        return self.outputs

    @property
    def node_index(self) -> int:
        """Position of this node in its operation's inbound nodes (int)."""
        return self.operation._inbound_nodes.index(self)

    @property
    def parent_nodes(self):
        """The nodes that produced this node's input tensors."""
        out = []
        for x in self.input_tensors:
            op, ni, _ = x._keras_history
            out.append(op._inbound_nodes[ni])
        return out

    def fill_in(self, values):
        """``(args, kwargs)`` of this call with ``values`` (one per input tensor, in order)."""
        kind = self._arg_kind
        if kind == 1:
            return (values[0],), {}
        if kind == 2:
            return (list(values),), {}
        leaves = list(self._leaves)
        for pos, v in zip(self._tensor_positions, values):
            leaves[pos] = v
        args, kwargs = tree.pack_sequence_as((self.call_args, self.call_kwargs), leaves)
        return args, kwargs

    def __repr__(self):
        return f"<Node {self.operation.name}[{self.node_index}] inputs={[x.name for x in self.input_tensors]}>"
