"""HDF5 weights files (``.weights.h5``) in Keras 3's layout, via h5py.

Layout (as Keras 3's ``saving_lib``)::

    /layers/<key>/vars/0, 1, ...              weights of a layer, in ``layer.weights`` order
    /layers/lstm/cell/vars/0, 1, 2            an LSTM's weights (Keras keeps them in its cell;
                                              /layers/lstm/vars is then empty). Read: both.
    /layers/<key>/layers/<key>/vars/i         a nested model's layers
    /layers/multi_head_attention/query_dense/vars/0, 1   a layer made of sub-layers
                                              (``_keras_weight_subgroups()``), one group each
    /optimizer/vars/0, 1, ...                 the compiled optimizer's variables in
                                              ``optimizer.variables`` order (iterations,
                                              learning rate, slots), as Keras 3 writes them

``<key>`` is, as in Keras 3, the snake_case CLASS name numbered per class in ``model.layers``
order (``dense``, ``dense_1``, ``input_layer``, ``functional`` ...), NOT ``layer.name``: layer
names are auto-generated and differ between two instances of one architecture built in the same
process, while keys by position and class are reproducible (and match the files Keras writes).
Each layer group also records the layer's actual name in its ``name`` attribute.

Loading reads and checks EVERYTHING first (layer names, number of weights, shapes, readable data)
and only then assigns, so a missing, truncated or mismatched file raises a clear error and never
leaves a half-loaded model. Writing goes to a temporary file in the target directory that is
renamed into place (``os.replace``), so an interrupted save never leaves a broken file.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

__all__ = ["save_weights", "load_weights", "write_weights_group", "read_weights_group",
           "collect_layers", "atomic_write", "write_optimizer_group", "read_optimizer_arrays",
           "optimizer_plan", "assign_optimizer_plan"]

FORMAT = "pyfapi.weights.h5/1"


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - declared dependency
        raise ImportError("saving weights needs h5py (`pip install h5py`)") from e
    return h5py


def _is_graph_model(layer):
    """A functional / Sequential model: its layers are saved under ``<path>/layers``."""
    graph_io = getattr(layer, "_graph_io", None)
    return callable(graph_io) and hasattr(layer, "layers") and bool(graph_io())


def _walks_attributes(layer):
    """A subclassed model, or a user-defined layer holding sub-layers: saved as Keras 3 walks
    it, its own variables in ``<path>/vars`` and each sub-layer under its attribute name."""
    graph_io = getattr(layer, "_graph_io", None)
    if callable(graph_io):
        return not graph_io()
    return not type(layer).__module__.startswith("pyfapi.") and bool(layer._layers)


def _snake(name):
    import re
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _snake_class(layer):
    """Keras 3's key of a layer in a container: the snake_case class name (``Functional`` for
    the functional Model class itself)."""
    return _snake(type(layer).__dict__.get("_keras_class_name") or type(layer).__name__)


def _own_variables(layer):
    seen = set()
    out = []
    for w in list(layer._trainable_variables) + list(layer._non_trainable_variables):
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


#: instance attributes holding a model's bookkeeping (never saved as paths of their own)
_SKIP_ATTRS = frozenset({"_layers", "_operations", "_layers_by_depth", "_functional",
                         "_inbound_nodes", "_outbound_nodes", "_nodes", "_nodes_by_depth",
                         "_inputs", "_outputs", "_inputs_struct", "_outputs_struct", "_plan"})


def _layer_like(x):
    return hasattr(x, "_trainable_variables") and hasattr(x, "_layers")


def collect_layers(model, prefix=None):
    """``[(h5 path, layer, weights)]`` for everything holding weights, with Keras 3's paths:

    * a functional / Sequential model: ``layers/<class key>`` per layer (recursing into nested
      models: ``layers/functional/layers/dense``);
    * a subclassed model (and a user-defined layer holding sub-layers): its own variables at
      ``<path>/vars`` (the file's top ``vars`` for the model itself) and each sub-layer under its
      attribute name (``d1/vars``), lists/dicts of layers as ``<attr>/<class key>``, attributes
      in Keras's order (snake_case name); each object saved once, at its first path.
    """
    out = []
    _collect(model, "" if prefix is None else prefix, out, set(), top=prefix is None)
    return out


def _join(*parts):
    return "/".join(p for p in parts if p)


def _container_items(items):
    used = {}
    for item in items:
        if not _layer_like(item):
            continue
        key = _snake_class(item)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        yield key, item


def _collect(obj, path, out, visited, top=False):
    if id(obj) in visited:
        return
    visited.add(id(obj))
    if _is_graph_model(obj):
        if not top:
            own = _own_variables(obj)
            if own:
                out.append((path, obj, own))
        for key, layer in _container_items(obj.layers):
            _collect(layer, _join(path, "layers", key), out, visited)
        return
    if not _walks_attributes(obj):
        out.append((path, obj, list(obj.weights)))
        return
    out.append((path, obj, _own_variables(obj)))
    attrs = {k: v for k, v in vars(obj).items() if k not in _SKIP_ATTRS}
    if hasattr(obj, "layers"):
        attrs.setdefault("layers", list(obj._layers))
    for name in sorted(attrs, key=_snake):
        value = attrs[name]
        if _layer_like(value):
            _collect(value, _join(path, name), out, visited)
        elif isinstance(value, (list, tuple, dict)):
            items = list(value.values()) if isinstance(value, dict) else list(value)
            for key, item in _container_items(items):
                _collect(item, _join(path, name, key), out, visited)
    for key, layer in _container_items(obj._layers):  # sub-layers reachable otherwise only
        _collect(layer, _join(path, "layers", key), out, visited)


def atomic_write(filepath, write_fn, overwrite=True):
    """Call ``write_fn(tmp_path)`` then rename the temporary file onto ``filepath``.

    Raises:
        FileExistsError: ``overwrite=False`` and the file exists.
        FileNotFoundError: the target directory does not exist.
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False")
    d = os.path.dirname(os.path.abspath(filepath))
    if not os.path.isdir(d):
        raise FileNotFoundError(f"cannot save to {filepath!r}: directory {d!r} does not exist")
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(filepath) + ".",
                               suffix=".tmp")
    os.close(fd)
    try:
        write_fn(tmp)
        os.replace(tmp, filepath)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def write_weights_group(h5file, model):
    """Write the model's weights into an open ``h5py.File``."""
    if not getattr(model, "built", True):
        raise ValueError(f"model {model.name!r} is not built yet: call it on data (or give it an "
                         f"input shape) before saving its weights")
    h5file.attrs["format"] = FORMAT
    if _is_graph_model(model):
        h5file.create_group("layers")
    for path, layer, weights in collect_layers(model):
        grp = h5file.require_group(path) if path else h5file
        if path:
            grp.attrs["name"] = layer.name
        g = grp.require_group("vars")
        groups = _keras_subgroups(layer)
        if groups is not None:  # e.g. MultiHeadAttention: one group per projection, as Keras
            for name, sublayer in groups:
                sg = grp.create_group(name).create_group("vars")
                for i, w in enumerate(sublayer.weights):
                    sg.create_dataset(str(i), data=np.asarray(getattr(w, "value", w)))
            continue
        sub = _weights_subgroup(layer)
        if sub is not None:  # Keras keeps a recurrent layer's weights in its cell
            g = grp.create_group(sub).create_group("vars")
        for i, w in enumerate(weights):
            g.create_dataset(str(i), data=np.asarray(getattr(w, "value", w)))
        own = _own_variables_hook(layer, "save_own_variables")
        if own is not None:  # Keras's save_own_variables(store): named arrays (idf_weights)
            store = {}
            own(store)
            for key, arr in store.items():
                g.create_dataset(str(key), data=np.asarray(arr))
    if "vars" not in h5file:
        h5file.create_group("vars")  # the model's own (empty) vars group, as Keras writes it


