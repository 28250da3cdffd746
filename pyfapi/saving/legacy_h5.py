"""Keras's legacy single-file HDF5 model format (``model.save("m.h5")`` /
``load_model("m.h5")``), as Keras 3's ``legacy_h5_format`` writes it and as tf.keras 2.x wrote it.

File layout::

    attrs: model_config (JSON {"class_name", "config"}), training_config (JSON, compiled models),
           keras_version, backend
    model_weights/                attrs layer_names (every layer in model.layers order)
        <layer>/                  attrs weight_names ("<layer>/kernel" in Keras 3,
                                  "<layer>/kernel:0" in tf.keras 2.x)
            <weight name path>    one dataset per weight, in the layer's weight order

The same ``layer_names`` / ``weight_names`` layout at the file root is Keras's legacy weights-only
``.h5`` (``save_weights("w.h5")`` in Keras 2), read by :func:`load_weights_legacy`.

Loading Keras 2.x files: the tf.keras 2.x model config (``batch_input_shape``, list-style
``inbound_nodes``, ``input_layers`` / ``output_layers``, optimizer configs with ``decay``) is
converted to the Keras 3 config first (:func:`keras2_to_keras3_config`); weights are matched to
layers by NAME and assigned in weight order, after every shape was checked (nothing is assigned
when anything does not match). Writes are atomic.

Optimizer state: as Keras 3, ``save(..., include_optimizer=True)`` (the default) writes the built
optimizer's variables (iteration, learning_rate, slots; ``weight_names`` attribute) to the
``optimizer_weights`` group, and loading a compiled model builds its optimizer and sets them in
order; a state of another layout (tf.keras 2's optimizers: no learning-rate variable, other
names) leaves a fresh optimizer with a warning, as Keras 3 does.
"""
from __future__ import annotations

import json
import os
import warnings

import numpy as np

from pyfapi.saving.weights_h5 import _h5py, atomic_write, open_h5

__all__ = ["save_legacy_h5", "load_legacy_h5", "load_weights_legacy", "is_legacy_h5_path",
           "keras2_to_keras3_config"]

_EXTS = (".h5", ".hdf5")


def is_legacy_h5_path(filepath) -> bool:
    """``.h5`` / ``.hdf5`` but not ``.weights.h5``."""
    p = os.fspath(filepath)
    return p.endswith(_EXTS) and not p.endswith(".weights.h5")


def _attr_str(v):
    if isinstance(v, bytes):
        return v.decode("utf-8")
    return str(v)


def _attr_list(v):
    return [_attr_str(x) for x in np.asarray(v).tolist()] if v is not None else []


# ---- save -------------------------------------------------------------------------------------
def _weight_names(layer):
    names = []
    for w in layer.weights:
        p = getattr(w, "path", None)
        names.append(p if p else f"{layer.name}/{w.name}")
    return names


def _optimizer_entries(optimizer):
    """``[(name, array)]`` of the optimizer's variables in Keras 3's ``optimizer_weights`` form:
    ``optimizer.variables`` in order (iteration, learning_rate, slots), named
    ``"<optimizer name>/<variable name>"`` (Keras 3's variable paths), empty when unbuilt."""
    if optimizer is None or not getattr(optimizer, "built", False):
        return []
    out, seen = [], set()
    for v in optimizer.variables:
        name = getattr(v, "path", None) or v.name
        if "/" not in name:
            name = f"{optimizer.name}/{name}"
        base, k = name, 1
        while name in seen:  # dataset names must be unique
            name, k = f"{base}_{k}", k + 1
        seen.add(name)
        out.append((name, np.array(getattr(v, "value", v))))
    return out


