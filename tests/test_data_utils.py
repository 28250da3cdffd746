"""pyfapi.utils data helpers: pad_sequences and split_dataset against Keras 3 (JAX backend),
timeseries_dataset_from_array against an independent loop, normalize, get_file against an HTTP
server on loopback (cache, hash, extraction, atomic writes, offline error)."""
import hashlib
import http.server
import io
import os
import tarfile
import threading
import zipfile

import numpy as np
import pytest
from keras_jax import keras_or_skip

import pyfapi
from pyfapi import layers
from pyfapi.utils import (get_file, normalize, pad_sequences, split_dataset,
                          timeseries_dataset_from_array)


# ---- pad_sequences ----------------------------------------------------------------------------
PAD_CASES = [
    dict(),
    dict(maxlen=2),
    dict(maxlen=5, padding="post"),
    dict(maxlen=2, truncating="post"),
    dict(maxlen=3, padding="post", truncating="post", value=-1),
    dict(dtype="float32", value=0.5),
]


@pytest.mark.parametrize("kw", PAD_CASES)
def test_pad_sequences_matches_keras(kw):
    keras = keras_or_skip()
    seqs = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9], [10, 11]]
    got = pad_sequences(seqs, **kw)
    want = keras.utils.pad_sequences(seqs, **kw)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_pad_sequences_by_hand():
    seqs = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]
    assert pad_sequences(seqs, maxlen=3).tolist() == [[1, 2, 3], [0, 0, 4], [0, 0, 0], [7, 8, 9]]
    assert pad_sequences(seqs, maxlen=2, padding="post", truncating="post",
                         value=-1).tolist() == [[1, 2], [4, -1], [-1, -1], [5, 6]]
    assert pad_sequences(seqs).shape == (4, 5) and pad_sequences(seqs).dtype == np.int32


def test_pad_sequences_vector_elements_and_errors():
    seqs = [np.ones((2, 3)), np.zeros((1, 3))]
    out = pad_sequences(seqs, dtype="float32")
    assert out.shape == (2, 2, 3) and out[1, 0].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="position 1"):
        pad_sequences([np.ones((2, 3)), np.ones((1, 4))])
    with pytest.raises(ValueError, match='Padding type "middle"'):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"]], value="x")
    with pytest.raises(ValueError, match="non-iterable"):
        pad_sequences([1, 2])
    assert pyfapi.preprocessing.sequence.pad_sequences is pad_sequences
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


# ---- timeseries -----------------------------------------------------------------------------------
def _windows_ref(data, targets, L, stride, rate, start, end):
    """An independent loop over Keras's documented window rule."""
    end = len(data) if end is None else end
    start = start or 0
    xs, ys = [], []
    p = start
    while p + (L - 1) * rate < end and (targets is None or p - start < len(targets)):
        xs.append([data[p + k * rate] for k in range(L)])
        ys.append(None if targets is None else targets[p])
        p += stride
    return np.array(xs), ys


@pytest.mark.parametrize("L,stride,rate,bs,start,end", [
    (5, 1, 1, 4, None, None), (3, 2, 3, 3, None, None), (4, 3, 1, None, 5, 40),
    (1, 1, 1, 7, 2, None), (10, 7, 2, 128, None, 45)])
