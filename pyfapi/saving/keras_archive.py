"""``.keras``-style model archives: ``model.save(path)`` / ``pyfapi.models.load_model(path)``.

The archive is a zip (as Keras 3's) holding:

* ``metadata.json``: format and library versions, save date;
* ``config.json``: ``{"module", "class_name", "config": model.get_config(),
  "compile_config": model.get_compile_config()}``;
* ``model.weights.h5``: the weights in the layout of :mod:`pyfapi.saving.weights_h5`, plus
  ``optimizer/vars/i`` with the optimizer's variables (iterations, learning rate, slots), so a
  loaded model predicts identically and resumes training where it stopped.

The zip is written to a temporary file in the target directory and renamed into place. Loading
reads and checks everything (config, every weight shape, optimizer variable count and shapes)
before assigning any value.
"""
from __future__ import annotations

import datetime
import io
import json
import os
import zipfile

import numpy as np

from pyfapi.saving.weights_h5 import (_h5py, assign_optimizer_plan, assign_plan, atomic_write,
                                      optimizer_plan, read_optimizer_arrays, read_weights_group,
                                      write_optimizer_group, write_weights_group)

__all__ = ["save_model", "load_model", "load_weights_from_archive"]

_CONFIG = "config.json"
_METADATA = "metadata.json"
_WEIGHTS = "model.weights.h5"


def _class_name(model):
    """Keras 3's class name of a model: ``Functional`` for the functional Model class,
    ``Sequential``, else the class's own name (saving needs only the Layer interface: the
    model classes are looked up in the layer registry, never imported here)."""
    return type(model).__dict__.get("_keras_class_name") or type(model).__name__