def save_legacy_h5(model, filepath, overwrite=True, include_optimizer=True):
    """Write ``model`` in Keras's legacy HDF5 format (atomically); with ``include_optimizer``
    and a built optimizer, its variables too (the ``optimizer_weights`` group, as Keras 3).

    Raises:
        ValueError: an unbuilt model. FileExistsError: ``overwrite=False`` and the file exists.
    """
    from pyfapi import __version__
    from pyfapi.saving.keras_archive import _class_name, _json_default
    if not getattr(model, "built", True):
        raise ValueError(f"model {model.name!r} is not built yet: call it on data (or give it an "
                         f"input shape) before saving")
    model_config = json.dumps({"class_name": _class_name(model), "config": model.get_config()},
                              default=_json_default)
    training_config = None
    if getattr(model, "compiled", False) and model.get_compile_config() is not None:
        cc = dict(model.get_compile_config())
        opt = cc.pop("optimizer")
        cc["optimizer_config"] = {"class_name": opt["class_name"], "config": opt["config"]}
        training_config = json.dumps(cc, default=_json_default)
    h5py = _h5py()
    opt_entries = _optimizer_entries(getattr(model, "optimizer", None)) \
        if include_optimizer and training_config is not None else []
    layers = list(model.layers)
    arrays = [(layer, [np.asarray(getattr(w, "value", w)) for w in layer.weights])
              for layer in layers]

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = f"pyfapi-{__version__}"
            f.attrs["backend"] = "pyfapi"
            f.attrs["model_config"] = model_config
            if training_config is not None:
                f.attrs["training_config"] = training_config
            g = f.create_group("model_weights")
            g.attrs["layer_names"] = np.array([lay.name.encode("utf8") for lay in layers])
            g.attrs["backend"] = "pyfapi"
            g.attrs["keras_version"] = f"pyfapi-{__version__}"
            for layer, vals in arrays:
                lg = g.create_group(layer.name)
                names = _weight_names(layer)
                lg.attrs["weight_names"] = np.array([n.encode("utf8") for n in names])
                for n, a in zip(names, vals):
                    lg.create_dataset(n, data=a)
            if opt_entries:
                og = f.create_group("optimizer_weights")
                og.attrs["weight_names"] = np.array([n.encode("utf8") for n, _ in opt_entries])
                for n, a in opt_entries:
                    og.create_dataset(n, data=a)
    atomic_write(os.fspath(filepath), write, overwrite=overwrite)


# ---- Keras 2 configs --------------------------------------------------------------------------
def _k2_tensor(entry, shapes):
    name, node, idx = entry[0], entry[1], entry[2]
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shapes.get(name), "dtype": "float32",
                       "keras_history": [name, node, idx]}}


def _k2_layer_config(layer):
    cls = layer.get("class_name")
    cfg = dict(layer.get("config", {}))
    if cls == "InputLayer":
        if "batch_input_shape" in cfg:
            cfg["batch_shape"] = cfg.pop("batch_input_shape")
        cfg.pop("ragged", None)
    else:
        cfg.pop("batch_input_shape", None)
    if cls in ("BatchNormalization", "LayerNormalization") and isinstance(cfg.get("axis"), list) \
            and len(cfg["axis"]) == 1:
        cfg["axis"] = cfg["axis"][0]  # tf.keras 2.x stored the axis as a one-element list
    if cls == "Embedding":
        cfg.pop("input_length", None)  # tf.keras 2.x; deprecated (a warning) in Keras 3
    if "time_major" in cfg:  # tf.keras 2.x recurrent layers; Keras 3 has batch-major only
        if cfg.pop("time_major"):
            raise ValueError(f"layer {cfg.get('name')!r} ({cls}) was saved with "
                             f"time_major=True, which Keras 3 (and pyfapi) do not support")
    return cfg


