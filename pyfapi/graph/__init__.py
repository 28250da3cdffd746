"""The symbolic graph of the functional API.

* :class:`KerasTensor` (symbolic tensor: shape, dtype, name, ``_keras_history``),
* :class:`Node` (one call of a layer on symbolic tensors),
* :class:`InputSpec` (accepted ranks / axis sizes of a layer input),
* :func:`map_graph` / :class:`ExecutionPlan` (topological order, graph errors, the flat forward
  schedule of a Model).
"""
from pyfapi.graph.input_spec import InputSpec, assert_input_compatibility
from pyfapi.graph.keras_tensor import KerasHistory, KerasTensor, is_keras_tensor
from pyfapi.graph.node import Node
from pyfapi.graph.topology import ExecutionPlan, map_graph

__all__ = ["KerasTensor", "KerasHistory", "is_keras_tensor", "Node", "InputSpec",
           "assert_input_compatibility", "map_graph", "ExecutionPlan"]
