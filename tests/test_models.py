"""Model (functional) and Sequential: every notebook cell's graph, shapes and parameter counts.

Parameter counts are Keras 3.15.1's (/work/shared/reference/keras_reference.md) and follow the
Keras formulas: Dense = in*units + units; LSTM(u) on d features = 4*(u*(d+u) + u);
Conv = prod(kernel)*in_ch*filters + filters; Embedding = input_dim*output_dim.
Numerical references are plain numpy float64 computations on the layers' own weights.
"""
import json

import numpy as np
import pytest

from notebook_models import build_mlp_twins, inception_branches_as_printed

import pyfapi
from pyfapi import layers
from pyfapi.graph import KerasTensor
from pyfapi.layers.core.input_layer import Input, InputLayer
from pyfapi.models import Model, Sequential, model_from_json
from pyfapi.utils import naming, set_random_seed


@pytest.fixture(autouse=True)
def _fresh_names():
    naming.reset_names()
    set_random_seed(1234)
    yield
    naming.reset_names()


def relu(x):
    return np.maximum(x, 0.0)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def dense_ref(x, kernel, bias, act=lambda v: v):
    return act(x.astype(np.float64) @ kernel.astype(np.float64) + bias.astype(np.float64))


def build_qa(text_emb, question_emb, units=(32, 16), answers=500):
    text_input = Input(shape=(None,), dtype="int32", name="text")
    encoded_text = layers.LSTM(units[0])(layers.Embedding(*text_emb)(text_input))
    question_input = Input(shape=(None,), dtype="int32", name="question")
    encoded_question = layers.LSTM(units[1])(layers.Embedding(*question_emb)(question_input))
    concatenated = layers.concatenate([encoded_text, encoded_question], axis=-1)
    answer = layers.Dense(answers, activation="softmax")(concatenated)
    return Model([text_input, question_input], answer)