def keras2_to_keras3_config(model_config):
    """A tf.keras 2.x ``{"class_name", "config"}`` model config in Keras 3's form.

    Sequential: ``batch_input_shape`` on the first layer becomes an InputLayer. Functional:
    ``inbound_nodes`` ``[[[name, node, tensor, kwargs], ...]]`` become Keras 3's
    ``{"args": [...], "kwargs": {...}}`` with ``__keras_tensor__`` references; ``input_layers``
    / ``output_layers`` keep their ``[name, node, tensor]`` form. Other keys pass through.
    """
    cls = model_config.get("class_name")
    cfg = dict(model_config.get("config", {}))
    layers = cfg.get("layers", [])
    if cls == "Sequential":
        new = []
        for i, layer in enumerate(layers):
            c = layer.get("config", {})
            if i == 0 and layer.get("class_name") != "InputLayer" and "batch_input_shape" in c:
                new.append({"class_name": "InputLayer",
                            "config": {"batch_shape": c["batch_input_shape"],
                                       "dtype": c.get("dtype", "float32"),
                                       "name": f"{c.get('name', 'input')}_input"}})
            new.append({"class_name": layer["class_name"], "config": _k2_layer_config(layer)})
        cfg["layers"] = new
        return {"class_name": "Sequential", "config": cfg}
    shapes = {}
    new = []
    for layer in layers:
        lcfg = _k2_layer_config(layer)
        if layer.get("class_name") == "InputLayer":
            shapes[layer.get("name", lcfg.get("name"))] = lcfg.get("batch_shape")
        nodes = []
        for node in layer.get("inbound_nodes", []):
            if isinstance(node, dict):  # already Keras 3
                nodes.append(node)
                continue
            tensors = [_k2_tensor(e, shapes) for e in node]
            kwargs = {}
            for e in node:
                if len(e) > 3 and isinstance(e[3], dict):
                    kwargs.update(e[3])
            args = [tensors[0]] if len(tensors) == 1 else [tensors]
            nodes.append({"args": args, "kwargs": kwargs})
        new.append({"class_name": layer["class_name"], "config": lcfg,
                    "name": layer.get("name", lcfg.get("name")), "inbound_nodes": nodes})
    cfg["layers"] = new
    for key in ("input_layers", "output_layers"):  # Keras 3 unwraps one-element lists
        v = cfg.get(key)
        if isinstance(v, list) and len(v) == 1 and isinstance(v[0], list):
            cfg[key] = v[0]
    return {"class_name": "Functional", "config": cfg}


def _is_keras2(f, model_config):
    ver = _attr_str(f.attrs.get("keras_version", ""))
    if ver.startswith("2."):
        return True
    for layer in model_config.get("config", {}).get("layers", []):
        for node in layer.get("inbound_nodes", []) or []:
            return isinstance(node, list)
        if "batch_input_shape" in layer.get("config", {}):
            return True
    return False


_K2_OPT_DROP = ("decay", "jit_compile", "is_legacy_optimizer")


def _k2_metrics(spec):
    """tf.keras 2.x stores compiled metrics as ``MeanMetricWrapper`` configs (per output lists);
    their ``name`` ("accuracy", "mae") is what compile takes."""
    if isinstance(spec, list):
        flat = [_k2_metrics(s) for s in spec]
        if len(flat) == 1 and isinstance(flat[0], list):
            return flat[0]
        return flat
    if isinstance(spec, dict) and spec.get("class_name") == "MeanMetricWrapper":
        return spec.get("config", {}).get("name")
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _k2_metrics(v) for k, v in spec.items()}
    return spec


def _compile_from_training_config(model, tc, custom_objects):
    opt = dict(tc.get("optimizer_config") or {"class_name": "RMSprop", "config": {}})
    ocfg = {k: v for k, v in dict(opt.get("config", {})).items() if k not in _K2_OPT_DROP}
    if "lr" in ocfg and "learning_rate" not in ocfg:
        ocfg["learning_rate"] = ocfg.pop("lr")
    ocfg.pop("name", None)
    cls = str(opt.get("class_name"))
    if cls.startswith("Custom>"):  # tf.keras 2.11+ registers its new optimizers so
        cls = cls[len("Custom>"):]
    cfg = {"optimizer": {"class_name": cls, "config": ocfg},
           "loss": tc.get("loss"), "loss_weights": tc.get("loss_weights"),
           "metrics": _k2_metrics(tc.get("metrics")),
           "weighted_metrics": _k2_metrics(tc.get("weighted_metrics"))}
    try:
        model.compile_from_config(cfg, custom_objects)
    except (ValueError, TypeError) as e:
        warnings.warn(f"The model was loaded but could not be compiled from the file's training "
                      f"configuration ({e}); call compile() yourself.", stacklevel=3)


