"""Dataset loaders on small files in Keras's own formats, made here: placed in the cache
(PYFAPI_HOME) or given by path; Keras 3's processing (shuffle seeds, offsets, maxlen, num_words,
splits) checked against an independent re-implementation of its documented steps; unsafe pickles
refused; offline is a clear error."""
import gzip
import io
import json
import os
import pickle

import numpy as np
import pytest

from pyfapi import datasets


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PYFAPI_HOME", str(tmp_path / "home"))
    d = tmp_path / "home" / "datasets"
    d.mkdir(parents=True)
    return d


def _ragged(seqs):
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = list(s)
    return out


def _seqs(rng, n, vocab=30, lo=1, hi=12):
    return [rng.integers(1, vocab, rng.integers(lo, hi)).tolist() for _ in range(n)]


def _keras_words(xs, num_words, skip_top, maxlen, start_char, oov_char, index_from, labels):
    """Keras 3's documented steps, written independently."""
    xs = [([start_char] if start_char is not None else []) + [w + index_from for w in x]
          for x in xs]
    if maxlen:
        keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
        xs, labels = [xs[i] for i in keep], [labels[i] for i in keep]
    nw = num_words or max(max(x) for x in xs)
    xs = [[w if skip_top <= w < nw else oov_char for w in x] for x in xs]
    return xs, list(labels)


def test_imdb_matches_keras_processing_and_word_index(home):
    rng = np.random.default_rng(0)
    xtr, xte = _seqs(rng, 20), _seqs(rng, 12)
    ytr, yte = rng.integers(0, 2, 20), rng.integers(0, 2, 12)
    np.savez(home / "imdb.npz", x_train=_ragged(xtr), y_train=ytr, x_test=_ragged(xte),
             y_test=yte)
    (home / "imdb_word_index.json").write_text(json.dumps({"the": 1, "movie": 17}))
    (x_train, y_train), (x_test, y_test) = datasets.imdb.load_data(num_words=20, skip_top=2,
                                                                   seed=5)
    r = np.random.RandomState(5)
    i1 = np.arange(20)
    r.shuffle(i1)
    i2 = np.arange(12)
    r.shuffle(i2)
    want, wl = _keras_words([xtr[i] for i in i1] + [xte[i] for i in i2], 20, 2, None, 1, 2, 3,
                            list(ytr[i1]) + list(yte[i2]))
    assert [list(x) for x in x_train] + [list(x) for x in x_test] == want
    assert list(y_train) + list(y_test) == wl and len(x_train) == 20
    (x_train, _), (x_test, _) = datasets.imdb.load_data(maxlen=8)
    assert all(len(x) < 8 for x in list(x_train) + list(x_test))
    assert datasets.imdb.get_word_index() == {"the": 1, "movie": 17}
    with pytest.raises(ValueError, match="Increase maxlen"):
        datasets.imdb.load_data(maxlen=1)


def test_reuters_split_and_explicit_path(tmp_path, home):
    rng = np.random.default_rng(1)
    xs = _seqs(rng, 25)
    ys = rng.integers(0, 46, 25)
    p = tmp_path / "my" / "reuters.npz"
    p.parent.mkdir()
    np.savez(p, x=_ragged(xs), y=ys)
    (x_train, y_train), (x_test, y_test) = datasets.reuters.load_data(path=str(p), test_split=0.2)
    r = np.random.RandomState(113)
    idx = np.arange(25)
    r.shuffle(idx)
    want, wl = _keras_words([xs[i] for i in idx], None, 0, None, 1, 2, 3, list(ys[idx]))
    assert len(x_train) == 20 and [list(x) for x in x_train] == want[:20]
    assert list(y_test) == wl[20:]


def test_boston_and_california(home):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 13))
    y = rng.normal(size=50)
    np.savez(home / "boston_housing.npz", x=x, y=y)
    (xtr, ytr), (xte, yte) = datasets.boston_housing.load_data(test_split=0.2, seed=7)
    idx = np.arange(50)
    np.random.RandomState(7).shuffle(idx)
    np.testing.assert_array_equal(xtr, x[idx][:40])
    np.testing.assert_array_equal(yte, y[idx][40:])
    xc = rng.normal(size=(700, 8))
    np.savez(home / "california_housing.npz", x=xc, y=rng.normal(size=700))
    (a, _), (b, _) = datasets.california_housing.load_data(version="small")
    assert len(a) + len(b) == 600 and len(a) == 480
    with pytest.raises(ValueError, match="version"):
        datasets.california_housing.load_data(version="medium")
    with pytest.raises(ValueError, match="test_split"):
        datasets.boston_housing.load_data(test_split=1.0)


