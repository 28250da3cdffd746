"""``plot_model`` / ``model_to_dot`` as ``keras.utils`` (pydot + Graphviz: the ``plot`` extra).

One node per layer of ``model.layers`` (label ``name (ClassName)``, optionally the shapes,
dtype, activation and trainable flag), one edge per connection of the model's own graph (a
Sequential's chain for a Sequential). Subclassed models without a graph get one node per layer.
"""
from __future__ import annotations

import os

__all__ = ["model_to_dot", "plot_model"]


def _pydot():
    try:
        import pydot
    except ImportError as e:
        raise ImportError("You must install pydot (`pip install pydot`, or the `plot` extra: "
                          "`pip install pyfapi[plot]`) for `plot_model` / `model_to_dot` to "
                          "work.") from e
    return pydot


def _shape(t):
    s = getattr(t, "shape", None)
    return "?" if s is None else str(tuple(s))


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations,
           show_trainable):
    cls = type(layer).__name__
    parts = [f"{layer.name} ({cls})" if show_layer_names else cls]
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        act = getattr(layer.activation, "__name__", str(layer.activation))
        parts.append(f"activation: {act}")
    if show_dtype:
        parts.append(f"dtype: {getattr(layer, 'dtype', '?')}")
    if show_shapes:
        ins = [x for node in getattr(layer, "_inbound_nodes", [])[:1]
               for x in node.input_tensors]
        outs = [x for node in getattr(layer, "_inbound_nodes", [])[:1]
                for x in getattr(node, "outputs", [])]
        if ins or outs:
            parts.append(f"in: {', '.join(_shape(x) for x in ins) or '-'}  "
                         f"out: {', '.join(_shape(x) for x in outs) or '-'}")
    if show_trainable:
        parts.append(f"trainable: {'T' if layer.trainable else 'F'}")
    return "\\n".join(parts)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True,
                 rankdir="TB", expand_nested=False, dpi=200, subgraph=False,
                 show_layer_activations=False, show_trainable=False, **kwargs):
    """A ``pydot.Dot`` graph of the model (Keras 3 arguments; ``expand_nested`` draws nested
    models as clusters).

    Raises:
        ImportError: pydot is missing (naming the package and the extra).
        ValueError: ``rankdir`` not one of TB, LR, BT, RL.
    """
    pydot = _pydot()
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be one of 'TB', 'LR', 'BT', 'RL', received {rankdir!r}")
    dot = pydot.Cluster(style="dashed", graph_name=model.name) if subgraph else pydot.Dot()
    dot.set("rankdir", rankdir)
    dot.set("concentrate", True)
    dot.set("dpi", dpi)
    dot.set_node_defaults(shape="record")
    layers = list(getattr(model, "layers", []))
    own = getattr(model, "_nodes", None)
    opts = (show_shapes, show_dtype, show_layer_names, show_layer_activations, show_trainable)
    for layer in layers:
        if expand_nested and getattr(layer, "layers", None):
            sub = model_to_dot(layer, show_shapes, show_dtype, show_layer_names, rankdir,
                               expand_nested, dpi, True, show_layer_activations, show_trainable)
            dot.add_subgraph(sub)
        dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, *opts)))
    ids = {id(layer) for layer in layers}
    if own is not None:
        for layer in layers:
            for node in getattr(layer, "_inbound_nodes", []):
                if node not in own:
                    continue
                for x in node.input_tensors:
                    hist = getattr(x, "_keras_history", None)
                    if hist is not None and id(hist[0]) in ids:
                        dot.add_edge(pydot.Edge(str(id(hist[0])), str(id(layer))))
    else:  # no graph (subclassed): the layers in order
        for a, b in zip(layers, layers[1:]):
            dot.add_edge(pydot.Edge(str(id(a)), str(id(b))))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=200,
               show_layer_activations=False, show_trainable=False, **kwargs):
    """Draw the model to ``to_file`` with Graphviz (format from the extension: png, svg, pdf,
    dot...), written atomically.

    Raises:
        ImportError: pydot missing, or the Graphviz ``dot`` program not installed (each named with
            how to install it).
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                       show_layer_names=show_layer_names, rankdir=rankdir,
                       expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations,
                       show_trainable=show_trainable)
    to_file = os.fspath(to_file)
    ext = os.path.splitext(to_file)[1][1:] or "png"
    d = os.path.dirname(to_file)
    if d:
        os.makedirs(d, exist_ok=True)
    tmp = f"{to_file}.tmp-{os.getpid()}"
    try:
        if ext in ("dot", "gv"):
            with open(tmp, "w") as f:
                f.write(dot.to_string())
        else:
            try:
                dot.write(tmp, format=ext)
            except FileNotFoundError as e:
                raise ImportError("You must install Graphviz (its `dot` program, e.g. "
                                  "`apt-get install graphviz`; see https://graphviz.org/download/) "
                                  "for `plot_model` to write images; a `.dot` file needs only "
                                  "pydot.") from e
        os.replace(tmp, to_file)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return None
