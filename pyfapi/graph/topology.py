"""Graph mapping of a functional model: topological order, validity errors, execution plan.

:func:`map_graph` follows Keras 3's ``keras/src/ops/function.py::map_graph``: a depth-first walk
from the outputs back to the inputs orders the nodes; a node's depth is 1 + the largest depth of
the nodes consuming its outputs (outputs have depth 0); layers are listed by decreasing depth,
ties broken by first-visit order. This is the order of ``model.layers`` and of the summary rows.

:class:`ExecutionPlan` turns that order, once, into a flat list of steps
``(layer, node, input_slots, output_slots, free_slots)`` over a list of value slots; running a
model is a single loop over it (the training hot path), with intermediate values released after
their last use.
"""
from __future__ import annotations

import collections

from pyfapi import tree
from pyfapi.graph.keras_tensor import KerasTensor

__all__ = ["map_graph", "ExecutionPlan"]


def _build_map(inputs, outputs):
    finished = set()
    in_progress = set()
    ordered = []            # nodes from inputs to outputs
    op_indices = {}         # layer -> first traversal index
    input_ids = {id(x) for x in inputs}

    def visit(tensor):
        operation, node_index, _ = tensor._keras_history
        node = operation._inbound_nodes[node_index]
        if node in finished:
            return
        if not node.is_input and id(tensor) in input_ids:
            finished.add(node)  # an intermediate tensor used as a model input: stop here
            return
        if node in in_progress:
            raise ValueError(f"Tensor {tensor.name} from layer '{operation.name}' is part of a cycle.")
        if operation not in op_indices:
            op_indices[operation] = len(op_indices)
        in_progress.add(node)
        if not node.is_input:
            for x in node.input_tensors:
                visit(x)
        finished.add(node)
        in_progress.discard(node)
        ordered.append(node)

    for out in outputs:
        visit(out)
    return ordered, op_indices


def map_graph(inputs, outputs):
    """Validate the graph from ``inputs`` to ``outputs`` (flat lists of KerasTensors).

    Returns:
        (nodes, nodes_by_depth, layers, layers_by_depth): the set of nodes of the graph,
        {depth: [node]}, the layers in Keras order (inputs first), {depth: [layer]}.

    Raises:
        ValueError: an input/output that is not a KerasTensor made by a layer (as Keras 3);
            "Graph disconnected" (an output needs a tensor not computable from the
            inputs; names the tensor, the layer and the layers reached so far), a cycle, or two
            layers with one name (names it).
    """
    for kind, lst in (("inputs", inputs), ("outputs", outputs)):
        for x in lst:
            if not isinstance(x, KerasTensor) or x._keras_history is None:
                raise ValueError(
                    f"All model {kind} must be symbolic KerasTensors produced by pyfapi.Input or "
                    f"by calling a layer; received {x!r} (type {type(x).__name__}).")
    ordered, op_indices = _build_map(inputs, outputs)
    in_graph = set(ordered)
    node_depths = {}
    op_depths = {}
    for node in reversed(ordered):
        depth = node_depths.setdefault(node, 0)
        depth = max(depth, op_depths.get(node.operation, 0))
        op_depths[node.operation] = depth
        node_depths[node] = depth
        for parent in node.parent_nodes:
            if parent not in in_graph:
                continue
            node_depths[parent] = max(depth + 1, node_depths.get(parent, 0))

    # inputs that no output uses are still part of the model (Keras does the same)
    for x in inputs:
        op, ni, _ = x._keras_history
        if op not in op_depths:
            node = op._inbound_nodes[ni]
            if node.is_input:
                op_depths[op] = 0
                op_indices[op] = -1
                node_depths[node] = 0

    nodes_by_depth = collections.defaultdict(list)
    for node, depth in node_depths.items():
        nodes_by_depth[depth].append(node)
    position = {node: i for i, node in enumerate(ordered)}
    for same in nodes_by_depth.values():  # deterministic: traversal order within a depth
        same.sort(key=lambda n: position.get(n, -1))
    layers_by_depth = collections.defaultdict(list)
    for op, depth in op_depths.items():
        layers_by_depth[depth].append(op)

    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        same = layers_by_depth[depth]
        same.sort(key=lambda op: op_indices[op])
        layers.extend(same)

    # every tensor needed must be computable from the inputs
    computable = {id(x) for x in inputs}
    reached = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for x in node.input_tensors:
                if id(x) not in computable:
                    raise ValueError(_disconnected_message(x, node, reached))
            if node.is_input and not any(id(o) in computable for o in node.outputs):
                # an Input that is not among the model inputs feeds the graph
                consumer = _first_consumer(node, nodes_by_depth)
                raise ValueError(_disconnected_message(node.outputs[0], consumer or node, reached,
                                                       missing_input=node.operation.name))
            reached.append(node.operation.name)
            for o in node.outputs:
                computable.add(id(o))

    names = [op.name for op in layers]
    counts = collections.Counter(names)
    for name in names:
        if counts[name] != 1:
            raise ValueError(f'The name "{name}" is used {counts[name]} times in the model. '
                             "All layer names should be unique.")
    return set(node_depths), dict(nodes_by_depth), layers, dict(layers_by_depth)