def test_timeseries_windows_match_the_rule(L, stride, rate, bs, start, end):
    data = np.arange(50 * 2).reshape(50, 2)
    targets = np.arange(50) * 10
    ds = timeseries_dataset_from_array(data, targets, L, sequence_stride=stride,
                                       sampling_rate=rate, batch_size=bs, start_index=start,
                                       end_index=end)
    want_x, want_y = _windows_ref(data, targets, L, stride, rate, start, end)
    items = list(ds)
    if bs is None:
        got_x = np.stack([x for x, _ in items])
        got_y = [int(y) for _, y in items]
    else:
        assert all(len(x) <= bs for x, _ in items) and len(items) == -(-len(want_x) // bs)
        got_x = np.concatenate([x for x, _ in items])
        got_y = np.concatenate([y for _, y in items]).tolist()
    np.testing.assert_array_equal(got_x, want_x)
    assert got_y == [int(v) for v in want_y]


def test_timeseries_book_example_and_fit():
    # Deep Learning with Python, 2nd ed., chapter 10: windows of 3 over 0..9, targets data[i+3]
    int_sequence = np.arange(10)
    ds = timeseries_dataset_from_array(data=int_sequence[:-3], targets=int_sequence[3:],
                                       sequence_length=3, batch_size=2)
    got = [(x.tolist(), y.tolist()) for x, y in ds]
    assert got[0] == ([[0, 1, 2], [1, 2, 3]], [3, 4])
    assert got[-1] == ([[4, 5, 6]], [7])
    series = np.sin(np.arange(200) / 5).astype("float32")[:, None]
    train = timeseries_dataset_from_array(series[:-4], series[4:, 0], sequence_length=4,
                                          batch_size=16, shuffle=True, seed=3)
    pyfapi.utils.set_random_seed(0)
    inp = pyfapi.Input((4, 1))
    m = pyfapi.Model(inp, layers.Dense(1)(layers.Flatten()(inp)))
    m.compile("adam", "mse")
    h = m.fit(train, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2
    # shuffle reorders windows but keeps each (window, target) pair and visits all of them
    flat = sorted(float(y) for _, yb in train for y in yb)
    assert flat == sorted(float(v) for v in series[4:4 + len(flat), 0])


def test_timeseries_errors_as_keras():
    data = np.zeros((10, 1))
    with pytest.raises(ValueError, match="`start_index` must be lower"):
        timeseries_dataset_from_array(data, None, 2, start_index=10)
    with pytest.raises(ValueError, match="`end_index` must be higher than `start_index`"):
        timeseries_dataset_from_array(data, None, 2, start_index=5, end_index=3)
    with pytest.raises(ValueError, match="`sampling_rate` must be higher than 0"):
        timeseries_dataset_from_array(data, None, 2, sampling_rate=0)
    with pytest.raises(ValueError, match="`sequence_stride` must be lower"):
        timeseries_dataset_from_array(data, None, 2, sequence_stride=10)
    with pytest.raises(ValueError, match="No window fits"):
        timeseries_dataset_from_array(data, None, 11)


# ---- split_dataset / normalize ------------------------------------------------------------------
def test_split_dataset_sizes_and_shuffle_match_keras_rules():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    (lx, ly), (rx, ry) = split_dataset((x, y), left_size=0.7)
    assert len(lx) == 7 and len(rx) == 3 and ly.tolist() == list(range(7))
    left, right = split_dataset(x, left_size=3, right_size=4)
    assert len(left) == 3 and len(right) == 4 and right[0].tolist() == [6, 7]
    (lx, ly), (rx, ry) = split_dataset((x, y), right_size=0.25, shuffle=True, seed=1)
    assert len(ly) == 8 and len(ry) == 2 and sorted(ly.tolist() + ry.tolist()) == list(range(10))
    np.testing.assert_array_equal(lx[:, 0] // 2, ly)  # pairs stay aligned
    d = split_dataset({"a": x, "b": y}, left_size=5)[1]
    assert d["b"].tolist() == [5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="At least one of"):
        split_dataset(x)
    with pytest.raises(ValueError, match="positive integer smaller than 10"):
        split_dataset(x, left_size=10)
    with pytest.raises(TypeError, match="left_size"):
        split_dataset(x, left_size="half")


def test_split_dataset_shuffle_is_keras_order():
    # Keras 3 (dataset_utils._split_dataset_tf): random.seed(seed); random.shuffle(samples)
    import random
    x = np.arange(30, dtype="float32").reshape(15, 2)
    samples = list(x)
    random.seed(7)
    random.shuffle(samples)
    mine_l, mine_r = split_dataset(x, left_size=0.6, shuffle=True, seed=7)
    np.testing.assert_array_equal(mine_l, np.stack(samples[:9]))
    np.testing.assert_array_equal(mine_r, np.stack(samples[9:]))


def test_normalize_l2_l1_and_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(normalize(x), [[0.6, 0.8], [0, 0]])
    np.testing.assert_allclose(normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0]])
    np.testing.assert_allclose(normalize(x, axis=0), [[1, 1], [0, 0]])
    with pytest.raises(ValueError, match="axis 2"):
        normalize(x, axis=2)


# ---- get_file ---------------------------------------------------------------------------------
def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    hits = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(root), **k)

        def log_message(self, *a):
            hits.append(self.path)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


