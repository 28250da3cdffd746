"""pyfapi.datasets: the bundled UCI digits and the local-file MNIST loader."""
import collections
import csv
import gzip
import hashlib
import io
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from pyfapi.datasets import digits, mnist

# Facts about the UCI digits file as scikit-learn ships it (from its DESCR and the file itself,
# read independently of the loader below).
CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
FIRST_ROW = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4,
             12, 0, 0, 8, 8, 0, 0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10,
             12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0]  # label 0


def _data_file() -> bytes:
    return resources.files("pyfapi.datasets").joinpath("data", "digits.csv.gz").read_bytes()


def _rows_from_csv():
    """The whole table parsed with the csv module (independent of the loader)."""
    with gzip.open(io.BytesIO(_data_file()), "rt") as f:
        return [tuple(int(v) for v in row) for row in csv.reader(f)]


def _rows(x, y):
    return [tuple(int(v) for v in xi.reshape(-1)) + (int(yi),) for xi, yi in zip(x, y)]


# ---------------------------------------------------------------- digits: data and provenance

def test_bundled_file_checksum_and_provenance():
    raw = _data_file()
    assert len(raw) == 57523
    assert hashlib.sha256(raw).hexdigest() == SHA256
    prov = resources.files("pyfapi.datasets").joinpath("data", "PROVENANCE.md").read_text()
    for needed in (SHA256, "CC BY 4.0", "Alpaydin", "Kaynak", "1998", "scikit-learn",
                   "10.24432/C50P49"):
        assert needed in prov


def test_default_split_shapes_dtypes_ranges():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 64) and x_test.shape == (360, 64)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 16 and x_test.max() <= 16
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))


def test_split_is_a_partition_of_the_file():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    table = _rows_from_csv()
    assert len(table) == 1797 and table[0] == tuple(FIRST_ROW) + (0,)
    got = collections.Counter(_rows(x_train, y_train)) + collections.Counter(_rows(x_test, y_test))
    assert got == collections.Counter(table)


@pytest.mark.parametrize("test_split", [0.2, 0.5, 0.1, 0.33, 0.9])
def test_split_is_stratified(test_split):
    (_, y_train), (_, y_test) = digits.load_data(test_split=test_split)
    per_class_test = np.bincount(y_test, minlength=10)
    per_class_train = np.bincount(y_train, minlength=10)
    # scikit-learn's total: ceil(test_split * n_samples)
    assert per_class_test.sum() == math.ceil(test_split * 1797)
    for n, t, tr in zip(CLASS_COUNTS, per_class_test, per_class_train):
        assert math.floor(test_split * n) <= t <= math.ceil(test_split * n)
        assert t + tr == n


def test_split_is_seeded_and_shuffled():
    a = digits.load_data(seed=0)
    b = digits.load_data(seed=0)
    c = digits.load_data(seed=1)
    for (xa, ya), (xb, yb) in zip(a, b):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a[1][0], c[1][0])
    # shuffled: labels are not sorted in blocks
    assert np.any(np.diff(a[0][1].astype(int)) < 0)


def test_image_layout_is_flat_reshaped():
    (xf, yf), (xtf, ytf) = digits.load_data(layout="flat", seed=3)
    (xi, yi), (xti, yti) = digits.load_data(layout="image", seed=3)
    assert xi.shape == (1437, 8, 8, 1) and xti.shape == (360, 8, 8, 1)
    np.testing.assert_array_equal(xi[..., 0].reshape(-1, 64), xf)
    np.testing.assert_array_equal(xti.reshape(-1, 64), xtf)
    np.testing.assert_array_equal(yi, yf)
    # row-major: the first file row, as an image, has its top row first
    table = _rows_from_csv()
    k = _rows(xf, yf).index(table[0])
    np.testing.assert_array_equal(xi[k, 0, :, 0], FIRST_ROW[:8])
    np.testing.assert_array_equal(xi[k, :, 0, 0], FIRST_ROW[0::8])


def test_zero_test_split_gives_empty_test_set():
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.0)
    assert x_train.shape == (1797, 64) and x_test.shape == (0, 64) and y_test.shape == (0,)
    (_, _), (x_test, _) = digits.load_data(test_split=0, layout="image")
    assert x_test.shape == (0, 8, 8, 1)


def test_returned_arrays_are_fresh_and_writeable():
    (x_train, y_train), _ = digits.load_data()
    x_train[:] = 99
    y_train[:] = 99
    (x2, y2), _ = digits.load_data()
    assert x2.max() == 16 and y2.max() == 9


@pytest.mark.parametrize("bad", [1.0, 1.5, -0.1, float("nan")])
def test_bad_test_split_value(bad):
    with pytest.raises(ValueError, match=r"test_split must be in \[0, 1\)"):
        digits.load_data(test_split=bad)


