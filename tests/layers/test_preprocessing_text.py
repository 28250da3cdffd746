"""String dtype, TextVectorization, StringLookup, IntegerLookup, CategoryEncoding, Hashing.

References: the values published in Keras 3's own tests and docstrings (keras/src/layers/
preprocessing/*_test.py; real Keras cannot run these layers here: they need TensorFlow, which
is not installed), hand-computed numpy references, and a text classifier trained with fit."""
import numpy as np
import pytest

import pyfapi
from pyfapi import layers


def _np(y):
    return np.asarray(y.numpy() if hasattr(y, "numpy") else y)


# ---- TextVectorization: Keras's published values ------------------------------------------------
def test_text_vectorization_adapt_flow_keras_values():
    layer = layers.TextVectorization(output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    np.testing.assert_array_equal(_np(layer([["foo qux bar"], ["qux baz"]])),
                                  [[4, 1, 3, 0], [1, 2, 0, 0]])
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    assert layer.vocabulary_size() == 7


def test_text_vectorization_modes_keras_values():
    v = ["foo", "bar", "baz"]
    np.testing.assert_array_equal(
        _np(layers.TextVectorization(output_mode="multi_hot", vocabulary=v)(
            [["foo bar"], ["baz foo foo"]])), [[0, 1, 1, 0], [0, 1, 0, 1]])
    np.testing.assert_array_equal(
        _np(layers.TextVectorization(output_mode="count", vocabulary=v)(
            ["foo bar", "baz foo foo"])), [[0, 1, 1, 0], [0, 2, 0, 1]])
    np.testing.assert_allclose(
        _np(layers.TextVectorization(output_mode="tf_idf", vocabulary=v,
                                     idf_weights=[0.3, 0.5, 0.2])(["foo bar", "baz foo foo"])),
        [[0.0, 0.3, 0.5, 0.0], [0.0, 0.6, 0.0, 0.2]], rtol=1e-6)


def test_text_vectorization_standardize_and_split_keras_values():
    layer = layers.TextVectorization(vocabulary=["hello", "world", "this", "is", "nice", "test"])
    np.testing.assert_array_equal(_np(layer(["Hello, World!. This is just a nice test!"])),
                                  [[2, 3, 4, 5, 1, 1, 6, 7]])
    layer = layers.TextVectorization(standardize="lower", vocabulary=[
        "hello,", "hello", "world", "this", "is", "nice", "test"])
    np.testing.assert_array_equal(_np(layer(["Hello, World!. This is just a nice test!"])),
                                  [[2, 1, 5, 6, 1, 1, 7, 1]])
    layer = layers.TextVectorization(split="character", vocabulary=list("abcde"))
    np.testing.assert_array_equal(_np(layer(["abcf"])), [[2, 3, 4, 1]])
    layer = layers.TextVectorization(standardize="strip_punctuation",
                                     vocabulary=["Hello", "World", "Test"])
    np.testing.assert_array_equal(_np(layer(["Hello, World! Test."])), [[2, 3, 4]])
    layer = layers.TextVectorization(standardize=None, vocabulary=["Hello", "world"])
    np.testing.assert_array_equal(_np(layer(["Hello hello"])), [[2, 1]])
    layer = layers.TextVectorization(split=None, vocabulary=["foo", "bar", "baz"])
    np.testing.assert_array_equal(_np(layer([["foo"], ["bar"], ["unknown"]])), [[2], [3], [1]])
    # Keras: the default standardization strips "|" before the custom split -> "foobar"
    layer = layers.TextVectorization(split=lambda t: [s.split("|") for s in t],
                                     vocabulary=["foo", "bar", "foobar"])
    np.testing.assert_array_equal(_np(layer(["foo|bar"])), [[4]])
    layer = layers.TextVectorization(split=lambda t: [s.split("|") for s in t], standardize=None,
                                     vocabulary=["foo", "bar", "foobar"])
    np.testing.assert_array_equal(_np(layer(["foo|bar"])), [[2, 3]])

    seen = []

    def np_standardize(text):
        seen.append(text.dtype.kind)
        return np.char.replace(np.char.lower(text), ",", "")
    layer = layers.TextVectorization(standardize=np_standardize)
    layer.adapt(["Hello, world."])
    assert seen and set(seen) == {"U"}
    assert "hello" in layer.get_vocabulary() and "world." in layer.get_vocabulary()


def test_text_vectorization_ngrams_unicode_empty():
    layer = layers.TextVectorization(ngrams=2)
    layer.adapt(["foo bar baz"])
    vocab = layer.get_vocabulary()
    assert {"foo bar", "bar baz", "foo", "baz"} <= set(vocab)
    layer = layers.TextVectorization(ngrams=(1, 3))
    layer.adapt(["foo bar baz"])
    assert "foo bar baz" in layer.get_vocabulary() and "foo bar" not in layer.get_vocabulary()
    # TensorFlow's tf.strings.lower lowers ASCII only; punctuation is string.punctuation
    layer = layers.TextVectorization()
    layer.adapt(["ÉCOLE école Ünïcode!", "", "naïve—dash ‘quote’"])
    vocab = layer.get_vocabulary()
    assert "École" in vocab and "école" in vocab and "Ünïcode" in vocab
    assert "naïve—dash" in vocab and "‘quote’" in vocab
    out = _np(layer(["", "école", "\t\n "]))
    assert out.shape == (3, 1) and out[0, 0] == 0 and out[2, 0] == 0
    # bytes and object arrays are the same strings
    np.testing.assert_array_equal(_np(layer(np.array([b"\xc3\xa9cole"], dtype=object))),
                                  _np(layer(["école"])))
    one = layers.TextVectorization(vocabulary=["x"], output_sequence_length=3)
    np.testing.assert_array_equal(_np(one(["x y x x x"])), [[2, 1, 2]])


def test_text_vectorization_adapt_iterables_and_tfidf():
    data = ["a b a", "b c", "c c c d"]
    ref = layers.TextVectorization(output_mode="tf_idf")
    ref.adapt(data)
    gen = layers.TextVectorization(output_mode="tf_idf")
    gen.adapt(np.array(data)[i:i + 1] for i in range(3))
    assert gen.get_vocabulary() == ref.get_vocabulary() == ["[UNK]", "c", "b", "a", "d"]
    # idf = log(1 + N / (1 + df)); OOV gets the mean (Keras)
    df = np.array([2, 2, 1, 1])
    idf = np.log(1 + 3 / (1 + df))
    expected = np.zeros((1, 5))
    expected[0, 1:] = [1 * idf[0], 2 * idf[1], 0, 0]
    expected[0, 0] = 1 * idf.mean()
    np.testing.assert_allclose(_np(ref(["b b c zzz"])), expected, rtol=1e-5)
    steps = layers.TextVectorization(max_tokens=3)
    steps.adapt(iter([["x x y"], ["z"], ["q q q"]]), steps=2)
    assert steps.get_vocabulary() == ["", "[UNK]", "x"]


def test_text_vectorization_errors():
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="multi_hot", output_sequence_length=3)
    with pytest.raises(ValueError, match="ngrams"):
        layers.TextVectorization(ngrams="2")
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="repeated"):
        layers.TextVectorization(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="TextVectorization"):
        layers.TextVectorization(vocabulary=["a"])(np.array([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="adapt"):
        layers.TextVectorization(output_mode="count")(["a"])
    with pytest.raises(ValueError, match="static vocabulary"):
        layers.TextVectorization(vocabulary=["a"]).adapt(["a"])


# ---- StringLookup / IntegerLookup ----------------------------------------------------------------
def test_string_lookup_keras_values():
    layer = layers.StringLookup(vocabulary=["a", "b", "c", "d"])
    np.testing.assert_array_equal(_np(layer(np.array([["a", "c", "d"], ["d", "z", "b"]]))),
                                  [[1, 3, 4], [4, 0, 2]])
    layer = layers.StringLookup()
    layer.adapt(["a", "a", "a", "b", "b", "c"])
    np.testing.assert_array_equal(_np(layer(["b", "c", "d"])), [2, 3, 0])
    layer = layers.StringLookup(vocabulary=["a", "b", "c", "d"], mask_token="")
    np.testing.assert_array_equal(_np(layer(np.array([["a", "c", ""], ["", "z", "b"]]))),
                                  [[2, 4, 0], [0, 1, 3]])
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "b", "c", "d"]
    inv = layers.StringLookup(vocabulary=["a", "b", "c", "d"], invert=True)
    np.testing.assert_array_equal(_np(inv(np.array([[1, 3, 4], [4, 0, 2]]))),
                                  [["a", "c", "d"], ["d", "[UNK]", "b"]])
    mh = layers.StringLookup(vocabulary=["a", "b", "c", "d"], output_mode="multi_hot")
    np.testing.assert_array_equal(_np(mh(np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]]))),
                                  [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    oh = layers.StringLookup(vocabulary=["a", "b", "c", "d"], output_mode="one_hot")
    np.testing.assert_array_equal(_np(oh(np.array(["a", "b", "c", "d", "z"]))),
                                  np.eye(5)[[1, 2, 3, 4, 0]])
    cnt = layers.StringLookup(vocabulary=["a", "b", "c", "d"], output_mode="count",
                              pad_to_max_tokens=True, max_tokens=8)
    np.testing.assert_array_equal(_np(cnt(np.array([["a", "c", "d", "d"]]))),
                                  [[0, 1, 0, 1, 2, 0, 0, 0]])


def test_string_lookup_multiple_oov_uses_farmhash():
    layer = layers.StringLookup(vocabulary=["a"], num_oov_indices=2)
    # Keras: OOV bucket = Fingerprint64(token) % 2, so the bins of Hashing(2)
    z = np.array(["omar", "stringer", "marlo", "wire", "skywalker"])
    np.testing.assert_array_equal(_np(layer(z)), [0, 0, 1, 0, 0])
    assert _np(layer(["a"]))[0] == 2


def test_lookup_errors():
    with pytest.raises(ValueError, match="repeated"):
        layers.StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="max_tokens"):
        layers.StringLookup(max_tokens=3, vocabulary=["a", "b", "c"])
    with pytest.raises(ValueError, match="mask token"):
        layers.StringLookup(mask_token="", vocabulary=["a", ""])
    with pytest.raises(ValueError, match="num_oov_indices=1"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(["b"])
    with pytest.raises(ValueError, match="invert"):
        layers.StringLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match="StringLookup"):
        layers.StringLookup(vocabulary=["a"])(np.array([1.5, 2.0]))
    with pytest.raises(ValueError, match="empty vocabulary"):
        layers.StringLookup(vocabulary=[])
    with pytest.raises(ValueError, match="IntegerLookup"):
        layers.IntegerLookup(vocabulary=[1, 2])(np.array([0.5]))