def save_model(model, filepath, overwrite=True):
    """Write ``model`` to a ``.keras`` archive at ``filepath`` (atomically).

    Raises:
        ValueError: the path does not end in ``.keras``; the model is not built.
        FileExistsError: ``overwrite=False`` and the file exists.
    """
    from pyfapi import __version__
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(f"Invalid filepath extension for saving. Please add the `.keras` "
                         f"extension. Received: filepath={filepath}")
    cls = type(model)
    user_class = not cls.__module__.startswith("pyfapi.")
    config = {
        # Keras 3's module names, so keras.saving.load_model can read pyfapi archives
        "module": cls.__module__ if user_class else
        "keras.src.models.functional" if _class_name(model) == "Functional" else "keras",
        "class_name": _class_name(model),
        "config": _model_config(model),
        "registered_name": cls.__name__ if user_class else None,
        "compile_config": model.get_compile_config() if getattr(model, "compiled", False)
        else None,
    }
    build_config = model.get_build_config() if hasattr(model, "get_build_config") else None
    if build_config is not None:
        config["build_config"] = build_config
    config_json = json.dumps(config, default=_json_default)
    metadata = json.dumps({"format": "pyfapi.keras/1", "pyfapi_version": __version__,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    h5py = _h5py()
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        write_weights_group(f, model)
        write_optimizer_group(f, model)
    weights_bytes = buf.getvalue()

    assets = _collect_assets(model)

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr(_METADATA, metadata)
            z.writestr(_CONFIG, config_json)
            z.writestr(_WEIGHTS, weights_bytes)
            for name, data in assets:
                z.writestr(name, data)
    atomic_write(filepath, write, overwrite=overwrite)


def _collect_assets(model):
    """``[(zip name, bytes)]`` of the layers' ``save_assets(dir)`` files, under
    ``assets/<layer key path>/`` as Keras 3 writes them (e.g. a vocabulary.txt)."""
    import tempfile

    from pyfapi.saving.weights_h5 import collect_layers
    out = []
    for path, layer, _ in collect_layers(model):
        save = getattr(layer, "save_assets", None)
        if save is None:
            continue
        with tempfile.TemporaryDirectory() as d:
            save(d)
            for fname in sorted(os.listdir(d)):
                with open(os.path.join(d, fname), "rb") as f:
                    out.append((f"assets/{path}/{fname}", f.read()))
    return out


def _load_assets(model, filepath):
    """Call ``load_assets(dir)`` of each layer that has one with its ``assets/<path>/`` files."""
    import tempfile

    from pyfapi.saving.weights_h5 import collect_layers
    targets = [(p, l) for p, l, _ in collect_layers(model) if hasattr(l, "load_assets")]
    if not targets:
        return
    with zipfile.ZipFile(filepath, "r") as z:
        names = z.namelist()
        for path, layer in targets:
            prefix = f"assets/{path}/"
            files = [n for n in names if n.startswith(prefix) and "/" not in n[len(prefix):]]
            if not files:
                continue
            with tempfile.TemporaryDirectory() as d:
                for n in files:
                    with open(os.path.join(d, n[len(prefix):]), "wb") as f:
                        f.write(z.read(n))
                layer.load_assets(d)
def _model_config(model):
    """``model.get_config()``; a user class that cannot be configured fails here, at save time,
    naming the class (instead of writing an archive that cannot be loaded)."""
    try:
        return model.get_config()
    except NotImplementedError as e:
        raise NotImplementedError(
            f"Cannot save model {model.name!r} of class {type(model).__name__} to a .keras "
            f"archive: {e}") from e


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable (in the model "
                    f"config)")


def _read_archive(filepath):
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No model file at {filepath!r}")
    source = f"model archive {filepath!r}"
    try:
        with zipfile.ZipFile(filepath, "r") as z:
            names = set(z.namelist())
            missing = [n for n in (_CONFIG, _WEIGHTS) if n not in names]
            if missing:
                raise ValueError(f"{source} is not a valid .keras archive: missing {missing}")
            config = json.loads(z.read(_CONFIG).decode("utf-8"))
            weights = z.read(_WEIGHTS)
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as e:
        raise ValueError(f"{source} is not a readable .keras archive (truncated or corrupt?): "
                         f"{e}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{source}: config.json is not valid JSON ({e})") from None
    return source, config, weights


def _open_weights(weights_bytes, source):
    h5py = _h5py()
    try:
        return h5py.File(io.BytesIO(weights_bytes), "r")
    except (OSError, ValueError) as e:
        raise ValueError(f"{source}: model.weights.h5 is not readable ({e})") from None


def load_weights_from_archive(model, filepath, skip_mismatch=False):
    """Load only the weights of a ``.keras`` archive into an existing model."""
    source, _, weights = _read_archive(filepath)
    with _open_weights(weights, source) as f:
        plan = read_weights_group(f, model, source, skip_mismatch=skip_mismatch)
        opt_plan = optimizer_plan(model, read_optimizer_arrays(f, source), source)
    assign_plan(plan)
    assign_optimizer_plan(opt_plan)


def _model_from_config(config, custom_objects):
    from pyfapi.layers.base import get_layer_class
    cls_name = config.get("class_name")
    cfg = config.get("config")
    if cls_name == "Model":
        cls_name = "Functional"
    try:
        cls = get_layer_class(cls_name, custom_objects)
    except ValueError:
        raise ValueError(f"Unknown model class {cls_name!r} in the archive; pass it in "
                         f"custom_objects={{{cls_name!r}: cls}}") from None
    try:
        try:
            model = cls.from_config(cfg, custom_objects=custom_objects) if custom_objects else \
                cls.from_config(cfg)
        except TypeError as first:
            if "custom_objects" not in str(first):
                raise
            model = cls.from_config(cfg)
    except TypeError as e:
        raise TypeError(
            f"Unable to revive model from config: {cls.__name__}.from_config(config) failed with "
            f"{e}. When overriding `get_config()`, return every argument of `__init__` (or define "
            f"a `from_config(cls, config)` classmethod). Received config={cfg!r}") from e
    build_config = config.get("build_config")
    if build_config and not getattr(model, "built", True):
        model.build_from_config(build_config)
    return model


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model saved by ``model.save(path)``: architecture, weights and (with
    ``compile=True``) the compile configuration and optimizer state.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a ``.keras`` archive, truncated/corrupt, or weights/optimizer state that do
            not match the architecture (nothing is assigned in that case).
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(f"load_model expects a `.keras` archive, received {filepath!r} (use "
                         f"model.load_weights for `.weights.h5` files)")
    source, config, weights = _read_archive(filepath)
    model = _model_from_config(config, custom_objects)
    compile_config = config.get("compile_config")
    with _open_weights(weights, source) as f:
        plan = read_weights_group(f, model, source)
        opt_arrays = read_optimizer_arrays(f, source)
    opt_plan = []
    if compile and compile_config:
        model.compile_from_config(compile_config, custom_objects)
        if opt_arrays is not None:
            opt = model.optimizer
            if len(opt_arrays) > len(opt.variables):  # saved after training: slots to fill
                opt.build(model._tstate().train_vars or list(model.trainable_weights))
            # as Keras: another variable count is skipped with a warning, a shape is an error
            opt_plan = optimizer_plan(model, opt_arrays, source)
    assign_plan(plan)
    _load_assets(model, filepath)
    for v, a in opt_plan:
        v.assign(a.astype(v.value.dtype, copy=False))
    return model