def build_posts_model():
    posts_input = Input(shape=(None,), dtype="int32", name="posts")
    embedded_posts = layers.Embedding(50000, 256)(posts_input)
    x = layers.Conv1D(128, 5, activation="relu")(embedded_posts)
    x = layers.MaxPooling1D(5)(x)
    x = layers.Conv1D(256, 5, activation="relu")(x)
    x = layers.Conv1D(256, 5, activation="relu")(x)
    x = layers.MaxPooling1D(5)(x)
    x = layers.Conv1D(256, 5, activation="relu")(x)
    x = layers.Conv1D(256, 5, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(128, activation="relu")(x)
    age_prediction = layers.Dense(1, name="age")(x)
    income_prediction = layers.Dense(10, activation="softmax", name="income")(x)
    gender_prediction = layers.Dense(1, activation="sigmoid", name="gender")(x)
    return Model(posts_input, [age_prediction, income_prediction, gender_prediction])


def build_shared_lstm(features=128, units=32):
    lstm = layers.LSTM(units)
    left_input = Input(shape=(None, features))
    left_output = lstm(left_input)
    right_input = Input(shape=(None, features))
    right_output = lstm(right_input)
    merged = layers.concatenate([left_output, right_output], axis=-1)
    predictions = layers.Dense(1, activation="sigmoid")(merged)
    return Model([left_input, right_input], predictions), lstm


# ---- Introduction cell: Sequential and its functional twin -----------------------------------
def test_cell1_param_counts_and_layers():
    seq_model, model = build_mlp_twins()
    assert [l.count_params() for l in seq_model.layers] == [2080, 1056, 330]
    assert seq_model.count_params() == model.count_params() == 3466
    assert [l.name for l in seq_model.layers] == ["dense", "dense_1", "dense_2"]
    assert [l.name for l in model.layers] == ["input_layer_1", "dense_3", "dense_4", "dense_5"]
    assert isinstance(model.layers[0], InputLayer)
    assert seq_model.name == "sequential" and model.name == "functional_3"
    assert seq_model.input_shape == model.input_shape == (None, 64)
    assert seq_model.output_shape == model.output_shape == (None, 10)
    assert [w.shape for w in model.weights] == [(64, 32), (32,), (32, 32), (32,), (32, 10), (10,)]


def test_cell1_twins_same_predictions_after_set_weights():
    seq_model, model = build_mlp_twins()
    model.set_weights(seq_model.get_weights())
    x = np.random.default_rng(0).standard_normal((7, 64)).astype(np.float32)
    got_seq = np.asarray(seq_model(x))
    got_fun = np.asarray(model(x))
    np.testing.assert_array_equal(got_seq, got_fun)
    k1, b1, k2, b2, k3, b3 = seq_model.get_weights()
    ref = dense_ref(dense_ref(dense_ref(x, k1, b1, relu), k2, b2, relu), k3, b3, softmax)
    np.testing.assert_allclose(got_fun, ref, rtol=1e-5, atol=1e-6)
    # and back: a fresh Sequential takes the functional weights
    seq2 = Sequential([Input((64,)), layers.Dense(32, activation="relu"),
                       layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")])
    seq2.set_weights(model.get_weights())
    np.testing.assert_array_equal(np.asarray(seq2(x)), got_fun)


def test_intermediate_activations_model():
    _, model = build_mlp_twins()
    feature_model = Model(model.input, model.get_layer("dense_4").output)
    assert feature_model.output_shape == (None, 32)
    assert [l.name for l in feature_model.layers] == ["input_layer_1", "dense_3", "dense_4"]
    x = np.random.default_rng(1).standard_normal((3, 64)).astype(np.float32)
    k1, b1, k2, b2 = model.get_weights()[:4]
    ref = dense_ref(dense_ref(x, k1, b1, relu), k2, b2, relu)
    np.testing.assert_allclose(np.asarray(feature_model(x)), ref, rtol=1e-5, atol=1e-6)
    # weights are shared with the full model, not copied
    assert feature_model.weights[0] is model.weights[0]


def test_get_layer_by_name_and_index_and_errors():
    _, model = build_mlp_twins()
    assert model.get_layer("dense_3") is model.layers[1]
    assert model.get_layer(index=-1).name == "dense_5"
    with pytest.raises(ValueError, match=r"No such layer: nope.*'input_layer_1', 'dense_3'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="only has 4 layers"):
        model.get_layer(index=4)
    with pytest.raises(ValueError, match="only a layer name or a layer index"):
        model.get_layer("dense_3", 1)
    with pytest.raises(ValueError, match="Provide either"):
        model.get_layer()


def test_model_call_shape_mismatch_names_model_and_shapes():
    _, model = build_mlp_twins()
    with pytest.raises(ValueError, match=r"functional_3.*expected shape=\(None, 64\).*\(2, 32\)"):
        model(np.zeros((2, 32), np.float32))


# ---- Multi-input models ---------------------------------------------------------------------
def test_qa_model_param_counts():
    model = build_qa((10000, 64), (10000, 32))
    assert model.count_params() == 1_000_052
    assert [l.count_params() for l in model.layers] == [0, 0, 640_000, 320_000, 12_416, 3_136, 0,
                                                        24_500]
    assert model.input_names == ["text", "question"]
    assert model.output_names == ["dense"]
    assert model.output_shape == (None, 500)


def test_qa_model_seed_argument_order_param_count():
    naming.reset_names()
    model = build_qa((64, 10000), (32, 10000))
    assert model.count_params() == 2_909_812


def test_qa_model_dict_and_list_inputs_agree():
    model = build_qa((100, 8), (100, 4), units=(5, 3), answers=7)
    rng = np.random.default_rng(2)
    text = rng.integers(1, 100, size=(4, 6))
    question = rng.integers(1, 100, size=(4, 9))
    by_list = np.asarray(model([text, question]))
    by_dict = np.asarray(model({"question": question, "text": text}))  # by name, not position
    np.testing.assert_array_equal(by_list, by_dict)
    assert by_list.shape == (4, 7)
    np.testing.assert_allclose(by_list.sum(axis=1), 1.0, rtol=1e-5)
    swapped = np.asarray(model([question[:, :6], text]))  # position matters for lists
    assert not np.allclose(swapped, by_list)


def test_qa_model_input_errors():
    model = build_qa((100, 8), (100, 4), units=(5, 3), answers=7)
    text = np.ones((2, 3), np.int32)
    # Keras 3: keys beside the input names are ignored (here with a warning naming them)
    with pytest.warns(UserWarning, match=r"\['answer'\].*ignored"):
        extra = np.asarray(model({"text": text, "question": text, "answer": text}))
    np.testing.assert_array_equal(extra, np.asarray(model([text, text])))
    with pytest.raises(ValueError, match=r"missing inputs \['question'\]"):
        model({"text": text})
    with pytest.raises(ValueError, match=r"expects 2 input\(s\).*received 3"):
        model([text, text, text])
    with pytest.raises(ValueError, match="expects 2 inputs"):
        model(text)


def test_qa_seed_order_out_of_range_ids_rejected_by_embedding():
    # Embedding(64, 10000) as printed in the seed, fed ids up to 9999 (keras_reference.md)
    model = build_qa((64, 10), (32, 10), units=(2, 2), answers=3)
    ids = np.array([[1, 2, 9999]])
    with pytest.raises((ValueError, IndexError), match=r"embedding.*9999.*64|embedding.*64.*9999"):
        model({"text": ids, "question": np.array([[1, 2, 3]])})


# ---- Multi-output models --------------------------------------------------------------------
def test_posts_multi_output_model():
    model = build_posts_model()
    assert model.count_params() == 14_146_316
    assert model.output_names == ["age", "income", "gender"]
    assert [t.shape for t in model.outputs] == [(None, 1), (None, 10), (None, 1)]
    assert model.get_layer("embedding").count_params() == 12_800_000
    posts = np.random.default_rng(3).integers(0, 50000, size=(2, 300))
    age, income, gender = model(posts)
    assert np.asarray(age).shape == (2, 1)
    assert np.asarray(income).shape == (2, 10)
    assert np.asarray(gender).shape == (2, 1)
    np.testing.assert_allclose(np.asarray(income).sum(axis=1), 1.0, rtol=1e-5)
    assert np.all((np.asarray(gender) > 0) & (np.asarray(gender) < 1))


def test_dict_outputs_and_dict_inputs():
    a = Input((3,), name="a")
    b = Input((3,), name="b")
    s = layers.add([a, b])
    model = Model({"a": a, "b": b}, {"sum": s, "scaled": layers.Dense(2, name="d")(s)})
    assert model.input_names == ["a", "b"] and model.output_names == ["scaled", "sum"]  # Keras 3 sorts
    out = model({"b": np.ones((1, 3)), "a": np.full((1, 3), 2.0)})
    assert set(out) == {"sum", "scaled"}
    np.testing.assert_array_equal(np.asarray(out["sum"]), np.full((1, 3), 3.0, np.float32))


# ---- Directed acyclic graphs ----------------------------------------------------------------
def test_inception_block_as_printed_raises_at_graph_build():
    x = Input(shape=(32, 32, 256))
    branch_a, branch_b, branch_c, branch_d = inception_branches_as_printed(x)
    assert branch_a.shape == (None, 16, 16, 128)
    assert branch_b.shape == (None, 15, 15, 128)
    assert branch_c.shape == (None, 13, 13, 128)
    assert branch_d.shape == (None, 14, 14, 128)
    with pytest.raises(ValueError, match=(
            r"(?s)Concatenate. layer requires inputs with matching shapes except for the "
            r"concatenation axis.*\(None, 16, 16, 128\).*\(None, 15, 15, 128\).*"
            r"\(None, 13, 13, 128\).*\(None, 14, 14, 128\)")):
        layers.concatenate([branch_a, branch_b, branch_c, branch_d], axis=-1)


def test_inception_block_with_same_padding_builds():
    x = Input(shape=(8, 8, 16))
    a = layers.Conv2D(4, 1, activation="relu", strides=2)(x)
    b = layers.Conv2D(4, 3, activation="relu", strides=2, padding="same")(layers.Conv2D(4, 1)(x))
    c = layers.Conv2D(4, 3, padding="same")(layers.AveragePooling2D(3, strides=2, padding="same")(x))
    out = layers.concatenate([a, b, c], axis=-1)
    model = Model(x, out)
    assert model.output_shape == (None, 4, 4, 12)
    y = np.asarray(model(np.random.default_rng(4).standard_normal((2, 8, 8, 16))))
    assert y.shape == (2, 4, 4, 12)


def test_residual_same_size():
    x = Input((32, 32, 128))
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(x)
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(y)
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(y)
    y = layers.add([y, x])
    model = Model(x, y)
    assert model.count_params() == 442_752
    assert model.output_shape == (None, 32, 32, 128)


def test_residual_other_size():
    x = Input((32, 32, 64))
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(x)
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(y)
    y = layers.MaxPooling2D(2, strides=2)(y)
    residual = layers.Conv2D(128, 1, strides=2, padding="same")(x)
    y = layers.add([y, residual])
    model = Model(x, y)
    assert model.count_params() == 229_760
    assert model.output_shape == (None, 16, 16, 128)
    assert [l.name for l in model.layers] == ["input_layer", "conv2d", "conv2d_1",
                                              "max_pooling2d", "conv2d_2", "add"]


def test_add_with_incompatible_shapes_raises_at_graph_build():
    x = Input((8, 8, 4))
    y = layers.Conv2D(6, 3)(x)
    with pytest.raises(ValueError, match=r"(?s)add.*\(None, 6, 6, 6\).*\(None, 8, 8, 4\)"):
        layers.add([y, x])


# ---- Layer weight sharing -------------------------------------------------------------------
def test_shared_lstm_counts_once_and_node_indices():
    model, lstm = build_shared_lstm()
    assert model.count_params() == 20_673
    assert lstm.count_params() == 20_608  # 4*(32*(128+32)+32)
    assert len(lstm.weights) == 3
    assert [l.name for l in model.layers].count("lstm") == 1
    concat = model.get_layer("concatenate")
    a, b = concat._inbound_nodes[0].input_tensors
    assert a._keras_history.operation is lstm and a._keras_history.node_index == 0
    assert b._keras_history.operation is lstm and b._keras_history.node_index == 1


def test_shared_lstm_forward_is_symmetric():
    model, lstm = build_shared_lstm(features=6, units=4)
    seq = np.random.default_rng(5).standard_normal((3, 5, 6)).astype(np.float32)
    other = np.random.default_rng(6).standard_normal((3, 5, 6)).astype(np.float32)
    feats = Model(model.inputs, model.get_layer("concatenate").output)
    same = np.asarray(feats([seq, seq]))
    np.testing.assert_array_equal(same[:, :4], same[:, 4:])
    mixed = np.asarray(feats([seq, other]))
    np.testing.assert_array_equal(mixed[:, :4], same[:, :4])
    assert np.asarray(model([seq, other])).shape == (3, 1)


# ---- Models as layers -----------------------------------------------------------------------
def test_nested_model_used_twice_counts_params_once_and_shares_weights():
    inner_in = Input((8,))
    inner = Model(inner_in, layers.Dense(4, name="enc")(inner_in), name="encoder")
    a, b = Input((8,)), Input((8,))
    fa, fb = inner(a), inner(b)
    assert fa._keras_history == (inner, 0, 0) and fb._keras_history == (inner, 1, 0)
    out = layers.concatenate([fa, fb])
    outer = Model([a, b], out)
    assert inner.count_params() == 36
    assert outer.count_params() == 36
    assert len(outer.weights) == 2 and outer.weights[0] is inner.weights[0]
    assert [l.name for l in outer.layers] == ["input_layer_1", "input_layer_2", "encoder",
                                              "concatenate"]
    xa = np.random.default_rng(7).standard_normal((2, 8)).astype(np.float32)
    xb = np.random.default_rng(8).standard_normal((2, 8)).astype(np.float32)
    k, bias = inner.get_weights()
    got = np.asarray(outer([xa, xb]))
    np.testing.assert_allclose(got, np.concatenate([dense_ref(xa, k, bias), dense_ref(xb, k, bias)],
                                                   axis=1), rtol=1e-5, atol=1e-6)


def test_sequential_nested_in_functional_and_functional_in_sequential():
    base = Sequential([Input((5,)), layers.Dense(3, activation="relu"), layers.Dense(2)], name="base")
    x = Input((5,))
    y = base(x)
    assert isinstance(y, KerasTensor) and y.shape == (None, 2)
    head = Sequential([Input((5,)), base, layers.Dense(1, name="head")])
    assert head.count_params() == base.count_params() + 3 == 18 + 8 + 3
    data = np.random.default_rng(9).standard_normal((4, 5)).astype(np.float32)
    k, b = head.get_layer("head").get_weights()
    np.testing.assert_allclose(np.asarray(head(data)), dense_ref(np.asarray(base(data)), k, b),
                               rtol=1e-5, atol=1e-6)


def test_nested_model_called_on_incompatible_tensor():
    inner_in = Input((8,))
    inner = Model(inner_in, layers.Dense(4)(inner_in), name="encoder")
    with pytest.raises(ValueError, match=r"encoder.*expected shape=\(None, 8\).*\(None, 5\)"):
        inner(Input((5,)))


def test_xception_siamese_cell():
    xception_base = pyfapi.applications.Xception(weights=None, include_top=False)
    left_input = Input(shape=(250, 250, 3))
    right_input = Input(shape=(250, 250, 3))
    left_features = xception_base(left_input)
    right_features = xception_base(right_input)
    assert left_features.shape == right_features.shape == (None, 8, 8, 2048)
    merged_features = layers.concatenate([left_features, right_features], axis=-1)
    assert merged_features.shape == (None, 8, 8, 4096)
    siamese = Model([left_input, right_input], merged_features)
    assert xception_base.count_params() == 20_861_480
    assert siamese.count_params() == 20_861_480  # the shared base counts once
    assert len(xception_base.layers) == 132


# ---- Graph errors ---------------------------------------------------------------------------
def test_graph_disconnected_error():
    a = Input((4,), name="a")
    b = Input((4,), name="b")
    out = layers.add([layers.Dense(4, name="da")(a), layers.Dense(4, name="db")(b)])
    with pytest.raises(ValueError, match=r"Graph disconnected.*'b'.*'db'"):
        Model(a, out)


def test_two_layers_with_one_name_error():
    x = Input((4,))
    y = layers.Dense(4, name="twin")(x)
    y = layers.Dense(4, name="twin")(y)
    with pytest.raises(ValueError, match='"twin" is used 2 times'):
        Model(x, y)


def test_intermediate_tensor_as_model_input():
    x = Input((4,))
    h = layers.Dense(3, name="first")(x)
    out = layers.Dense(2, name="second")(h)
    tail = Model(h, out)
    assert [l.name for l in tail.layers] == ["second"]
    data = np.ones((2, 3), np.float32)
    k, b = tail.get_layer("second").get_weights()
    np.testing.assert_allclose(np.asarray(tail(data)), dense_ref(data, k, b), rtol=1e-6)


# ---- Sequential ----------------------------------------------------------------------------
def test_sequential_lazy_build_on_first_call():
    model = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    assert not model.built
    with pytest.raises(AttributeError, match="no defined inputs"):
        model.inputs
    x = np.random.default_rng(10).standard_normal((3, 5))
    y = np.asarray(model(x))
    assert model.built and y.shape == (3, 2)
    assert model.input_shape == (None, 5) and model.output_shape == (None, 2)
    assert model.count_params() == 5 * 4 + 4 + 4 * 2 + 2
    k1, b1, k2, b2 = model.get_weights()
    np.testing.assert_allclose(y, dense_ref(dense_ref(x, k1, b1, relu), k2, b2), rtol=1e-5,
                               atol=1e-6)
    assert len(model(x[:1]).shape) == 2  # another batch size works


def test_sequential_lazy_build_with_int_inputs():
    model = Sequential([layers.Embedding(20, 3), layers.GlobalAveragePooling1D()])
    y = np.asarray(model(np.array([[1, 2, 3], [4, 5, 6]])))
    assert y.shape == (2, 3) and model.inputs[0].dtype.startswith("int")


def test_sequential_input_first_add_and_pop():
    model = Sequential([Input((6,))])
    assert model.layers == []
    model.add(layers.Dense(3, name="one"))
    model.add(layers.Dense(2, name="two"))
    assert model.built and model.output_shape == (None, 2)
    assert [l.name for l in model.layers] == ["one", "two"]
    popped = model.pop()
    assert popped.name == "two" and model.output_shape == (None, 3)
    assert model.count_params() == 21
    model.pop()
    with pytest.raises(TypeError, match="no layers"):
        model.pop()


def test_sequential_errors():
    model = Sequential([Input((4,)), layers.Dense(3, name="d")])
    with pytest.raises(ValueError, match="unique names.*'d'"):
        model.add(layers.Dense(2, name="d"))
    with pytest.raises(TypeError, match="Only instances of pyfapi Layer"):
        model.add("dense")
    with pytest.raises(ValueError, match="already been configured"):
        model.add(InputLayer(shape=(4,)))
    bad = Sequential([Input((4, 4, 3)), layers.Flatten()])
    with pytest.raises(ValueError, match="global_average_pooling2d"):
        bad.add(layers.GlobalAveragePooling2D())
    # the failed add() leaves the model as it was
    assert [l.name for l in bad.layers] == ["flatten"] and bad.output_shape == (None, 48)


def test_sequential_functional_twin_via_input_shape_vs_lazy():
    eager = Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(1)])
    lazy = Sequential([layers.Dense(3), layers.Dense(1)])
    lazy.build((None, 4))
    lazy.set_weights(eager.get_weights())
    x = np.random.default_rng(11).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(eager(x)), np.asarray(lazy(x)))


def test_model_is_a_trainer():
    from pyfapi.training import Trainer

    seq_model, model = build_mlp_twins()
    for m in (seq_model, model):
        assert isinstance(m, Trainer)
        for method in ("compile", "fit", "evaluate", "predict", "train_on_batch",
                       "save_weights", "load_weights"):
            assert callable(getattr(m, method))


def test_model_trainable_flag():
    seq_model, model = build_mlp_twins()
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 6
    model.trainable = True
    model.get_layer("dense_3").trainable = False
    assert len(model.trainable_weights) == 4


# ---- config -------------------------------------------------------------------------------
def test_functional_config_keras_format_and_roundtrip():
    model = build_qa((50, 6), (50, 5), units=(4, 3), answers=7)
    config = model.get_config()
    assert set(config) == {"name", "trainable", "layers", "input_layers", "output_layers"}
    assert config["input_layers"] == [["text", 0, 0], ["question", 0, 0]]
    assert config["output_layers"] == ["dense", 0, 0]
    entry = config["layers"][6]
    assert entry["class_name"] == "Concatenate" and entry["module"] == "keras.layers"
    assert entry["inbound_nodes"] == [{"args": [[
        {"class_name": "__keras_tensor__",
         "config": {"shape": [None, 4], "dtype": "float32", "keras_history": ["lstm", 0, 0]}},
        {"class_name": "__keras_tensor__",
         "config": {"shape": [None, 3], "dtype": "float32", "keras_history": ["lstm_1", 0, 0]}}]],
        "kwargs": {}}]
    assert config["layers"][0] == {
        "module": "keras.layers", "class_name": "InputLayer",
        "config": {"batch_shape": [None, None], "dtype": "int32", "sparse": False,
                   "ragged": False, "name": "text", "optional": False},
        "registered_name": None, "name": "text", "inbound_nodes": []}
    json.dumps(config)  # JSON-serialisable
    clone = Model.from_config(config)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert clone.count_params() == model.count_params()
    clone.set_weights(model.get_weights())
    ids = {"text": np.array([[1, 2, 3]]), "question": np.array([[4, 5]])}
    np.testing.assert_array_equal(np.asarray(clone(ids)), np.asarray(model(ids)))
    again = model_from_json(model.to_json())
    assert again.count_params() == model.count_params()


def test_config_shared_layer_and_node_reindexing():
    model, lstm = build_shared_lstm(features=3, units=2)
    config = model.get_config()
    lstm_entry = next(e for e in config["layers"] if e["name"] == "lstm")
    histories = [n["args"][0]["config"]["keras_history"] for n in lstm_entry["inbound_nodes"]]
    assert histories == [["input_layer", 0, 0], ["input_layer_1", 0, 0]]
    clone = Model.from_config(config)
    assert clone.count_params() == model.count_params() == 4 * (2 * 5 + 2) + 5
    assert len(clone.get_layer("lstm")._inbound_nodes) == 2
    # a layer called outside the model first: its node index is re-counted (Keras 3)
    naming.reset_names()
    d = layers.Dense(3)
    a, b = Input((2,)), Input((2,))
    d(a)
    m = Model(b, d(b))
    c = m.get_config()
    assert c["input_layers"] == ["input_layer_1", 0, 0] and c["output_layers"] == ["dense", 0, 0]
    assert Model.from_config(c).count_params() == 9


def test_nested_model_config_roundtrip():
    inner = Sequential([Input((8,)), layers.Dense(4), layers.BatchNormalization()], name="inner")
    a, b = Input((8,)), Input((8,))
    model = Model([a, b], layers.add([inner(a), inner(b)]))
    config = model.get_config()
    inner_entry = config["layers"][2]
    assert inner_entry["class_name"] == "Sequential" and inner_entry["module"] == "keras"
    assert [n["args"][0]["config"]["keras_history"] for n in inner_entry["inbound_nodes"]] == \
        [["input_layer_1", 0, 0], ["input_layer_2", 0, 0]]
    clone = Model.from_config(config)
    assert clone.count_params() == 52
    clone.set_weights(model.get_weights())
    x = [np.ones((2, 8), np.float32), np.full((2, 8), 0.5, np.float32)]
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(model(x)), rtol=1e-6)