def _keras_subgroups(layer):
    """``[(group name, sub-layer)]`` for layers whose Keras 3 files keep the weights of several
    sub-layers in named groups, in ``layer.weights`` order (a ``_keras_weight_subgroups()``
    method of the layer); None for every other layer."""
    fn = getattr(layer, "_keras_weight_subgroups", None)
    return fn() if fn is not None else None


#: layers whose Keras 3 implementation owns its weights through a sub-object: the weights are
#: written to ``<key>/<sub>/vars`` (``lstm/cell/vars/0..2``) and an empty ``<key>/vars``.
_SUBGROUP_BY_CLASS = {"LSTM": "cell", "GRU": "cell", "SimpleRNN": "cell"}


def _weights_subgroup(layer):
    sub = getattr(type(layer), "_keras_weights_subgroup", None)
    if sub is None:
        for cls in type(layer).__mro__:
            if cls.__module__.startswith("pyfapi.") and cls.__name__ in _SUBGROUP_BY_CLASS:
                return _SUBGROUP_BY_CLASS[cls.__name__]
    return sub


def read_weights_group(h5file, model, source, skip_mismatch=False):
    """Read and check every layer's arrays; returns ``[(variable, array)]`` to assign.

    Raises:
        ValueError: a layer of the model missing from the file, a different number of weights,
            a shape mismatch, extra layers with weights in the file, unreadable data.
    """
    if _is_graph_model(model) and "layers" not in h5file:
        raise ValueError(f"{source} is not a pyfapi/Keras weights file: it has no 'layers' group "
                         f"(top-level keys: {sorted(h5file.keys())})")
    plan = []
    seen = set()
    for path, layer, weights in collect_layers(model):
        grp = h5file.get(path) if path else h5file
        seen.add(path)
        own = _own_variables_hook(layer, "load_own_variables")
        if own is not None:  # a layer keeping named arrays (Keras's load_own_variables)
            vars_grp = grp.get("vars") if grp is not None else None
            store = {k: np.asarray(vars_grp[k][()]) for k in vars_grp.keys()} \
                if vars_grp is not None else {}
            plan.append((_LoadHook(own), store))
            continue
        groups = _keras_subgroups(layer) if grp is not None else None
        if groups is not None:  # weights kept in one named group per sub-layer (Keras's MHA)
            vars_ = []
            for name, _ in groups:
                sub = grp.get(name)
                vars_.extend(_layer_datasets(sub) if sub is not None else [])
        elif grp is not None and (not path or _walks_attributes(layer) or
                                  _is_graph_model(layer)):
            # only the object's own vars: its sub-layers have groups (and entries) of their own
            vars_ = _own_datasets(grp) if "vars" in grp else []
        else:
            vars_ = _layer_datasets(grp) if grp is not None else []
        if grp is None or not vars_:
            if not weights:
                continue
            have = sorted(h5file["layers"].keys()) if "layers" in h5file else sorted(h5file.keys())
            raise ValueError(
                f"Layer {layer.name!r} (with {len(weights)} weights, stored as {path!r}) is not "
                f"in {source}; the file has layers {have}. The file was saved from a different "
                f"architecture.")
        if len(vars_) != len(weights):
            if skip_mismatch:
                continue
            raise ValueError(
                f"Layer {layer.name!r} ({path!r}) expects {len(weights)} weights but {source} "
                f"holds {len(vars_)} for it. The file was saved from a different architecture.")
        for i, w in enumerate(weights):
            ds = vars_[i]
            if ds is None:
                raise ValueError(f"{source}: weight {i} of layer {layer.name!r} is missing")
            if tuple(ds.shape) != tuple(w.shape):
                if skip_mismatch:
                    continue
                raise ValueError(
                    f"Layer {layer.name!r} weight {i} ({getattr(w, 'path', w.name)!r}) has shape "
                    f"{tuple(w.shape)} but {source} holds shape {tuple(ds.shape)}. The file was "
                    f"saved from a different architecture.")
            try:
                arr = np.asarray(ds[()])
            except Exception as e:  # truncated / corrupt data
                raise ValueError(f"{source} is corrupt: could not read weight {i} of layer "
                                 f"{layer.name!r} ({type(e).__name__}: {e})") from None
            plan.append((w, arr))
    extra = []

    def visit(prefix, grp):
        for name in grp.keys():
            if name == "vars" or (not prefix and name == "optimizer"):
                continue
            sub = grp[name]
            if not hasattr(sub, "keys"):
                continue
            p = _join(prefix, name)
            if p in seen:
                continue
            own = sub.get("vars")
            if own is not None and len(own):
                extra.append(name)
            elif any(s.startswith(p + "/") for s in seen):
                visit(p, sub)
            elif _layer_datasets(sub):
                extra.append(name)
    visit("", h5file)
    if extra and not skip_mismatch:
        raise ValueError(f"{source} holds weights for layers {extra} that the model does not have. "
                         f"The file was saved from a different architecture.")
    return plan