def test_get_file_downloads_once_checks_hash_and_uses_pyfapi_home(server, tmp_path, monkeypatch):
    root, url, hits = server
    (root / "data.npz").write_bytes(b"payload-1")
    sha = hashlib.sha256(b"payload-1").hexdigest()
    monkeypatch.setenv("PYFAPI_HOME", str(tmp_path / "home"))
    p = get_file("data.npz", origin=f"{url}/data.npz", file_hash=sha)
    assert p == str(tmp_path / "home" / "datasets" / "data.npz")
    assert _read(p) == b"payload-1"
    n = len(hits)
    assert get_file("data.npz", origin=f"{url}/data.npz", file_hash=sha) == p
    assert len(hits) == n  # cached: no second request
    # a cached file whose hash no longer matches is downloaded again
    _write(p, b"corrupt")
    get_file("data.npz", origin=f"{url}/data.npz", file_hash=sha)
    assert _read(p) == b"payload-1"
    # a download that does not match the hash is refused and not kept
    with pytest.raises(ValueError, match="hash does not match"):
        get_file("other.npz", origin=f"{url}/data.npz", file_hash="0" * 64)
    assert sorted(os.listdir(tmp_path / "home" / "datasets")) == ["data.npz"]
    md5 = hashlib.md5(b"payload-1").hexdigest()
    assert get_file(origin=f"{url}/data.npz", md5_hash=md5, force_download=True) == p


def test_get_file_extracts_tar_and_zip(server, tmp_path):
    root, url, _ = server
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        info = tarfile.TarInfo("pkg/a.txt")
        info.size = 3
        t.addfile(info, io.BytesIO(b"abc"))
    (root / "pkg.tar.gz").write_bytes(buf.getvalue())
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("inner/b.txt", "zz")
    (root / "z.zip").write_bytes(zbuf.getvalue())
    d = get_file("pkg.tar.gz", origin=f"{url}/pkg.tar.gz", extract=True, cache_dir=tmp_path)
    assert d == str(tmp_path / "datasets" / "pkg_extracted")
    assert _read(os.path.join(d, "pkg", "a.txt")).decode() == "abc"
    d2 = get_file("legacy", origin=f"{url}/pkg.tar.gz", untar=True, cache_dir=tmp_path)
    assert os.path.exists(os.path.join(d2, "pkg", "a.txt"))
    d3 = get_file(origin=f"{url}/z.zip", extract=True, cache_dir=tmp_path)
    assert _read(os.path.join(d3, "inner", "b.txt")).decode() == "zz"


def test_get_file_offline_and_http_errors_are_clear(server, tmp_path):
    root, url, _ = server
    with pytest.raises(ConnectionError, match="404"):
        get_file("missing.npz", origin=f"{url}/missing.npz", cache_dir=tmp_path)
    with pytest.raises(ConnectionError, match="offline.*place it at"):
        get_file("x.npz", origin="http://127.0.0.1:9/x.npz", cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []  # nothing half-written
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        get_file("a/b.npz", origin=f"{url}/b.npz", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="origin"):
        get_file("a.npz")