def test_sequential_config_roundtrip():
    model = Sequential([layers.Dense(3, activation="relu", input_shape=(4,)), layers.Dense(2)])
    config = model.get_config()
    assert config["name"] == "sequential" and config["build_input_shape"] == [None, 4]
    assert [l["class_name"] for l in config["layers"]] == ["InputLayer", "Dense", "Dense"]
    assert config["layers"][0]["config"]["batch_shape"] == [None, 4]
    clone = Sequential.from_config(config)
    assert clone.built and clone.count_params() == 23
    clone.set_weights(model.get_weights())
    x = np.ones((2, 4), np.float32)
    np.testing.assert_array_equal(np.asarray(clone(x)), np.asarray(model(x)))


def test_from_config_unknown_class_needs_custom_objects():
    class Twice(layers.Layer):
        def call(self, x):
            return pyfapi.ops.multiply(x, 2.0)

        def compute_output_shape(self, s):
            return s

    x = Input((3,))
    model = Model(x, Twice(name="twice")(x))
    config = model.get_config()
    with pytest.raises(ValueError, match="Unknown layer class 'Twice'"):
        Model.from_config(config)
    clone = Model.from_config(config, custom_objects={"Twice": Twice})
    np.testing.assert_array_equal(np.asarray(clone(np.ones((1, 3)))), np.full((1, 3), 2.0))