def _layer_datasets(grp):
    """A layer group's arrays in order: its own ``vars/0, 1, ...``, then those of its
    sub-objects (Keras 3 files keep e.g. an LSTM's weights under ``lstm/cell/vars``)."""
    out = []
    own = grp.get("vars")
    if own is not None:
        out.extend(own.get(str(i)) for i in range(len(own)))
    for name in grp.keys():
        sub = grp[name]
        if name != "vars" and hasattr(sub, "keys") and name != "layers":
            out.extend(_layer_datasets(sub))
    return out


def _own_datasets(grp):
    own = grp["vars"]
    return [own.get(str(i)) for i in range(len(own))]


def assign_plan(plan):
    """Assigns each ``(weight, array)`` pair of ``plan``, casting the array to the weight's dtype
    (``(_LoadHook, store)`` pairs call a layer's ``load_own_variables(store)``)."""
    for w, arr in plan:
        if isinstance(w, _LoadHook):
            w.fn(arr)
            continue
        w.assign(arr.astype(w.value.dtype, copy=False))


class _LoadHook:
    """A layer's ``load_own_variables`` as a plan entry."""

    def __init__(self, fn):
        self.fn = fn


def _own_variables_hook(layer, name):
    """``layer.<name>`` when the layer has no weights of its own and defines Keras's
    ``save_own_variables`` / ``load_own_variables`` (preprocessing layers with named state such
    as ``idf_weights``), else None."""
    if layer.weights or not getattr(type(layer), "_keras_own_variables", False):
        return None
    return getattr(layer, name, None)


