"""MNIST from a local ``mnist.npz`` file in Keras's layout (pyfapi never downloads anything).

Keras's ``keras.datasets.mnist.load_data()`` downloads ``mnist.npz`` into ``~/.keras/datasets/``.
pyfapi reads the same file from disk: copy an existing ``mnist.npz`` (from a Keras cache or any
source with the same layout) to one of the places :func:`load_data` looks in.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["load_data", "search_paths"]

_KEYS = ("x_train", "y_train", "x_test", "y_test")


def search_paths(path: str | os.PathLike = "mnist.npz") -> list[Path]:
    """Where :func:`load_data` looks for ``path``, in order.

    1. ``path`` itself (``~`` expanded; relative to the current directory when not absolute);
    2. if ``path`` is relative: ``$KERAS_HOME/datasets/<path>`` when ``KERAS_HOME`` is set, then
       ``~/.keras/datasets/<path>`` (the Keras download cache).
    """
    p = Path(os.path.expanduser(os.fspath(path)))
    candidates = [p]
    if not p.is_absolute():
        if os.environ.get("KERAS_HOME"):
            candidates.append(Path(os.environ["KERAS_HOME"]).expanduser() / "datasets" / p)
        candidates.append(Path.home() / ".keras" / "datasets" / p)
    return candidates


def _malformed(file: Path, why: str) -> ValueError:
    return ValueError(
        f"pyfapi.datasets.mnist.load_data: {file} is not an MNIST file in Keras's layout: {why}. "
        "Expected an .npz with arrays x_train (n, 28, 28) uint8, y_train (n,), x_test (m, 28, 28) "
        "uint8, y_test (m,) integer labels 0..9")


def load_data(path: str | os.PathLike = "mnist.npz"):
    """Load MNIST from a local ``mnist.npz`` (Keras layout); there is no download.

    Args:
        path: file name or path of the ``.npz``. A relative name is looked up as described in
            :func:`search_paths` (the current directory, ``$KERAS_HOME/datasets``,
            ``~/.keras/datasets``), so a Keras cache is found as is.

    Returns:
        ``((x_train, y_train), (x_test, y_test))`` exactly as stored (Keras: uint8 images
        ``(60000, 28, 28)`` / ``(10000, 28, 28)`` with values 0..255 and uint8 labels 0..9).
        Image arrays must be 3-D ``(n, h, w)`` of an integer or float dtype; labels 1-D integers of
        the same length; any sizes are accepted (so a small subset file works).

    Raises:
        FileNotFoundError: no file at any searched place; the message lists them and says where to
            put a copy of ``mnist.npz``.
        ValueError: the file is not a readable ``.npz``, lacks one of the keys ``x_train``,
            ``y_train``, ``x_test``, ``y_test``, or holds arrays of the wrong rank, dtype or length.
    """
    candidates = search_paths(path)
    file = next((c for c in candidates if c.is_file()), None)
    if file is None:
        looked = "\n".join(f"  - {c}" for c in candidates)
        raise FileNotFoundError(
            f"pyfapi.datasets.mnist.load_data: no MNIST file {os.fspath(path)!r} found. pyfapi does "
            f"not download data sets; looked in:\n{looked}\n"
            "Put a copy of Keras's mnist.npz (keys x_train, y_train, x_test, y_test) at "
            f"{Path.home() / '.keras' / 'datasets' / 'mnist.npz'} or pass its path: "
            "load_data(path='/path/to/mnist.npz'). The bundled offline alternative is "
            "pyfapi.datasets.digits.load_data().")
    # The file handle is ours so that it is closed on every path (np.load leaks it on errors).
    with open(file, "rb") as fh:
        try:
            loaded = np.load(fh, allow_pickle=False)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            # ValueError: neither .npy nor .npz (np.load would need pickle);
            # OSError/BadZipFile: a truncated or damaged archive.
            raise _malformed(file, f"not a readable .npz archive ({e})") from e
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise _malformed(file,
                             f"it holds a single {type(loaded).__name__}, not an .npz archive")
        try:
            with loaded as npz:
                missing = [k for k in _KEYS if k not in npz.files]
                if missing:
                    raise _malformed(file, f"missing key(s) {missing}, found {sorted(npz.files)}")
                arrays = {k: npz[k] for k in _KEYS}
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise _malformed(file, f"not a readable .npz archive ({e})") from e
        except ValueError as e:
            if str(e).startswith("pyfapi."):
                raise
            # an object (pickled) array inside the archive
            raise _malformed(file, f"could not be read as an .npz of plain arrays ({e})") from e
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or not (np.issubdtype(x.dtype, np.integer)
                               or np.issubdtype(x.dtype, np.floating)):
            raise _malformed(file, f"x_{split} has shape {x.shape} and dtype {x.dtype}, expected a "
                                   "3-D (n, height, width) numeric array")
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise _malformed(file, f"y_{split} has shape {y.shape} and dtype {y.dtype}, expected a "
                                   "1-D integer array")
        if len(x) != len(y):
            raise _malformed(file, f"x_{split} has {len(x)} images but y_{split} has {len(y)} "
                                   "labels")
    if arrays["x_train"].shape[1:] != arrays["x_test"].shape[1:]:
        raise _malformed(file, f"x_train images are {arrays['x_train'].shape[1:]} but x_test "
                               f"images are {arrays['x_test'].shape[1:]}")
    return ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]))
