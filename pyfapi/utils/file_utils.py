"""``get_file`` as ``keras.utils.get_file``: download once into a cache, check a hash, extract.

Cache directory: ``cache_dir`` if given, else ``$PYFAPI_HOME``, else ``$KERAS_HOME``, else
``~/.keras`` (Keras's), with ``cache_subdir`` (``"datasets"``) below it; if that is not
writable, ``/tmp/.keras``. Downloads go to a temporary file in the same folder, are checked
against ``file_hash``, and are renamed into place only when complete, so an interrupted or
corrupt download never leaves a file that a later call would trust. Archives are extracted the
same way (into a temporary folder renamed when done).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

__all__ = ["get_file", "validate_file", "cache_home"]


def cache_home():
    """``$PYFAPI_HOME``, else ``$KERAS_HOME``, else ``~/.keras``."""
    return (os.environ.get("PYFAPI_HOME") or os.environ.get("KERAS_HOME")
            or os.path.join(os.path.expanduser("~"), ".keras"))


def _hasher(algorithm, file_hash=None):
    if algorithm == "sha256":
        return hashlib.sha256()
    if algorithm == "md5":
        return hashlib.md5()
    if algorithm == "auto":
        return hashlib.sha256() if file_hash is not None and len(file_hash) == 64 else \
            hashlib.md5()
    raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5', received {algorithm!r}")


def _hash_file(fpath, algorithm="sha256", file_hash=None, chunk_size=65535):
    h = _hasher(algorithm, file_hash)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """True when the file's sha256 (64 hex digits, or ``algorithm='sha256'``) or md5 equals
    ``file_hash``."""
    return _hash_file(fpath, algorithm, file_hash, chunk_size) == str(file_hash)


def _archive_kind(path, archive_format):
    if archive_format is None:
        return None
    kinds = {"auto": ["tar", "zip"], "tar": ["tar"], "zip": ["zip"]}
    if isinstance(archive_format, str):
        if archive_format not in kinds:
            raise ValueError(f"archive_format must be 'auto', 'tar', 'zip' or None, received "
                             f"{archive_format!r}")
        archive_format = kinds[archive_format]
    for kind in archive_format:
        if kind == "tar" and tarfile.is_tarfile(path):
            return "tar"
        if kind == "zip" and zipfile.is_zipfile(path):
            return "zip"
    return None


def _safe_members(root, names):
    root = os.path.realpath(root)
    for name in names:
        target = os.path.realpath(os.path.join(root, name))
        if os.path.commonpath([root, target]) != root:
            raise ValueError(f"get_file: archive member {name!r} would be written outside "
                             f"{root}; refusing to extract")


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar / zip archive into ``path`` atomically; True if something was extracted.

    Raises:
        ValueError: a member that would land outside ``path``.
    """
    kind = _archive_kind(file_path, archive_format)
    if kind is None:
        return False
    parent = os.path.dirname(os.path.abspath(path)) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".extract-", dir=parent)
    try:
        if kind == "tar":
            with tarfile.open(file_path) as t:
                _safe_members(tmp, t.getnames())
                try:
                    t.extractall(tmp, filter="data")
                except TypeError:  # Python without extraction filters
                    t.extractall(tmp)  # noqa: S202 - members checked above
        else:
            with zipfile.ZipFile(file_path) as z:
                _safe_members(tmp, z.namelist())
                z.extractall(tmp)
        if os.path.exists(path):
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return True


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Download ``origin`` unless already cached; return the local path (Keras 3 semantics).

    Args:
        fname: file name in the cache (default: the last part of the URL's path). Paths are
            refused, as Keras 3 does.
        origin: the URL (``http(s)://``, ``file://``).
        untar: legacy; same as ``extract=True`` with ``archive_format="tar"``.
        md5_hash: legacy; same as ``file_hash`` with ``hash_algorithm="md5"``.
        file_hash: expected sha256 or md5 hex digest; a cached file that does not match is
            downloaded again, a download that does not match is an error (and is not kept).
        cache_subdir: folder below the cache directory (an absolute path is used as is).
        hash_algorithm: ``"auto"`` (sha256 for 64 hex digits, else md5), ``"sha256"``,
            ``"md5"``.
        extract: extract a tar / zip archive; the return value is then the extraction folder
            (``<name>_extracted`` when ``fname`` has an extension, as Keras 3).
        archive_format: ``"auto"``, ``"tar"``, ``"zip"`` or a list of those.
        cache_dir: cache directory (default :func:`cache_home`).
        force_download: download even if cached.

    Returns:
        Path of the downloaded file, or of the extraction folder.

    Raises:
        ValueError: no ``origin``, a path as ``fname``, a hash mismatch after download.
        ConnectionError: the download failed (offline, refused, HTTP error); the message names
            the URL and the path where the file can be placed by hand.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if cache_dir is None:
        cache_dir = cache_home()
    if md5_hash is not None and file_hash is None:
        file_hash = md5_hash
        hash_algorithm = "md5"
    datadir_base = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(datadir_base, exist_ok=True)
    except OSError:
        pass
    if not os.access(datadir_base, os.W_OK):
        datadir_base = os.path.join(tempfile.gettempdir(), ".keras")
    datadir = os.path.join(datadir_base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    provided = fname
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. "
                             f"Please specify the `fname` argument.")
    elif os.sep in fname:
        raise ValueError(f"Paths are no longer accepted as the `fname` argument. To specify the "
                         f"file's parent directory, use the `cache_dir` argument. Received: "
                         f"fname={fname}")
    if extract or untar:
        if provided and "." in fname:
            target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            target = os.path.join(datadir, f"{fname}_archive")
    else:
        target = os.path.join(datadir, fname)

    download = True
    if not force_download and os.path.exists(target):
        download = False
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            print(f"A local file was found, but it seems to be incomplete or outdated because "
                  f"the {hash_algorithm} file hash does not match the original value of "
                  f"{file_hash} so we will re-download the data.")
            download = True
    if download:
        print(f"Downloading data from {origin}")
        fd, tmp = tempfile.mkstemp(prefix=f".{fname}.", suffix=".part", dir=datadir)
        os.close(fd)
        try:
            try:
                with urllib.request.urlopen(origin, timeout=60) as r, open(tmp, "wb") as f:
                    shutil.copyfileobj(r, f, 1 << 20)
            except urllib.error.HTTPError as e:
                raise ConnectionError(
                    f"URL fetch failure on {origin}: HTTP {e.code} {e.msg}") from None
            except (urllib.error.URLError, OSError) as e:
                reason = getattr(e, "reason", e)
                raise ConnectionError(
                    f"URL fetch failure on {origin}: {reason}. If this machine is offline, "
                    f"download the file elsewhere and place it at {target}") from None
            if file_hash is not None and not validate_file(tmp, file_hash, hash_algorithm):
                raise ValueError(f"Incomplete or corrupted file detected. The {hash_algorithm} "
                                 f"file hash does not match the provided value of {file_hash}.")
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
    if extract or untar:
        fmt = "tar" if untar else archive_format
        if download or not os.path.exists(extraction_dir):
            if not extract_archive(target, extraction_dir, fmt):
                import warnings
                warnings.warn("Could not extract archive.", stacklevel=2)
        return extraction_dir
    return target
