"""``model.summary()``: Keras 3's table, character for character, without the ``rich`` package.

Keras 3 (keras/src/utils/summary_utils.py) renders a ``rich.table.Table(width=line_length,
show_lines=True)`` (box HEAVY_HEAD, one space of padding each side of a cell) with fixed column
widths ``int(pos * line_length) - previous``; rich then shrinks the columns to fit the borders
(``ratio_reduce`` of the excess, one share per column, Python rounding), word-wraps each cell and
ends words longer than the cell with "…". This module reproduces that layout:

* header ``Model: "functional"``;
* columns ``Layer (type)``, ``Output Shape``, ``Param #`` (right-aligned), and ``Connected to``
  (``layer[node_index][tensor_index]``, node indices as recorded on the layer, so a shared layer's
  second call reads ``lstm[1][0]``) unless the graph is a plain chain;
  defaults: line_length 88 / 108 (at most the terminal width - 4), positions
  [0.45, 0.80, 1.0] / [0.3, 0.56, 0.74, 1.0];
* `` Total params: 3,466 (13.54 KB)``, `` Trainable params: ...``, `` Non-trainable params: ...``
  (bytes = params x dtype size, printed in B/KB/MB/GB/TB/PB with base 1024 and 2 decimals).
"""
from __future__ import annotations

import math
import re
import shutil

import numpy as np

from pyfapi import tree

__all__ = ["print_summary", "summary_text", "readable_memory_size", "count_params",
           "weight_memory_size", "format_layer_shape"]


def count_params(weights) -> int:
    """Total number of scalars in ``weights``: sum of ``prod(w.shape)`` (int)."""
    return int(sum(math.prod(tuple(w.shape)) for w in weights))


def weight_memory_size(weights) -> float:
    """Bytes taken by the (unique) weights: prod(shape) * itemsize."""
    unique = {id(w): w for w in weights}.values()
    total = 0
    for w in unique:
        total += math.prod(tuple(w.shape)) * np.dtype(w.dtype).itemsize
    return float(total)


def readable_memory_size(size) -> str:
    """``13.54 KB`` style (Keras 3: base 1024, two decimals, B/KB/MB/GB/TB/PB)."""
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    for unit in units:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {units[-1]}"


def _format_shape(shape) -> str:
    return f"({', '.join(str(d) for d in shape)})"


def format_layer_shape(layer) -> str:
    """Output shape text of a layer: from its last call, else from its build shape, else "?"."""
    from pyfapi.graph.keras_tensor import KerasTensor

    nodes = layer._inbound_nodes
    if nodes:
        struct = nodes[-1].output_structure

        def fmt(s):
            if isinstance(s, KerasTensor):
                return _format_shape(s.shape)
            if isinstance(s, (list, tuple)):
                return type(s)(fmt(v) for v in s)
            if isinstance(s, dict):
                return {k: fmt(v) for k, v in s.items()}
            return str(s)
        shapes = fmt(struct)
        if isinstance(shapes, str):
            return shapes
        flat = tree.flatten(shapes)
        if len(flat) == 1:
            return flat[0]
        return str(shapes).replace("'", "")
    if getattr(layer, "_build_input_shape", None) is not None:
        try:
            out = layer.compute_output_shape(layer._build_input_shape)
        except NotImplementedError:
            return "?"
        from pyfapi.layers.base import is_shape_tuple
        if is_shape_tuple(out):
            return _format_shape(out)
        return str([_format_shape(s) for s in out]).replace("'", "")
    return "?"


# ---- rich-compatible table layout --------------------------------------------------------
def _ratio_reduce(total, ratios, maximums, values):
    ratios = [r if m else 0 for r, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * remaining / total_ratio))
            result.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _column_widths(fixed_widths, table_width):
    """Cell widths (padding included, borders excluded) rich gives fixed-width columns."""
    n = len(fixed_widths)
    max_width = table_width - (n + 1)
    widths = [min(w + 2, max_width) for w in fixed_widths]
    if sum(widths) > max_width:
        widths = _ratio_reduce(sum(widths) - max_width, [1] * n, widths, widths)
        widths = [max(0, min(w, x)) for w, x in zip(widths, [x + 2 for x in fixed_widths])]
    return widths