def test_integer_lookup_keras_values():
    layer = layers.IntegerLookup()
    layer.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    layer = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
    np.testing.assert_array_equal(_np(layer(np.array([[12, 1138, 42], [42, 1000, 36]]))),
                                  [[1, 3, 4], [4, 0, 2]])
    layer = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], mask_token=0)
    np.testing.assert_array_equal(_np(layer(np.array([[12, 1138, 0], [0, 1000, 36]]))),
                                  [[2, 4, 0], [0, 1, 3]])
    layer = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2)
    np.testing.assert_array_equal(_np(layer(np.array([[12, 1138, 42], [37, 1000, 36]]))),
                                  [[2, 4, 5], [1, 0, 3]])
    inv = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)
    np.testing.assert_array_equal(_np(inv(np.array([[1, 3, 4], [4, 0, 2]]))),
                                  [[12, 1138, 42], [42, -1, 36]])
    mh = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], output_mode="multi_hot")
    np.testing.assert_array_equal(_np(mh(np.array([[12, 1138, 42, 42], [42, 7, 36, 7]]))),
                                  [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])


# ---- CategoryEncoding / Hashing ------------------------------------------------------------------
def test_category_encoding_keras_values():
    np.testing.assert_array_equal(
        _np(layers.CategoryEncoding(4, output_mode="one_hot")(np.array([3, 2, 0, 1]))),
        np.eye(4)[[3, 2, 0, 1]])
    np.testing.assert_array_equal(
        _np(layers.CategoryEncoding(4, output_mode="multi_hot")(
            np.array([[0, 1], [0, 0], [1, 2], [3, 1]]))),
        [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]])
    np.testing.assert_allclose(
        _np(layers.CategoryEncoding(4, output_mode="count")(
            np.array([[0, 1], [0, 0], [1, 2], [3, 1]]),
            count_weights=np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]]))),
        [[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0], [0, .2, 0, .4]], rtol=1e-6)
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding(3)(np.array([[0, 3]]))
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding()