def _idx(path, magic_len, payload):
    with gzip.open(path, "wb") as f:
        f.write(b"\0" * magic_len + payload)


def test_fashion_mnist_idx_files(home):
    d = home / "fashion-mnist"
    d.mkdir()
    rng = np.random.default_rng(3)
    xtr = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    xte = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    _idx(d / "train-labels-idx1-ubyte.gz", 8, bytes([1, 2, 3, 4, 5]))
    _idx(d / "train-images-idx3-ubyte.gz", 16, xtr.tobytes())
    _idx(d / "t10k-labels-idx1-ubyte.gz", 8, bytes([9, 8, 7]))
    _idx(d / "t10k-images-idx3-ubyte.gz", 16, xte.tobytes())
    (a, b), (c, e) = datasets.fashion_mnist.load_data()
    np.testing.assert_array_equal(a, xtr)
    assert b.tolist() == [1, 2, 3, 4, 5] and e.tolist() == [9, 8, 7]
    np.testing.assert_array_equal(c, xte)
    _idx(d / "t10k-images-idx3-ubyte.gz", 16, xte.tobytes()[:100])
    with pytest.raises(ValueError, match="pixels"):
        datasets.fashion_mnist.load_data()


def _cifar_batch(path, n, rng, label_keys):
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    d = {b"data": data, **{k.encode(): rng.integers(0, 100, n).tolist() for k in label_keys}}
    with open(path, "wb") as f:
        pickle.dump(d, f)
    return data, d


def test_cifar10_and_cifar100_layouts(home):
    rng = np.random.default_rng(4)
    d = home / "cifar-10-batches-py" / "cifar-10-batches-py"  # Keras 3's extraction layout
    d.mkdir(parents=True)
    batches = [_cifar_batch(d / f"data_batch_{i}", 4, rng, ["labels"]) for i in range(1, 6)]
    test = _cifar_batch(d / "test_batch", 3, rng, ["labels"])
    (xtr, ytr), (xte, yte) = datasets.cifar10.load_data()
    assert xtr.shape == (20, 32, 32, 3) and ytr.shape == (20, 1) and ytr.dtype == np.uint8
    np.testing.assert_array_equal(xtr[0], batches[0][0][0].reshape(3, 32, 32).transpose(1, 2, 0))
    assert yte[:, 0].tolist() == test[1][b"labels"]
    d100 = home / "cifar-100-python"
    d100.mkdir()
    tr = _cifar_batch(d100 / "train", 6, rng, ["fine_labels", "coarse_labels"])
    _cifar_batch(d100 / "test", 2, rng, ["fine_labels", "coarse_labels"])
    (x, y), _ = datasets.cifar100.load_data(label_mode="coarse")
    assert x.shape == (6, 32, 32, 3) and y[:, 0].tolist() == tr[1][b"coarse_labels"]
    with pytest.raises(ValueError, match="label_mode"):
        datasets.cifar100.load_data(label_mode="medium")


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_malicious_pickles_are_refused(home):
    with open(home / "imdb.npz", "wb") as f:
        buf = io.BytesIO()
        np.save(buf, np.array([_Evil()], dtype=object), allow_pickle=True)
        import zipfile
        with zipfile.ZipFile(f, "w") as z:
            for k in ("x_train", "y_train", "x_test", "y_test"):
                z.writestr(k + ".npy", buf.getvalue())
    with pytest.raises(ValueError, match="Refusing to deserialize"):
        datasets.imdb.load_data()
    d = home / "cifar-100-python"
    d.mkdir()
    with open(d / "train", "wb") as f:
        pickle.dump(_Evil(), f)
    with pytest.raises(ValueError, match="not a CIFAR batch"):
        datasets.cifar100.load_data()


def test_missing_files_offline_is_a_clear_error(home, monkeypatch):
    import urllib.request

    def offline(*a, **k):
        raise OSError("network is unreachable")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(ConnectionError, match="offline"):
        datasets.boston_housing.load_data()
    assert os.listdir(home) == []
    with pytest.raises(FileNotFoundError, match="no file"):
        datasets.reuters.load_data(path="/nonexistent/reuters.npz")