_WORD = re.compile(r"\s*\S+\s*")


def _divide_line(text, width):
    """rich._wrap.divide_line(text, width, fold=False)."""
    breaks = []
    offset = 0
    for m in _WORD.finditer(text):
        start, word = m.start(), m.group(0)
        word_length = len(word.rstrip())
        remaining = width - offset
        if remaining >= word_length:
            offset += len(word)
        elif word_length > width:
            if start:
                breaks.append(start)
            offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    return breaks


def _wrap_cell(text, width, justify):
    """Lines of ``text`` in a cell ``width`` wide (rich Text.wrap, overflow="ellipsis")."""
    if width <= 0:
        return [""]
    out = []
    for para in text.split("\n"):
        offsets = _divide_line(para, width)
        cuts = [0, *offsets, len(para)]
        pieces = [para[a:b] for a, b in zip(cuts, cuts[1:])] if offsets else [para]
        for line in pieces:
            # rstrip_end(width): drop trailing whitespace beyond the width
            if len(line) > width:
                stripped = line.rstrip()
                line = stripped if len(stripped) >= width else stripped + " " * (width - len(stripped))
            if justify == "left":
                if len(line) > width:
                    line = line[: width - 1] + "…"
                line = line + " " * (width - len(line))
            else:
                line = line.rstrip()
                if len(line) > width:
                    line = line[: width - 1] + "…"
                pad = width - len(line)
                if justify == "right":
                    line = " " * pad + line
                else:  # center
                    line = " " * (pad // 2) + line + " " * (pad - pad // 2)
            out.append(line)
    return out


def _render_table(header, rows, alignment, widths):
    cw = [w - 2 for w in widths]

    def render_row(cells, vbar, bottom=False):
        cols = [_wrap_cell(c, w, a) for c, w, a in zip(cells, cw, alignment)]
        height = max(len(c) for c in cols)
        if bottom:  # rich aligns header cells to the bottom of the header row
            cols = [[" " * w] * (height - len(c)) + c for c, w in zip(cols, cw)]
        lines = []
        for i in range(height):
            parts = [(" " + (col[i] if i < len(col) else " " * w) + " ")
                     for col, w in zip(cols, cw)]
            lines.append(vbar + vbar.join(parts) + vbar)
        return lines

    lines = ["┏" + "┳".join("━" * w for w in widths) + "┓"]
    lines += render_row(header, "┃", bottom=True)
    lines.append("┡" + "╇".join("━" * w for w in widths) + "┩")
    for i, row in enumerate(rows):
        if i:
            lines.append("├" + "┼".join("─" * w for w in widths) + "┤")
        lines += render_row(row, "│")
    lines.append("└" + "┴".join("─" * w for w in widths) + "┘")
    return lines


# ---- summary ------------------------------------------------------------------------------
def _is_sequential_like(model):
    from pyfapi.models.sequential import Sequential

    if isinstance(model, Sequential) or not getattr(model, "_is_graph_network", False):
        return True
    nodes = []
    for v in model._nodes_by_depth.values():
        if len(v) > 1 or (len(v) == 1 and len(v[0].input_tensors) > 1):
            return False
        nodes += v
    node_ids = {id(n) for n in nodes}
    for layer in model.layers:
        seen = False
        for node in layer._inbound_nodes:
            if id(node) in node_ids:
                if seen:
                    return False
                seen = True
    return True


def _class_label(layer):
    from pyfapi.models.functional import Model

    return "Functional" if type(layer) is Model else type(layer).__name__


def _layer_range(layers, layer_range):
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError("layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not all(isinstance(x, str) for x in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, l in enumerate(layers) if re.match(layer_range[0], l.name)]
    upper = [i for i, l in enumerate(layers) if re.match(layer_range[1], l.name)]
    if not lower or not upper:
        raise ValueError("Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def summary_text(model, line_length=None, positions=None, expand_nested=False,
                 show_trainable=False, layer_range=None) -> str:
    """The summary as one string (lines joined by "\\n", with a final newline).

    Raises:
        ValueError: a line too narrow for the columns ("Insufficient console width"), or a bad
            ``layer_range``.
    """
    from pyfapi.models.sequential import Sequential

    sequential_like = _is_sequential_like(model)
    if isinstance(model, Sequential) or not getattr(model, "_is_graph_network", False):
        layers = model.layers
    else:
        layers = list(model._operations)
    if sequential_like:
        default_line_length = 88
        positions = positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        alignment = ["left", "left", "right"]
        relevant = None
    else:
        default_line_length = 108
        positions = positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        alignment = ["left", "left", "right", "left"]
        relevant = set()
        for v in model._nodes_by_depth.values():
            relevant.update(id(n) for n in v)
    if show_trainable:
        default_line_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        alignment.append("center")
    default_line_length = min(default_line_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_line_length
    absolute = any(p > 1 for p in positions)
    fixed, current = [], 0
    for pos in positions:
        width = (int(pos) if absolute else int(pos * line_length)) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        fixed.append(width)
        current += width
    widths = _column_widths(fixed, line_length)

    def connections(layer):
        parts = []
        for node in layer._inbound_nodes:
            if relevant and id(node) not in relevant:
                continue
            for kt in node.input_tensors:
                op, ni, ti = kt._keras_history
                parts.append(f"{op.name}[{ni}][{ti}]")
        return ", ".join(parts) if parts else "-"

    def fields(layer, prefix=""):
        name = f"{prefix}{layer.name} ({_class_label(layer)})"
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        row = [name, format_layer_shape(layer), params]
        if not sequential_like:
            row.append(connections(layer))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return row

    def layer_rows(layer, level=0):
        prefix = "   " * level + "└ " if level else ""
        rows = [fields(layer, prefix)]
        if expand_nested and hasattr(layer, "layers") and getattr(layer, "_layers", None) and \
                hasattr(layer, "_is_graph_network"):
            for sub in layer.layers:
                rows.extend(layer_rows(sub, level + 1))
        return rows

    lo, hi = _layer_range(layers, layer_range)
    rows = []
    for layer in layers[lo:hi]:
        rows.extend(layer_rows(layer))

    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    t_count, t_mem = count_params(trainable), weight_memory_size(trainable)
    n_count, n_mem = count_params(non_trainable), weight_memory_size(non_trainable)
    opt = getattr(model, "optimizer", None)
    opt_vars = None
    if getattr(model, "compiled", False) and opt is not None and getattr(opt, "built", False):
        opt_vars = list(getattr(opt, "variables", []))
    o_count = count_params(opt_vars) if opt_vars else 0
    o_mem = weight_memory_size(opt_vars) if opt_vars else 0.0

    # rich crops the table's lines at the console width (Keras 3 shows the same cropping)
    console_width = shutil.get_terminal_size().columns
    lines = [f'Model: "{model.name}"']
    lines += [line[:console_width] for line in _render_table(header, rows, alignment, widths)]
    lines.append(f" Total params: {t_count + n_count + o_count:,} "
                 f"({readable_memory_size(t_mem + n_mem + o_mem)})")
    lines.append(f" Trainable params: {t_count:,} ({readable_memory_size(t_mem)})")
    lines.append(f" Non-trainable params: {n_count:,} ({readable_memory_size(n_mem)})")
    if opt_vars is not None:
        lines.append(f" Optimizer params: {o_count:,} ({readable_memory_size(o_mem)})")
    return "\n".join(lines) + "\n"


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    """Print the summary (Keras 3: ``print_fn`` is called once with the whole text)."""
    text = summary_text(model, line_length=line_length, positions=positions,
                        expand_nested=expand_nested, show_trainable=show_trainable,
                        layer_range=layer_range)
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)