def test_nested_model_gradient_sums_over_its_calls():
    from pyfapi.autodiff import GradientTape

    inner_in = Input((8,))
    inner = Model(inner_in, layers.Dense(4)(inner_in), name="encoder")
    a, b = Input((8,)), Input((8,))
    outer = Model([a, b], layers.add([inner(a), inner(b)]))
    xa = np.random.default_rng(12).standard_normal((3, 8)).astype(np.float32)
    xb = np.random.default_rng(13).standard_normal((3, 8)).astype(np.float32)
    kernel, bias = inner.weights
    with GradientTape() as tape:
        loss = pyfapi.ops.sum(outer([xa, xb], training=True))
    gk, gb = tape.gradient(loss, [kernel, bias])
    # d/dK sum(a@K + b@K + 2b) = (a + b).sum(0) repeated over the 4 units; d/db = 2 * batch
    np.testing.assert_allclose(np.asarray(gk), np.repeat((xa + xb).sum(0)[:, None], 4, axis=1),
                               rtol=1e-5)
    np.testing.assert_allclose(np.asarray(gb), np.full(4, 6.0), rtol=1e-6)


def test_subclassed_model_tracks_layers():
    class TwoLayer(Model):
        def __init__(self):
            super().__init__(name="two_layer")
            self.hidden = layers.Dense(3, activation="relu")
            self.out = layers.Dense(1)

        def call(self, x, training=None):
            return self.out(self.hidden(x))

    model = TwoLayer()
    x = np.random.default_rng(14).standard_normal((2, 4)).astype(np.float32)
    y = np.asarray(model(x))
    assert y.shape == (2, 1) and model.built
    assert [l.name for l in model.layers] == ["dense", "dense_1"]
    assert model.count_params() == 4 * 3 + 3 + 3 + 1
    k1, b1, k2, b2 = model.get_weights()
    np.testing.assert_allclose(y, dense_ref(dense_ref(x, k1, b1, relu), k2, b2), rtol=1e-5,
                               atol=1e-6)