def test_hashing_keras_values():
    abc = np.array([["A"], ["B"], ["C"], ["D"], ["E"]])
    np.testing.assert_array_equal(_np(layers.Hashing(3)(abc)), [[1], [0], [1], [1], [2]])
    np.testing.assert_array_equal(_np(layers.Hashing(3, salt=[133, 137])(abc)),
                                  [[1], [2], [1], [0], [2]])
    np.testing.assert_array_equal(_np(layers.Hashing(3, salt=133)(abc)),
                                  [[0], [0], [2], [1], [0]])
    np.testing.assert_array_equal(
        _np(layers.Hashing(3, mask_value="")(np.array([["A"], ["B"], [""], ["C"], ["D"]]))),
        [[1], [1], [0], [2], [2]])
    names = np.array([["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]])
    np.testing.assert_array_equal(_np(layers.Hashing(2)(names)), [[0], [0], [1], [0], [0]])
    np.testing.assert_array_equal(_np(layers.Hashing(3, mask_value="omar")(names)),
                                  [[0], [1], [2], [1], [1]])
    np.testing.assert_array_equal(_np(layers.Hashing(2, salt=[211, 137])(names)),
                                  [[1], [0], [1], [0], [1]])
    ints = np.array([[0], [1], [2], [3], [4]])
    np.testing.assert_array_equal(_np(layers.Hashing(3)(ints)), [[1], [0], [1], [0], [2]])
    np.testing.assert_array_equal(_np(layers.Hashing(3, salt=[133, 137])(ints)),
                                  [[1], [1], [2], [0], [1]])
    np.testing.assert_array_equal(_np(layers.Hashing(1)(abc)), np.zeros((5, 1)))
    y = _np(layers.Hashing(3, output_mode="one_hot")(np.array([[0], [1], [2], [3], [4]])))
    np.testing.assert_array_equal(y, np.eye(3)[[1, 0, 1, 0, 2]])
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(0)
    with pytest.raises(ValueError, match="salt"):
        layers.Hashing(2, salt=[1])


# ---- string Input through the graph, saving, training ---------------------------------------------
def test_string_input_graph_save_load(tmp_path):
    texts = np.array(["the cat sat", "a dog", "the dog sat down", ""])
    tv = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    tv.adapt(texts)
    inp = pyfapi.Input(shape=(), dtype="string")
    assert inp.dtype == "string"
    ids = tv(inp)
    assert ids.dtype == "int64" and ids.shape == (None, 5)
    lookup = layers.StringLookup(output_mode="tf_idf")
    lookup.adapt(np.array([["x", "y"], ["x", "x"]]))
    inp2 = pyfapi.Input(shape=(2,), dtype="string")
    model = pyfapi.Model([inp, inp2], [ids, lookup(inp2)])
    out = model.predict([texts, np.array([["x", "z"]] * 4)], verbose=0)
    path = tmp_path / "text.keras"
    model.save(path)
    import zipfile
    with zipfile.ZipFile(path) as z:
        assert "assets/layers/text_vectorization/vocabulary.txt" in z.namelist()
    loaded = pyfapi.models.load_model(path)
    again = loaded.predict([texts, np.array([["x", "z"]] * 4)], verbose=0)
    for a, b in zip(out, again):
        np.testing.assert_array_equal(_np(a), _np(b))
    assert loaded.layers[2].get_vocabulary() == tv.get_vocabulary() or \
        any(getattr(l, "get_vocabulary", None) and l.get_vocabulary() == tv.get_vocabulary()
            for l in loaded.layers)


def test_string_array_into_numeric_input_is_an_error():
    inp = pyfapi.Input(shape=(3,))
    model = pyfapi.Model(inp, layers.Dense(2)(inp))
    with pytest.raises((ValueError, TypeError), match="string|numeric"):
        model.predict(np.array([["a", "b", "c"]]), verbose=0)
    with pytest.raises((ValueError, TypeError), match="string|numeric"):
        model(np.array([["a", "b", "c"]]))


def test_text_classifier_on_raw_strings_trains():
    rng = np.random.default_rng(0)
    pos = ["good great fine", "great movie", "good fun", "love it", "fine good"]
    neg = ["bad awful", "awful movie", "bad bad plot", "hate it", "boring bad"]
    x = np.array([rng.choice(pos) if i % 2 else rng.choice(neg) for i in range(200)])
    y = np.array([i % 2 for i in range(200)], dtype="float32")
    tv = layers.TextVectorization(max_tokens=50, output_sequence_length=4)
    tv.adapt(x)
    pyfapi.utils.set_random_seed(1)
    inp = pyfapi.Input(shape=(1,), dtype="string")
    h = layers.Embedding(50, 8)(tv(inp))
    h = layers.GlobalAveragePooling1D()(h)
    out = layers.Dense(1, activation="sigmoid")(h)
    model = pyfapi.Model(inp, out)
    model.compile(optimizer=pyfapi.optimizers.Adam(learning_rate=0.02), loss="binary_crossentropy", metrics=["accuracy"])
    hist = model.fit(x[:, None], y, epochs=15, batch_size=20, verbose=0)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    pred = _np(model.predict(np.array([["good great"], ["bad awful"]]), verbose=0))
    assert pred[0, 0] > 0.5 > pred[1, 0]