# ---- load ---------------------------------------------------------------------------------------
def _weights_plan(group, model, source):
    """``[(variable, array)]`` from a ``layer_names`` / ``weight_names`` group, all checked."""
    layer_names = _attr_list(group.attrs.get("layer_names"))
    by_name = {lay.name: lay for lay in model.layers}
    with_weights = [n for n in layer_names
                    if _attr_list(group[n].attrs.get("weight_names")) if n in group]
    model_with = [lay for lay in model.layers if lay.weights]
    plan = []
    missing = [lay.name for lay in model_with if lay.name not in with_weights]
    if missing:
        if len(with_weights) == len(model_with):  # Keras 2 names differ: match by order
            pairs = list(zip(with_weights, model_with))
        else:
            raise ValueError(f"{source}: the file has weights for layers {with_weights}, the "
                             f"model's layers with weights are {[x.name for x in model_with]} "
                             f"(missing: {missing})")
    else:
        pairs = [(n, by_name[n]) for n in with_weights if n in by_name]
        extra = [n for n in with_weights if n not in by_name]
        if extra:
            raise ValueError(f"{source}: the file has weights for layers {extra} that the model "
                             f"does not have")
    for fname, layer in pairs:
        g = group[fname]
        names = _attr_list(g.attrs.get("weight_names"))
        if len(names) != len(layer.weights):
            raise ValueError(f"{source}: layer {layer.name!r} expects {len(layer.weights)} "
                             f"weights, the file holds {len(names)} ({names})")
        for w, n in zip(layer.weights, names):
            try:
                a = np.asarray(g[n][()])
            except (KeyError, OSError) as e:
                raise ValueError(f"{source}: weight {n!r} of layer {layer.name!r} is missing or "
                                 f"unreadable ({e})") from None
            if tuple(a.shape) != tuple(w.value.shape):
                raise ValueError(f"{source}: weight {n!r} of layer {layer.name!r} has shape "
                                 f"{tuple(a.shape)}, the model expects {tuple(w.value.shape)}")
            plan.append((w, a))
    return plan


def _assign(plan):
    for w, a in plan:
        w.assign(a.astype(w.value.dtype, copy=False))


def load_legacy_h5(filepath, custom_objects=None, compile=True):
    """Rebuild a model from a legacy ``.h5`` file (Keras 3, tf.keras 2.x or pyfapi).

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a readable HDF5 file (truncated / corrupt), no ``model_config``
            (a weights-only file: build the model and call ``load_weights``), weights that do not
            match the architecture (nothing assigned).
    """
    from pyfapi.saving.keras_archive import _model_from_config
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No file at {filepath!r}")
    with open_h5(filepath, filepath) as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError(f"No model config found in the file at {filepath}. (A weights-only "
                             f".h5: build the model and call model.load_weights.)")
        try:
            model_config = json.loads(_attr_str(raw))
        except ValueError as e:
            raise ValueError(f"{filepath}: model_config is not valid JSON ({e})") from None
        if _is_keras2(f, model_config):
            model_config = keras2_to_keras3_config(model_config)
        model = _model_from_config(model_config, custom_objects)
        group = f["model_weights"] if "model_weights" in f else f
        plan = _weights_plan(group, model, filepath)
        tc = f.attrs.get("training_config")
        tc = json.loads(_attr_str(tc)) if tc is not None else None
        opt_state = _read_optimizer_weights(f, filepath) if compile and tc else None
    _assign(plan)
    if compile and tc:
        _compile_from_training_config(model, tc, custom_objects)
        if opt_state is not None and getattr(model, "optimizer", None) is not None:
            _restore_optimizer(model, opt_state, filepath)
    return model


def _read_optimizer_weights(f, source):
    """``[(name, array)]`` of the file's ``optimizer_weights`` group in ``weight_names`` order,
    or None (no group, or unreadable: a warning)."""
    if "optimizer_weights" not in f:
        return None
    g = f["optimizer_weights"]
    try:
        names = _attr_list(g.attrs.get("weight_names"))
        return [(n, np.asarray(g[n][()])) for n in names]
    except (KeyError, OSError, ValueError) as e:
        warnings.warn(f"{source}: the optimizer state could not be read ({e}); the optimizer "
                      f"starts afresh.", stacklevel=4)
        return None