def _first_consumer(node, nodes_by_depth):
    outs = {id(o) for o in node.outputs}
    for depth in sorted(nodes_by_depth, reverse=True):
        for n in nodes_by_depth[depth]:
            if any(id(x) in outs for x in n.input_tensors):
                return n
    return None


def _disconnected_message(tensor, node, reached, missing_input=None):
    producer = tensor._keras_history.operation.name
    msg = (f"Graph disconnected: cannot find parent for tensor {tensor.name} "
           f"(shape={tensor.shape}, produced by layer '{producer}') at layer "
           f"'{node.operation.name}'.")
    if missing_input is not None:
        msg += (f" The input '{missing_input}' feeds this graph but is not among the model's "
                "inputs; add it to `inputs`.")
    msg += f" The following previous layers were accessed without issue: {reached}"
    return msg


class ExecutionPlan:
    """The precomputed forward schedule of a functional graph.

    Args:
        inputs, outputs: flat lists of the model's input / output KerasTensors.
        nodes_by_depth: from :func:`map_graph`.

    Attributes:
        steps: list of ``(layer, node, input_slots, output_slots, free_slots)`` in execution
            order; ``free_slots`` are value slots no later step or output needs.
        output_slots: the slot of each output.
    """

    def __init__(self, inputs, outputs, nodes_by_depth):
        slots = {}
        for i, x in enumerate(inputs):
            if id(x) in slots:
                raise ValueError(f"The same tensor {x.name} is passed twice as a model input.")
            slots[id(x)] = i
        n = len(inputs)
        raw = []
        for depth in sorted(nodes_by_depth, reverse=True):
            for node in nodes_by_depth[depth]:
                if node.is_input:
                    continue
                ins = tuple(slots[id(x)] for x in node.input_tensors)
                outs = []
                for o in node.outputs:
                    slots[id(o)] = n
                    outs.append(n)
                    n += 1
                raw.append((node.operation, node, ins, tuple(outs)))
        self._finish(len(inputs), n, tuple(slots[id(x)] for x in outputs), raw)

    @classmethod
    def from_steps(cls, n_inputs, n_slots, output_slots, raw):
        """A plan over given steps ``(layer, node, input_slots, output_slots)`` (used by the fused
        inference plan, pyfapi/models/fused_inference.py); the free lists are recomputed."""
        plan = cls.__new__(cls)
        plan._finish(n_inputs, n_slots, tuple(output_slots), raw)
        return plan

    def _finish(self, n_inputs, n_slots, output_slots, raw):
        self.n_inputs = n_inputs
        self.n_slots = n_slots
        self.output_slots = output_slots
        keep = set(self.output_slots)
        last_use = {}
        for step, (_, _, ins, _) in enumerate(raw):
            for s in ins:
                last_use[s] = step
        frees = collections.defaultdict(list)
        for s, step in last_use.items():
            if s not in keep:
                frees[step].append(s)
        self.steps = [(layer, node, ins, outs, tuple(frees.get(i, ())))
                      for i, (layer, node, ins, outs) in enumerate(raw)]

    def run(self, input_values, call):
        """Run the steps; ``call(layer, node, args, kwargs)`` computes one node.

        Returns:
            list of output values in output order.
        """
        values = [None] * self.n_slots
        values[: self.n_inputs] = input_values
        for layer, node, ins, outs, frees in self.steps:
            args, kwargs = node.fill_in([values[i] for i in ins])
            out = call(layer, node, args, kwargs)
            if len(outs) == 1 and isinstance(node.output_structure, KerasTensor):
                values[outs[0]] = out
            else:
                flat = tree.flatten(out)
                if len(flat) != len(outs):
                    raise ValueError(
                        f"Layer '{layer.name}' returned {len(flat)} output(s) but its symbolic "
                        f"call declared {len(outs)} (compute_output_shape and call disagree).")
                for s, v in zip(outs, flat):
                    values[s] = v
            for s in frees:
                values[s] = None
        return [values[i] for i in self.output_slots]