@pytest.mark.parametrize("bad", ["0.2", None, True, [0.2]])
def test_bad_test_split_type(bad):
    with pytest.raises(TypeError, match="test_split must be a float"):
        digits.load_data(test_split=bad)


def test_bad_layout_and_seed():
    with pytest.raises(ValueError, match=r"layout must be one of \('flat', 'image'\), received 'nchw'"):
        digits.load_data(layout="nchw")
    with pytest.raises(TypeError, match="seed must be a non-negative int"):
        digits.load_data(seed=-1)
    with pytest.raises(TypeError, match="seed must be a non-negative int"):
        digits.load_data(seed=1.5)


def test_seed_none_draws_a_valid_split():
    (x_train, _), (x_test, y_test) = digits.load_data(seed=None)
    assert len(x_train) == 1437 and len(x_test) == 360
    assert np.bincount(y_test, minlength=10).sum() == 360


def test_corrupted_bundle_is_refused(monkeypatch):
    raw = bytearray(_data_file())
    raw[100] ^= 0xFF
    monkeypatch.setattr(digits, "_read_bytes", lambda: bytes(raw))
    digits._load_all.cache_clear()
    try:
        with pytest.raises(ValueError, match="corrupted"):
            digits.load_data()
    finally:
        digits._load_all.cache_clear()


# ---------------------------------------------------------------- mnist from a local file

def _write_mnist(path, n_train=5, n_test=3, **override):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, size=(n_train,), dtype=np.uint8),
        "x_test": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, size=(n_test,), dtype=np.uint8),
    }
    arrays.update(override)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez_compressed(path, **arrays)
    return arrays


def test_mnist_reads_a_local_file(tmp_path):
    f = tmp_path / "mnist.npz"
    arrays = _write_mnist(f)
    (x_train, y_train), (x_test, y_test) = mnist.load_data(str(f))
    for k, got in zip(("x_train", "y_train", "x_test", "y_test"), (x_train, y_train, x_test, y_test)):
        np.testing.assert_array_equal(got, arrays[k])
        assert got.dtype == np.uint8
    # a pathlib.Path works too
    (x2, _), _ = mnist.load_data(f)
    np.testing.assert_array_equal(x2, arrays["x_train"])


def test_mnist_default_name_found_in_keras_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".keras" / "datasets").mkdir(parents=True)
    arrays = _write_mnist(tmp_path / ".keras" / "datasets" / "mnist.npz")
    (x_train, _), _ = mnist.load_data()
    np.testing.assert_array_equal(x_train, arrays["x_train"])


def test_mnist_found_under_keras_home(tmp_path, monkeypatch):
    home = tmp_path / "kh"
    (home / "datasets").mkdir(parents=True)
    arrays = _write_mnist(home / "datasets" / "mine.npz", n_train=2)
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    (x_train, _), _ = mnist.load_data("mine.npz")
    np.testing.assert_array_equal(x_train, arrays["x_train"])


def test_mnist_missing_file_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_data()
    msg = str(info.value)
    assert "does not download" in msg
    assert str(Path(tmp_path) / ".keras" / "datasets" / "mnist.npz") in msg
    assert "digits.load_data" in msg


@pytest.mark.parametrize("override, match", [
    ({"y_test": None}, r"missing key\(s\) \['y_test'\]"),
    ({"x_train": np.zeros((5, 784), np.uint8)}, r"x_train has shape \(5, 784\)"),
    ({"y_train": np.zeros((4,), np.uint8)}, "x_train has 5 images but y_train has 4 labels"),
    ({"y_train": np.zeros((5,), np.float32)}, "y_train has shape .* dtype float32"),
    ({"x_test": np.zeros((3, 14, 14), np.uint8)}, r"x_train images are \(28, 28\) but x_test"),
    ({"x_train": np.array(["a"] * 5 * 4).reshape(5, 2, 2)}, "x_train has shape"),
])
def test_mnist_malformed_arrays(tmp_path, override, match):
    f = tmp_path / "bad.npz"
    _write_mnist(f, **override)
    with pytest.raises(ValueError, match=match):
        mnist.load_data(f)


def test_mnist_not_an_npz(tmp_path):
    text = tmp_path / "text.npz"
    text.write_text("hello, this is not numpy data\n")
    with pytest.raises(ValueError, match="not a readable .npz archive"):
        mnist.load_data(text)
    npy = tmp_path / "single.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ValueError, match="holds a single ndarray"):
        mnist.load_data(npy)
    truncated = tmp_path / "trunc.npz"
    _write_mnist(truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    with pytest.raises(ValueError, match="not an MNIST file in Keras's layout"):
        mnist.load_data(truncated)


def test_mnist_pickled_arrays_refused(tmp_path):
    f = tmp_path / "obj.npz"
    obj = np.empty(5, dtype=object)
    _write_mnist(f, y_train=obj)
    with pytest.raises(ValueError, match="not an MNIST file"):
        mnist.load_data(f)