def _restore_optimizer(model, entries, source):
    """Keras 3's ``optimizer.build(trainable_variables)`` then ``set_weights`` in order; a state
    of another layout (e.g. tf.keras 2's, without the learning rate) or of other shapes leaves a
    fresh optimizer, with a warning, as Keras."""
    opt = model.optimizer
    opt.build(model.trainable_variables)
    variables = opt.variables
    ok = len(variables) == len(entries) and all(
        tuple(v.value.shape) == tuple(a.shape) for v, (_, a) in zip(variables, entries))
    if not ok and _restore_tf_keras2_optimizer(model, entries):
        return
    if not ok:
        warnings.warn(f"{source}: the saved optimizer state ({len(entries)} variables) does not "
                      f"match the optimizer's ({len(variables)}: {type(opt).__name__} of this "
                      f"model); the optimizer starts afresh.", stacklevel=4)
        return
    for v, (_, a) in zip(variables, entries):
        v.value[...] = a.astype(v.value.dtype, copy=False)
        v._version += 1


def load_weights_legacy(model, filepath):
    """Weights from a legacy ``.h5`` (a full model file or Keras 2's ``save_weights`` file) into
    ``model``, matched by layer name (by order when the names differ and the counts agree).

    Raises:
        ValueError: unreadable file, or weights that do not match (nothing assigned).
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file at {filepath!r}")
    with open_h5(filepath, filepath) as f:
        group = f["model_weights"] if "model_weights" in f else f
        if "layer_names" not in group.attrs:
            raise ValueError(f"{filepath} is not a Keras legacy .h5 weights file (no "
                             f"layer_names attribute)")
        plan = _weights_plan(group, model, filepath)
    _assign(plan)


#: tf.keras 2.11+ slot names that differ from Keras 3's (per optimizer class)
_K2_SLOT_ALIAS = {"Adam": {"momentum": "m", "velocity": "v", "velocity_hat": "vhat"},
                  "AdamW": {"momentum": "m", "velocity": "v", "velocity_hat": "vhat"},
                  "SGD": {"momentum": "m"}}


def _restore_tf_keras2_optimizer(model, entries) -> bool:
    """The state of a tf.keras 2.11+ optimizer (``iteration:0`` and
    ``"<Optimizer>/<slot>/<variable path>:0"``, no learning-rate variable) matched by variable
    path and slot name; True when every slot of every trainable variable was found with its shape
    (then assigned, with the iteration count), else False and nothing assigned."""
    opt = model.optimizer
    by_name = {n[:-2] if n.endswith(":0") else n: a for n, a in entries}
    if "iteration" not in by_name:
        return False
    cls = type(opt).__name__
    alias = _K2_SLOT_ALIAS.get(cls, {})
    prefixes = {str(n).split("/", 1)[0] for n in by_name if "/" in n}
    plan = []
    for var in model.trainable_variables:
        slots = opt._slots.get(id(var))
        if slots is None:
            return False
        for slot_name, sv in zip(opt._slot_names_for(var), slots):
            # Keras 2 names a slot after the weight's own scope ("dense/kernel"), without the
            # scopes of enclosing models that Keras 3 paths carry: longest suffix that matches
            parts = var.path.split("/")
            found = []
            for i in range(len(parts) - 1):
                key = f"{alias.get(slot_name, slot_name)}/{'/'.join(parts[i:])}"
                found = [by_name[f"{p}/{key}"] for p in prefixes if f"{p}/{key}" in by_name]
                if found:
                    break
            if len(found) != 1 or tuple(found[0].shape) != tuple(sv.value.shape):
                return False
            plan.append((sv, found[0]))
    if len(plan) + 1 != len(entries):
        return False
    plan.append((opt.iterations, by_name["iteration"]))
    for v, a in plan:
        v.value[...] = np.asarray(a).astype(v.value.dtype, copy=False)
        v._version += 1
    return True