# ---- the notebook's compile / fit cells (integration with pyfapi.training.Trainer) ----------
def test_qa_model_fit_with_dict_inputs():
    model = build_qa((100, 8), (100, 4), units=(5, 3), answers=6)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])
    rng = np.random.default_rng(15)
    text = rng.integers(1, 100, size=(16, 7))
    question = rng.integers(1, 100, size=(16, 7))
    answers = np.eye(6, dtype=np.float32)[rng.integers(0, 6, size=16)]
    history = model.fit({"text": text, "question": question}, answers, epochs=2, batch_size=8,
                        verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.all(np.isfinite(history.history["loss"]))


def test_posts_model_fit_with_loss_dict():
    model = build_posts_model()
    model.compile(optimizer="rmsprop",
                  loss={"age": "mse", "income": "categorical_crossentropy",
                        "gender": "binary_crossentropy"},
                  loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0})
    rng = np.random.default_rng(16)
    posts = rng.integers(0, 50000, size=(4, 300))
    targets = {"age": rng.standard_normal((4, 1)).astype(np.float32),
               "income": np.eye(10, dtype=np.float32)[rng.integers(0, 10, size=4)],
               "gender": rng.integers(0, 2, size=(4, 1)).astype(np.float32)}
    history = model.fit(posts, targets, epochs=1, batch_size=4, verbose=0).history
    assert sorted(history) == ["age_loss", "gender_loss", "income_loss", "loss"]
    expected = 0.25 * history["age_loss"][0] + history["income_loss"][0] + 10 * history["gender_loss"][0]
    np.testing.assert_allclose(history["loss"][0], expected, rtol=1e-4)


def test_clone_model_rebuilds_unregistered_custom_layers():
    """Keras's clone_model takes each layer's own class: an unregistered custom layer needs no
    custom_objects (it raised "Unknown layer class" before)."""
    import numpy as np

    import pyfapi

    class Twice(pyfapi.layers.Layer):
        def call(self, x):
            return x * 2.0

    i = pyfapi.Input((3,))
    m = pyfapi.Model(i, pyfapi.layers.Dense(2)(Twice()(i)))
    c = pyfapi.models.clone_model(m)
    assert isinstance(c.layers[1], Twice) and c.layers[1] is not m.layers[1]
    c.set_weights(m.get_weights())
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(c.predict(x, verbose=0), m.predict(x, verbose=0))
