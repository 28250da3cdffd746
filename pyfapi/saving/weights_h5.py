"""HDF5 weights files (``.weights.h5``) in Keras 3's layout, via h5py.

Layout (as Keras 3's ``saving_lib``)::

    /layers/<key>/vars/0, 1, ...              weights of a layer, in ``layer.weights`` order
    /layers/lstm/cell/vars/0, 1, 2            an LSTM's weights (Keras keeps them in its cell;
                                              /layers/lstm/vars is then empty). Read: both.
    /layers/<key>/layers/<key>/vars/i         a nested model's layers
    /optimizer/vars/0, 1, ...                 optimizer variables (``.keras`` archives only)

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
           "collect_layers", "atomic_write"]

FORMAT = "pyfapi.weights.h5/1"


def _h5py():
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - declared dependency
        raise ImportError("saving weights needs h5py (`pip install h5py`)") from e
    return h5py


def _is_model(layer):
    from pyfapi.training.trainer import Trainer
    return isinstance(layer, Trainer) and hasattr(layer, "layers")


def _snake_class(layer):
    import re
    if _is_model(layer):
        from pyfapi.models import Sequential
        name = "Sequential" if isinstance(layer, Sequential) else (
            "Functional" if type(layer).__name__ == "Model" else type(layer).__name__)
    else:
        name = type(layer).__name__
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def collect_layers(model, prefix="layers"):
    """``[(h5 path, layer)]`` for every layer, recursing into nested models (Keras 3 keys)."""
    out = []
    used = {}
    for layer in model.layers:
        key = _snake_class(layer)
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        path = f"{prefix}/{key}"
        if _is_model(layer):
            out.extend(collect_layers(layer, f"{path}/layers"))
        else:
            out.append((path, layer))
    return out


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
    h5file.create_group("layers")
    if "vars" not in h5file:
        h5file.create_group("vars")  # the model's own (empty) vars group, as Keras writes it
    for path, layer in collect_layers(model):
        grp = h5file.require_group(path)
        grp.attrs["name"] = layer.name
        g = grp.create_group("vars")
        groups = _weight_groups(layer)
        if groups is not None:  # wrappers: one group per wrapped layer, as Keras
            for rel, weights in groups:
                sg = grp.require_group(rel).require_group("vars")
                for i, w in enumerate(weights):
                    sg.create_dataset(str(i), data=np.asarray(getattr(w, "value", w)))
            continue
        sub = _weights_subgroup(layer)
        if sub is not None:  # Keras keeps a recurrent layer's weights in its cell
            g = grp.create_group(sub).create_group("vars")
        for i, w in enumerate(layer.weights):
            g.create_dataset(str(i), data=np.asarray(getattr(w, "value", w)))


#: layers whose Keras 3 implementation owns its weights through a sub-object: the weights are
#: written to ``<key>/<sub>/vars`` (``lstm/cell/vars/0..2``) and an empty ``<key>/vars``.
_SUBGROUP_BY_CLASS = {"LSTM": "cell", "GRU": "cell", "SimpleRNN": "cell"}


def _weight_groups(layer):
    """``[(relative group, weights)]`` for wrapper layers whose Keras 3 files keep each wrapped
    layer's weights in its own group (``bidirectional/forward_layer/cell/vars``,
    ``time_distributed/layer/vars``), from the layer's ``_h5_weight_groups()``; else None."""
    fn = getattr(layer, "_h5_weight_groups", None)
    if fn is None:
        return None
    out = []
    for rel, sub in fn():
        inner = _weights_subgroup(sub)
        out.append((f"{rel}/{inner}" if inner else rel, sub.weights))
    return out


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
    if "layers" not in h5file:
        raise ValueError(f"{source} is not a pyfapi/Keras weights file: it has no 'layers' group "
                         f"(top-level keys: {sorted(h5file.keys())})")
    plan = []
    seen = set()
    for path, layer in collect_layers(model):
        weights = layer.weights
        grp = h5file.get(path)
        seen.add(path)
        if grp is None or not _layer_datasets(grp):
            if not weights:
                continue
            have = sorted(h5file["layers"].keys())
            raise ValueError(
                f"Layer {layer.name!r} (with {len(weights)} weights, stored as {path!r}) is not "
                f"in {source}; the file has layers {have}. The file was saved from a different "
                f"architecture.")
        vars_ = _grouped_datasets(grp, layer)
        if vars_ is None:
            vars_ = _layer_datasets(grp)
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
            sub = grp[name]
            p = f"{prefix}/{name}"
            if "layers" in sub and "vars" not in sub:
                visit(f"{p}/layers", sub["layers"])
            elif p not in seen and _layer_datasets(sub):
                extra.append(name)
    visit("layers", h5file["layers"])
    if extra and not skip_mismatch:
        raise ValueError(f"{source} holds weights for layers {extra} that the model does not have. "
                         f"The file was saved from a different architecture.")
    return plan


def _grouped_datasets(grp, layer):
    """A wrapper layer's arrays read group by group in weight order (None: not a wrapper, or a
    file written with all its weights in one group)."""
    groups = _weight_groups(layer)
    if groups is None or not all(rel in grp for rel, _ in groups):
        return None
    out = []
    for rel, _ in groups:
        v = grp[rel].get("vars")
        if v is not None:
            out.extend(v.get(str(i)) for i in range(len(v)))
    return out


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


def assign_plan(plan):
    """Assigns each ``(weight, array)`` pair of ``plan``, casting the array to the weight's dtype.
    """
    for w, arr in plan:
        w.assign(arr.astype(w.value.dtype, copy=False))


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
    atomic_write(filepath, write, overwrite=overwrite)


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
    assign_plan(plan)