def save_weights(model, filepath, overwrite=True):
    """Write ``model``'s weights to ``filepath`` (must end in ``.weights.h5``), atomically.

    Raises:
        ValueError: wrong extension or unbuilt model. FileExistsError: ``overwrite=False``.
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    h5py = _h5py()

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            write_weights_group(f, model)
            write_optimizer_group(f, model)
    atomic_write(filepath, write, overwrite=overwrite)


def _compiled_optimizer(model):
    return getattr(model, "optimizer", None) if getattr(model, "compiled", False) else None


def write_optimizer_group(h5file, model):
    """Write ``/optimizer/vars/i`` for a compiled model's optimizer (Keras 3's
    ``Optimizer.save_own_variables``: every variable in ``optimizer.variables`` order, an unbuilt
    optimizer's iterations and learning rate included); nothing for an uncompiled model."""
    opt = _compiled_optimizer(model)
    if opt is None:
        return
    g = h5file.create_group("optimizer").create_group("vars")
    for i, v in enumerate(opt.variables):
        g.create_dataset(str(i), data=np.asarray(v.value))


def read_optimizer_arrays(h5file, source):
    """The arrays of ``/optimizer/vars`` in order, or None when the file has none.

    Raises:
        ValueError: the group is unreadable or its keys are not 0..n-1.
    """
    if "optimizer" not in h5file or "vars" not in h5file["optimizer"]:
        return None
    g = h5file["optimizer"]["vars"]
    try:
        return [np.asarray(g[str(i)][()]) for i in range(len(g))]
    except Exception as e:  # noqa: BLE001 - h5py raises KeyError / OSError / ValueError
        raise ValueError(f"{source}: optimizer state is corrupt ({e})") from None


def optimizer_plan(model, arrays, source):
    """Pairs (variable, array) restoring the compiled optimizer from ``arrays``, as Keras 3's
    ``Optimizer.load_own_variables``: a different number of variables (typically an optimizer not
    built yet: it holds only iterations and learning rate) is skipped with Keras's warning.

    Raises:
        ValueError: same count but a variable's shape differs.
    """
    opt = _compiled_optimizer(model)
    if opt is None or arrays is None:
        return []
    variables = list(opt.variables)
    if len(variables) != len(arrays):
        import warnings
        msg = (f"Skipping variable loading for optimizer '{opt.name}', because it has "
               f"{len(variables)} variables whereas the saved optimizer has {len(arrays)} "
               f"variables. ")
        if len(variables) <= 2:
            msg += "This is likely because the optimizer has not been called/built yet."
        warnings.warn(msg, stacklevel=3)
        return []
    for v, a in zip(variables, arrays):
        if tuple(v.value.shape) != tuple(a.shape):
            raise ValueError(f"{source}: optimizer variable {v.name!r} has shape "
                             f"{tuple(v.value.shape)} but the file holds {a.shape}")
    return [(v, a) for v, a in zip(variables, arrays)]


def assign_optimizer_plan(plan):
    for v, a in plan:
        v.assign(a.astype(v.value.dtype, copy=False))


def open_h5(filepath, source):
    """Open an HDF5 file for reading, turning h5py's errors into clear ones."""
    h5py = _h5py()
    try:
        return h5py.File(filepath, "r")
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as e:
        raise ValueError(f"{source} is not a readable HDF5 file (truncated or corrupt?): "
                         f"{e}") from None


def load_weights(model, filepath, skip_mismatch=False):
    """Load weights saved by :func:`save_weights` (or the weights inside a ``.keras`` archive).

    Raises:
        FileNotFoundError: no such file.
        ValueError: an unreadable/truncated file or a different architecture; the model is left
            untouched.
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file at {filepath!r}")
    if filepath.endswith(".keras"):
        from pyfapi.saving.keras_archive import load_weights_from_archive
        return load_weights_from_archive(model, filepath, skip_mismatch=skip_mismatch)
    if not filepath.endswith((".weights.h5", ".h5")):
        raise ValueError(f"load_weights expects a `.weights.h5` or `.keras` file, received "
                         f"{filepath!r}")
    source = f"weights file {filepath!r}"
    with open_h5(filepath, source) as f:
        plan = read_weights_group(f, model, source, skip_mismatch=skip_mismatch)
        opt_plan = optimizer_plan(model, read_optimizer_arrays(f, source), source)
    assign_plan(plan)
    assign_optimizer_plan(opt_plan)
