"""Finding and safely reading Keras's dataset files (shared by the loaders).

:func:`locate` resolves a loader's ``path`` argument: an existing path is used as given; a name
is looked up in the cache folder of :func:`pyfapi.utils.get_file` (``$PYFAPI_HOME``,
``$KERAS_HOME`` or ``~/.keras``, then ``datasets/``), so files Keras downloaded are found as they
are; otherwise the file is downloaded from Keras's origin with its hash checked (a clear
``ConnectionError`` when offline). :func:`load_npz` reads ``.npz`` files without
``allow_pickle=True``: object arrays (IMDB / Reuters sequences) go through an unpickler that only
rebuilds numpy arrays (the safeguard Keras 3.15 uses), so a crafted file cannot run code.
"""
from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np

from pyfapi.utils.file_utils import cache_home, get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

_ALLOWED = frozenset({("numpy", "ndarray"), ("numpy", "dtype"),
                      ("numpy.core.multiarray", "_reconstruct"),
                      ("numpy._core.multiarray", "_reconstruct")})


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"Refusing to deserialize `{module}.{name}` while loading a "
                                     f"dataset. The file may be corrupted or malicious.")


def restricted_pickle_load(f, **kwargs):
    """``pickle.load`` allowing only numpy array reconstruction (and plain Python containers)."""
    return _RestrictedUnpickler(f, **kwargs).load()


def _npy(fp):
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:
        fp.seek(0)
        version = np.lib.format.read_magic(fp)
        if version[0] == 1:
            np.lib.format.read_array_header_1_0(fp)
        elif version[0] in (2, 3):
            np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"unsupported .npy version {version}") from None
        return _RestrictedUnpickler(fp).load()


def load_npz(path, keys, loader):
    """The arrays ``keys`` of the ``.npz`` at ``path``.

    Raises:
        ValueError: not a readable ``.npz``, a missing key, or a refused pickle (naming the file
            and the loader).
    """
    out = {}
    try:
        with zipfile.ZipFile(path) as z:
            names = {n[:-4]: n for n in z.namelist() if n.endswith(".npy")}
            for k in keys:
                if k not in names:
                    raise ValueError(f"{loader}: {path} has no array {k!r} (found "
                                     f"{sorted(names)}); expected Keras's layout with {list(keys)}")
                with z.open(names[k]) as raw:
                    out[k] = _npy(io.BytesIO(raw.read()))
    except (zipfile.BadZipFile, OSError, EOFError, pickle.UnpicklingError) as e:
        raise ValueError(f"{loader}: {path} is not a readable .npz in Keras's layout ({e})") \
            from None
    return out


def locate(path, origin_name, file_hash, loader, extract=False):
    """The local path of a dataset file or folder (see the module docstring).

    Args:
        path: a bare name (looked up in the cache, else downloaded as Keras) or a path with a
            folder part / absolute (used as given; must exist).
        origin_name: the file name under Keras's origin URL.
        file_hash: Keras's sha256 of the download (checked on download).
        extract: the download is an archive to extract (the extraction folder is returned).

    Raises:
        FileNotFoundError: an explicit path that does not exist.
        ConnectionError: the file is neither cached nor downloadable (offline).
    """
    p = os.path.expanduser(os.fspath(path))
    if os.path.isabs(p) or os.sep in p:
        if not os.path.exists(p):
            raise FileNotFoundError(f"{loader}: no file or folder at {p}")
        return p
    cached = os.path.join(cache_home(), "datasets", p)
    if os.path.exists(cached):
        return cached  # placed by hand or downloaded before: trusted as Keras's cache is
    origin = origin_name if "://" in origin_name else ORIGIN + origin_name
    return get_file(fname=p, origin=origin, file_hash=file_hash, extract=extract)


def shuffle_split(x, y, test_split, seed, loader):
    """Keras's ``RandomState(seed)`` shuffle, then the first ``1 - test_split`` for training."""
    if not 0 <= test_split < 1:
        raise ValueError(f"{loader}: test_split must be in [0, 1), received {test_split}")
    rng = np.random.RandomState(seed)
    idx = np.arange(len(x))
    rng.shuffle(idx)
    x, y = x[idx], y[idx]
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))
