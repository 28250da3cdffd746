"""compile / fit / evaluate / predict on real pyfapi models: the notebook's calls (list and dict
inputs, the multi-output model with loss and loss-weight dicts), validation, sample weights,
batch-size independence, errors, frozen layers and reproducibility."""
import numpy as np
import pytest

import pyfapi
from pyfapi import Input, layers, losses, ops
from pyfapi.models import Model, Sequential
from references import training_ref as ref

RNG = np.random.default_rng(11)


def _mlp(seed=0, n_in=6, n_out=3):
    pyfapi.utils.set_random_seed(seed)
    inp = Input(shape=(n_in,), name="features")
    x = layers.Dense(8, activation="relu")(inp)
    out = layers.Dense(n_out, activation="softmax")(x)
    return Model(inp, out)


def _multi_output(seed=0):
    """The notebook's multi-output heads (age / income / gender) on a small trunk."""
    pyfapi.utils.set_random_seed(seed)
    posts = Input(shape=(12,), name="posts")
    x = layers.Dense(16, activation="relu")(posts)
    age = layers.Dense(1, name="age")(x)
    income = layers.Dense(4, activation="softmax", name="income")(x)
    gender = layers.Dense(1, activation="sigmoid", name="gender")(x)
    return Model(posts, [age, income, gender])


def _multi_data(n=40):
    x = RNG.normal(size=(n, 12)).astype(np.float32)
    y = {"age": RNG.normal(size=(n, 1)), "income": np.eye(4)[RNG.integers(0, 4, n)],
         "gender": RNG.integers(0, 2, (n, 1))}
    return x, y


NOTEBOOK_COMPILE = dict(
    optimizer="rmsprop",
    loss={"age": "mse", "income": "categorical_crossentropy", "gender": "binary_crossentropy"},
    loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0})


# ---- the notebook --------------------------------------------------------------------------------
def _qa_model():
    pyfapi.utils.set_random_seed(5)
    text_input = Input(shape=(None,), dtype="int32", name="text")
    embedded_text = layers.Embedding(100, 16)(text_input)
    encoded_text = layers.LSTM(8)(embedded_text)
    question_input = Input(shape=(None,), dtype="int32", name="question")
    embedded_question = layers.Embedding(100, 8)(question_input)
    encoded_question = layers.LSTM(4)(embedded_question)
    concatenated = layers.concatenate([encoded_text, encoded_question], axis=-1)
    answer = layers.Dense(20, activation="softmax")(concatenated)
    return Model([text_input, question_input], answer)


def test_notebook_multi_input_fit_with_dict_and_list_inputs():
    text = RNG.integers(1, 100, size=(30, 7))
    question = RNG.integers(1, 100, size=(30, 5))
    answers = np.eye(20)[RNG.integers(0, 20, 30)]
    results = []
    for as_dict in (True, False):
        model = _qa_model()
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])
        data = {"question": question, "text": text} if as_dict else [text, question]
        hist = model.fit(data, answers, epochs=2, batch_size=8, verbose=0, shuffle=False)
        assert set(hist.history) == {"loss", "acc"}
        assert len(hist.history["loss"]) == 2
        assert model.history is hist
        results.append([w.copy() for w in model.get_weights()])
    # a dict routed by name (keys given in the other order) trains exactly like the list
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_notebook_multi_output_loss_is_the_weighted_sum():
    model = _multi_output()
    model.compile(**NOTEBOOK_COMPILE)
    x, y = _multi_data()
    hist = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    h = hist.history
    assert set(h) == {"age_loss", "gender_loss", "income_loss", "loss"}
    for e in range(3):
        expect = 0.25 * h["age_loss"][e] + 1.0 * h["income_loss"][e] + 10.0 * h["gender_loss"][e]
        assert h["loss"][e] == pytest.approx(expect, rel=1e-5)


def test_evaluate_per_output_losses_match_numpy():
    model = _multi_output()
    model.compile(**NOTEBOOK_COMPILE)
    x, y = _multi_data(9)
    res = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    age, income, gender = model.predict(x, verbose=0)
    want_age = ref.mse(y["age"], age).mean()
    want_income = ref.cce(y["income"], income).mean()
    want_gender = ref.bce(y["gender"], gender).mean()
    assert res["age_loss"] == pytest.approx(want_age, rel=1e-5)
    assert res["income_loss"] == pytest.approx(want_income, rel=1e-5)
    assert res["gender_loss"] == pytest.approx(want_gender, rel=1e-5)
    assert res["loss"] == pytest.approx(0.25 * want_age + want_income + 10 * want_gender, rel=1e-5)
    lst = model.evaluate(x, y, verbose=0)
    assert lst == pytest.approx([res["loss"], res["age_loss"], res["income_loss"],
                                 res["gender_loss"]])
    assert model.metrics_names == ["loss", "age_loss", "income_loss", "gender_loss"]


def test_loss_and_weights_as_lists_in_output_order():
    model = _multi_output()
    model.compile(optimizer="sgd", loss=["mse", "categorical_crossentropy", "binary_crossentropy"],
                  loss_weights=[0.25, 1.0, 10.0])
    x, y = _multi_data(8)
    r = model.evaluate(x, [y["age"], y["income"], y["gender"]], verbose=0, return_dict=True)
    assert r["loss"] == pytest.approx(0.25 * r["age_loss"] + r["income_loss"] +
                                      10 * r["gender_loss"], rel=1e-6)


def test_metrics_named_as_given_and_prefixed_per_output():
    model = _multi_output()
    model.compile(**NOTEBOOK_COMPILE, metrics={"income": ["acc"], "gender": "accuracy",
                                                "age": ["mae"]})
    x, y = _multi_data(20)
    h = model.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_split=0.25).history
    assert set(h) == {"age_loss", "gender_loss", "income_loss", "loss", "income_acc",
                      "gender_accuracy", "age_mae", "val_age_loss", "val_gender_loss",
                      "val_income_loss", "val_loss", "val_income_acc", "val_gender_accuracy",
                      "val_age_mae"}
    r = model.evaluate(x, y, verbose=0, return_dict=True)
    age, income, gender = model.predict(x, verbose=0)
    assert r["income_acc"] == pytest.approx(
        np.mean(np.argmax(income, -1) == np.argmax(y["income"], -1)))
    assert r["gender_accuracy"] == pytest.approx(np.mean((gender > 0.5) == (y["gender"] == 1)))
    assert r["age_mae"] == pytest.approx(np.mean(np.abs(age - y["age"])), rel=1e-5)


def test_single_output_acc_resolves_to_sparse_with_integer_labels():
    model = _mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    x = RNG.normal(size=(10, 6)).astype(np.float32)
    labels = RNG.integers(0, 3, 10)
    loss, acc = model.evaluate(x, labels, verbose=0)
    p = model.predict(x, verbose=0)
    assert acc == pytest.approx(np.mean(np.argmax(p, -1) == labels))
    assert loss == pytest.approx(ref.sparse_cce(labels, p).mean(), rel=1e-5)


# ---- data routing and errors ---------------------------------------------------------------------
def test_wrong_loss_dict_key_lists_expected_and_given():
    model = _multi_output()
    with pytest.raises(ValueError, match=r"\['age', 'income', 'gender'\].*'agee'"):
        model.compile("rmsprop", loss={"agee": "mse", "income": "mse", "gender": "mse"})


def test_loss_list_of_wrong_length():
    model = _multi_output()
    with pytest.raises(ValueError, match=r"Expected 3 entries.*received 2"):
        model.compile("rmsprop", loss=["mse", "mse"])


def test_unknown_loss_optimizer_and_metric_strings():
    model = _multi_output()
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'msq'"):
        model.compile("rmsprop", loss="msq")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 'rmsprob'"):
        model.compile("rmsprob", loss="mse")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 'accurcy'"):
        model.compile("rmsprop", loss="mse", metrics={"age": ["accurcy"]})
    with pytest.raises(ValueError, match="loss_weights.*'sex'"):
        model.compile("rmsprop", loss="mse", loss_weights={"sex": 1.0})


def test_unknown_and_missing_input_names():
    model = _qa_model()
    model.compile("rmsprop", "categorical_crossentropy")
    t = RNG.integers(1, 100, (4, 3))
    y = np.eye(20)[[0, 1, 2, 3]]
    with pytest.raises(ValueError, match=r"\['text', 'question'\].*unknown: \['txt'\]"):
        model.fit({"txt": t, "question": t}, y, verbose=0)
    with pytest.raises(ValueError, match="missing: \\['question'\\]"):
        model.fit({"text": t}, y, verbose=0)
    with pytest.raises(ValueError, match="2 input"):
        model.fit([t], y, verbose=0)


def test_different_sample_counts_name_the_arrays():
    model = _multi_output()
    model.compile(**NOTEBOOK_COMPILE)
    x, y = _multi_data(10)
    y["gender"] = y["gender"][:7]
    with pytest.raises(ValueError, match=r"x\['posts'\]: 10.*y\['gender'\]: 7"):
        model.fit(x, y, verbose=0)


def test_missing_target_for_an_output_with_a_loss():
    model = _multi_output()
    model.compile(**NOTEBOOK_COMPILE)
    x, y = _multi_data(10)
    del y["income"]
    with pytest.raises(ValueError, match="missing targets for: \\['income'\\]"):
        model.fit(x, y, verbose=0)


def test_fit_before_compile():
    # Keras 3: ValueError("You must call `compile()` before using the model.")
    for method in ("fit", "evaluate", "train_on_batch", "test_on_batch"):
        with pytest.raises(ValueError, match=r"You must call `compile\(\)` before using"):
            getattr(_mlp(), method)(np.zeros((2, 6)), np.zeros((2, 3)))


# ---- validation ----------------------------------------------------------------------------------
def test_validation_split_takes_the_last_samples_before_shuffling():
    model = _mlp()
    model.compile("sgd", "categorical_crossentropy")
    x = RNG.normal(size=(20, 6)).astype(np.float32)
    y = np.eye(3)[RNG.integers(0, 3, 20)]
    w0 = model.get_weights()
    h = model.fit(x, y, epochs=1, batch_size=4, validation_split=0.25, verbose=0).history
    # validation ran after the epoch's updates on x[15:], which the model never trained on
    expected = model.evaluate(x[15:], y[15:], verbose=0)
    assert h["val_loss"][0] == pytest.approx(expected, rel=1e-6)
    model.set_weights(w0)
    model2 = _mlp()
    model2.compile("sgd", "categorical_crossentropy")
    model2.fit(x[:15], y[:15], epochs=1, batch_size=4, shuffle=False, verbose=0)
    model.fit(x, y, epochs=1, batch_size=4, validation_split=0.25, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), model2.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_validation_data_with_dict_inputs_and_dict_targets():
    model = _multi_output()
    model.compile(**NOTEBOOK_COMPILE)
    x, y = _multi_data(24)
    vx, vy = _multi_data(10)
    h = model.fit({"posts": x}, y, epochs=2, batch_size=8, verbose=0,
                  validation_data=({"posts": vx}, vy)).history
    assert {"val_loss", "val_age_loss", "val_income_loss", "val_gender_loss"} <= set(h)
    r = model.evaluate({"posts": vx}, vy, verbose=0, return_dict=True)
    assert h["val_loss"][-1] == pytest.approx(r["loss"], rel=1e-6)


def test_validation_split_errors():
    model = _mlp()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="validation_split=0.5 on 1 samples leaves 0 training"):
        model.fit(np.zeros((1, 6)), np.zeros((1, 3)), validation_split=0.5, verbose=0)
    with pytest.raises(ValueError, match=r"validation_split must be in \(0, 1\)"):
        model.fit(np.zeros((3, 6)), np.zeros((3, 3)), validation_split=1.5, verbose=0)


# ---- weighting -----------------------------------------------------------------------------------
@pytest.mark.parametrize("bs", [1, 2, 3])
def test_evaluate_is_independent_of_batch_size(bs):
    model = _multi_output()
    model.compile(**NOTEBOOK_COMPILE)
    x, y = _multi_data(3)
    full = model.evaluate(x, y, batch_size=3, verbose=0, return_dict=True)
    got = model.evaluate(x, y, batch_size=bs, verbose=0, return_dict=True)
    for k in full:
        assert got[k] == pytest.approx(full[k], rel=1e-6)


def test_sample_weights_per_output_dict():
    model = _multi_output()
    model.compile(**NOTEBOOK_COMPILE)
    x, y = _multi_data(6)
    w = np.array([1.0, 0.0, 2.0, 1.0, 0.5, 0.0])
    r = model.evaluate(x, y, sample_weight={"age": w}, verbose=0, return_dict=True,
                       batch_size=6)
    age, income, gender = model.predict(x, verbose=0)
    assert r["age_loss"] == pytest.approx(ref.reduce_sum_over_batch(ref.mse(y["age"], age), w),
                                          rel=1e-5)
    # outputs without weights are unweighted
    assert r["income_loss"] == pytest.approx(ref.cce(y["income"], income).mean(), rel=1e-5)
    # one array applies to every output
    r2 = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True, batch_size=6)
    assert r2["gender_loss"] == pytest.approx(
        ref.reduce_sum_over_batch(ref.bce(y["gender"], gender), w), rel=1e-5)
    with pytest.raises(ValueError, match="unknown: \\['weight'\\]"):
        model.evaluate(x, y, sample_weight={"weight": w}, verbose=0)


def test_zero_sample_weights_mean_no_update_with_sgd():
    model = _mlp()
    model.compile("sgd", "categorical_crossentropy")
    x = RNG.normal(size=(8, 6)).astype(np.float32)
    y = np.eye(3)[RNG.integers(0, 3, 8)]
    before = model.get_weights()
    model.fit(x, y, sample_weight=np.zeros(8), epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_class_weight_scales_the_loss():
    model = _mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = RNG.normal(size=(6, 6)).astype(np.float32)
    labels = np.array([0, 1, 2, 0, 1, 2])
    cw = {0: 1.0, 1: 2.0, 2: 0.0}
    r = model.train_on_batch(x, labels, class_weight=cw)
    # loss computed before the update equals the weighted sum / N
    model2 = _mlp()
    model2.compile("sgd", "sparse_categorical_crossentropy")
    p = model2.predict(x, verbose=0)
    w = np.array([cw[c] for c in labels])
    assert r == pytest.approx(ref.reduce_sum_over_batch(ref.sparse_cce(labels, p), w), rel=1e-5)


def test_epoch_loss_is_the_sample_mean_with_a_partial_last_batch():
    model = _mlp()
    model.compile(optimizer=pyfapi.optimizers.SGD(learning_rate=0.0), loss="mse")
    x = RNG.normal(size=(7, 6)).astype(np.float32)
    y = RNG.random((7, 3))
    h = model.fit(x, y, batch_size=3, epochs=1, verbose=0).history
    assert h["loss"][0] == pytest.approx(ref.mse(y, model.predict(x, verbose=0)).mean(), rel=1e-5)


# ---- predict / on-batch --------------------------------------------------------------------------
def test_predict_batches_and_structures():
    model = _multi_output()
    x, _ = _multi_data(11)
    out = model.predict(x, batch_size=4, verbose=0)
    assert isinstance(out, list) and [o.shape for o in out] == [(11, 1), (11, 4), (11, 1)]
    direct = model(x)
    for o, d in zip(out, direct):
        np.testing.assert_allclose(o, d.value, rtol=1e-6, atol=1e-7)
    single = _mlp().predict(RNG.normal(size=(5, 6)), batch_size=2, verbose=0)
    assert isinstance(single, np.ndarray) and single.shape == (5, 3)
    on_batch = _multi_output().predict_on_batch(x)
    assert [o.shape for o in on_batch] == [(11, 1), (11, 4), (11, 1)]


def test_train_and_test_on_batch():
    model = _mlp()
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    x = RNG.normal(size=(8, 6)).astype(np.float32)
    y = np.eye(3)[RNG.integers(0, 3, 8)]
    before = model.test_on_batch(x, y, return_dict=True)
    assert set(before) == {"loss", "accuracy"}
    for _ in range(30):
        model.train_on_batch(x, y)
    after = model.test_on_batch(x, y)
    assert after[0] < before["loss"]


# ---- freezing, reproducibility -------------------------------------------------------------------
def test_trainable_false_takes_effect_at_compile_and_frozen_weights_never_change():
    pyfapi.utils.set_random_seed(0)
    inp = Input(shape=(6,))
    frozen = layers.Dense(8, activation="relu", name="frozen")
    x = frozen(inp)
    out = layers.Dense(3, activation="softmax")(x)
    model = Model(inp, out)
    frozen.trainable = False
    model.compile("adam", "categorical_crossentropy")
    x = RNG.normal(size=(16, 6)).astype(np.float32)
    y = np.eye(3)[RNG.integers(0, 3, 16)]
    w_frozen = frozen.get_weights()
    w_top = model.layers[-1].get_weights()
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    for a, b in zip(w_frozen, frozen.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(w_top[0], model.layers[-1].get_weights()[0])


def test_frozen_nested_model_weights_never_change():
    pyfapi.utils.set_random_seed(0)
    base_in = Input(shape=(6,))
    base = Model(base_in, layers.Dense(5, activation="relu")(base_in), name="base")
    inp = Input(shape=(6,))
    out = layers.Dense(2)(base(inp))
    model = Model(inp, out)
    base.trainable = False
    model.compile("sgd", "mse")
    before = base.get_weights()
    model.fit(RNG.normal(size=(8, 6)), RNG.normal(size=(8, 2)), epochs=2, verbose=0)
    for a, b in zip(before, base.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_trainable_changes_take_effect_at_next_compile_both_directions():
    # Keras 3 captures the trainable variables when the train function is made (at compile):
    # freezing OR unfreezing after compile changes nothing until the next compile.
    pyfapi.utils.set_random_seed(0)
    inp = Input(shape=(6,))
    first = layers.Dense(4, name="first")
    out = layers.Dense(2)(first(inp))
    model = Model(inp, out)
    x, y = RNG.normal(size=(8, 6)), RNG.normal(size=(8, 2))

    model.compile("sgd", "mse")
    first.trainable = False          # after compile: still trained by this compile's fit
    w = first.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(w[0], first.get_weights()[0])

    model.compile("sgd", "mse")      # now frozen
    w = first.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(w, first.get_weights()):
        np.testing.assert_array_equal(a, b)

    first.trainable = True           # unfreeze: no effect until compile
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(w, first.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(w[0], first.get_weights()[0])


def test_same_seed_gives_bit_identical_weights_after_an_epoch():
    x = RNG.normal(size=(50, 6)).astype(np.float32)
    y = np.eye(3)[RNG.integers(0, 3, 50)]
    runs = []
    for _ in range(2):
        model = _mlp(seed=42)
        model.compile("adam", "categorical_crossentropy", metrics=["acc"])
        pyfapi.utils.set_random_seed(123)
        model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=True)
        runs.append(model.get_weights())
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_sequential_trains_and_matches_functional_twin():
    pyfapi.utils.set_random_seed(0)
    seq = Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                      layers.Dense(3, activation="softmax")])
    fun = _mlp()
    fun.set_weights(seq.get_weights())
    x = RNG.normal(size=(12, 6)).astype(np.float32)
    y = np.eye(3)[RNG.integers(0, 3, 12)]
    for m in (seq, fun):
        m.compile("sgd", "categorical_crossentropy")
        m.fit(x, y, epochs=2, batch_size=5, shuffle=False, verbose=0)
    for a, b in zip(seq.get_weights(), fun.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_fit_reduces_the_loss_on_a_learnable_problem():
    model = _mlp(n_out=2)
    model.compile(pyfapi.optimizers.Adam(learning_rate=0.05), "sparse_categorical_crossentropy",
                  metrics=["acc"])
    x = RNG.normal(size=(64, 6)).astype(np.float32)
    labels = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    h = model.fit(x, labels, epochs=15, batch_size=16, verbose=0).history
    assert h["loss"][-1] < 0.5 * h["loss"][0]
    assert h["acc"][-1] > 0.9


def test_custom_loss_callable_written_with_ops():
    def my_mse(y_true, y_pred):
        return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)
    model = _mlp()
    model.compile("sgd", loss=my_mse)
    x = RNG.normal(size=(5, 6)).astype(np.float32)
    y = RNG.random((5, 3)).astype(np.float32)
    r = model.evaluate(x, y, verbose=0)
    assert r == pytest.approx(ref.mse(y, model.predict(x, verbose=0)).mean(), rel=1e-5)
    model.compile("sgd", loss=losses.MeanAbsoluteError())
    assert model.evaluate(x, y, verbose=0) == pytest.approx(
        ref.mae(y, model.predict(x, verbose=0)).mean(), rel=1e-5)


def test_notebook_conv_multi_output_model_when_conv_kernels_exist():
    if not hasattr(ops, "conv"):
        pytest.skip("conv kernels not merged in this tree yet")
    posts_input = Input(shape=(None,), dtype="int32", name="posts")
    x = layers.Embedding(50, 8)(posts_input)
    x = layers.Conv1D(8, 3, activation="relu")(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(8, activation="relu")(x)
    model = Model(posts_input, [layers.Dense(1, name="age")(x),
                                layers.Dense(4, activation="softmax", name="income")(x),
                                layers.Dense(1, activation="sigmoid", name="gender")(x)])
    model.compile(**NOTEBOOK_COMPILE)
    posts = RNG.integers(1, 50, (24, 12))
    h = model.fit(posts, {"age": RNG.random((24, 1)), "income": np.eye(4)[RNG.integers(0, 4, 24)],
                          "gender": RNG.integers(0, 2, (24, 1))},
                  epochs=2, batch_size=8, verbose=0).history
    for e in range(2):
        assert h["loss"][e] == pytest.approx(0.25 * h["age_loss"][e] + h["income_loss"][e] +
                                             10 * h["gender_loss"][e], rel=1e-5)


def test_sequential_without_input_shape_is_built_by_fit():
    pyfapi.utils.set_random_seed(0)
    seq = Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    seq.compile("sgd", "mse", metrics=["mae"])
    x = RNG.normal(size=(10, 3)).astype(np.float32)
    y = RNG.normal(size=(10, 2)).astype(np.float32)
    h = seq.fit(x, y, epochs=2, verbose=0).history
    assert set(h) == {"loss", "mae"} and len(h["loss"]) == 2
    assert seq.predict(x, verbose=0).shape == (10, 2)
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'msee'"):
        Sequential([layers.Dense(2)]).compile("sgd", "msee")


def test_dict_outputs_are_routed_by_name():
    pyfapi.utils.set_random_seed(0)
    inp = Input(shape=(3,), name="in")
    h = layers.Dense(4)(inp)
    model = Model(inp, {"b": layers.Dense(2, name="b_head")(h), "a": layers.Dense(1)(h)})
    assert model.output_names == ["a", "b"]  # sorted keys, as Keras 3
    model.compile("sgd", {"a": "mse", "b": "mae"}, metrics={"b": ["mse"]})
    x = RNG.normal(size=(6, 3)).astype(np.float32)
    y = {"a": RNG.normal(size=(6, 1)), "b": RNG.normal(size=(6, 2))}
    r = model.evaluate(x, y, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    assert set(p) == {"a", "b"} and p["a"].shape == (6, 1) and p["b"].shape == (6, 2)
    assert r["a_loss"] == pytest.approx(ref.mse(y["a"], p["a"]).mean(), rel=1e-5)
    assert r["b_loss"] == pytest.approx(ref.mae(y["b"], p["b"]).mean(), rel=1e-5)
    assert r["b_mse"] == pytest.approx(ref.mse(y["b"], p["b"]).mean(), rel=1e-5)


def test_notebook_qa_model_as_printed_fails_clearly_before_touching_weights():
    # the notebook swaps Embedding's arguments: Embedding(64, 10000) fed ids up to 9999
    text_input = Input(shape=(None,), dtype="int32", name="text")
    encoded = layers.LSTM(4)(layers.Embedding(64, 100)(text_input))
    model = Model(text_input, layers.Dense(5, activation="softmax")(encoded))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])
    before = model.get_weights()
    with pytest.raises(IndexError, match="embedding.*input_dim=64"):
        model.fit(np.full((4, 6), 99), np.eye(5)[[0, 1, 2, 3]], epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_steps_per_epoch_and_batch_shuffle():
    model = _mlp()
    model.compile("sgd", "categorical_crossentropy")
    x = RNG.normal(size=(20, 6)).astype(np.float32)
    y = np.eye(3)[RNG.integers(0, 3, 20)]
    # Keras 3: the pass over 5 batches continues into epoch 2 (batches 3, 4), then runs out
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        model.fit(x, y, batch_size=4, epochs=2, steps_per_epoch=3, verbose=0)
    assert int(model.optimizer.iterations.value) == 5
    model.fit(x, y, batch_size=4, epochs=1, shuffle="batch", verbose=0)
    assert int(model.optimizer.iterations.value) == 10


def test_weight_regularizers_add_to_the_loss_and_constraints_apply_after_updates():
    pyfapi.utils.set_random_seed(0)
    inp = Input(shape=(6,))
    dense = layers.Dense(3, kernel_regularizer=lambda w: ops.multiply(ops.sum(ops.square(w)), 0.1),
                         kernel_constraint=lambda w: ops.clip(w, -0.05, 0.05))
    model = Model(inp, dense(inp))
    model.compile("sgd", "mse")
    x = RNG.normal(size=(5, 6)).astype(np.float32)
    y = RNG.normal(size=(5, 3)).astype(np.float32)
    k = dense.kernel.value.astype(np.float64)
    data_loss = ref.mse(y, model.predict(x, verbose=0)).mean()
    assert model.evaluate(x, y, verbose=0) == pytest.approx(data_loss + 0.1 * np.sum(k ** 2),
                                                            rel=1e-5)
    model.fit(x, y, epochs=1, verbose=0)
    assert np.abs(dense.kernel.value).max() <= 0.05 + 1e-7


def test_class_weight_does_not_weight_the_validation_split():
    model = _mlp()
    model.compile(pyfapi.optimizers.SGD(learning_rate=0.0), "sparse_categorical_crossentropy")
    x = RNG.normal(size=(8, 6)).astype(np.float32)
    labels = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    h = model.fit(x, labels, class_weight={0: 0.0, 1: 0.0, 2: 0.0}, validation_split=0.5,
                  verbose=0).history
    assert h["loss"][0] == 0.0
    p = model.predict(x[4:], verbose=0)
    assert h["val_loss"][0] == pytest.approx(ref.sparse_cce(labels[4:], p).mean(), rel=1e-5)


def test_empty_data_is_an_error():
    model = _mlp()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="0 samples"):
        model.fit(np.zeros((0, 6)), np.zeros((0, 3)), verbose=0)


def test_crossentropy_string_resolves_from_shapes():
    model = _multi_output()
    model.compile("sgd", loss="crossentropy", metrics=[["acc"], ["acc"], ["acc"]])
    x, y = _multi_data(8)
    y["age"] = RNG.integers(0, 2, (8, 1))  # binary targets for the 1-unit head
    labels = RNG.integers(0, 4, 8)
    r = model.evaluate(x, [y["age"], labels, y["gender"]], verbose=0, return_dict=True)
    age, income, gender = model.predict(x, verbose=0)
    assert r["income_loss"] == pytest.approx(ref.sparse_cce(labels, income).mean(), rel=1e-5)
    assert r["age_loss"] == pytest.approx(ref.bce(y["age"], age).mean(), rel=1e-5)
    assert r["income_acc"] == pytest.approx(np.mean(np.argmax(income, -1) == labels))


def test_compile_config_round_trip():
    model = _multi_output()
    model.compile(pyfapi.optimizers.Adam(learning_rate=0.02), **{
        k: v for k, v in NOTEBOOK_COMPILE.items() if k != "optimizer"},
        metrics={"income": ["acc"]})
    cfg = model.get_compile_config()
    other = _multi_output()
    other.compile_from_config(cfg)
    assert isinstance(other.optimizer, pyfapi.optimizers.Adam)
    assert float(other.optimizer.learning_rate) == pytest.approx(0.02)
    x, y = _multi_data(6)
    other.set_weights(model.get_weights())
    assert other.evaluate(x, y, verbose=0, return_dict=True) == \
        pytest.approx(model.evaluate(x, y, verbose=0, return_dict=True))


def test_fit_runs_layers_in_training_mode_and_evaluate_predict_in_inference_mode():
    pyfapi.utils.set_random_seed(0)
    inp = Input(shape=(4,))
    bn = layers.BatchNormalization()
    out = layers.Dense(1)(layers.Dropout(0.5)(bn(layers.Dense(6)(inp))))
    model = Model(inp, out)
    model.compile("adam", "mse")
    x = RNG.normal(size=(32, 4)).astype(np.float32)
    y = RNG.normal(size=(32, 1)).astype(np.float32)
    moving = bn.weights[2].value.copy()  # gamma, beta, moving_mean, moving_variance
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    after_fit = bn.weights[2].value.copy()
    assert not np.allclose(moving, after_fit)  # moving statistics updated by fit
    model.evaluate(x, y, verbose=0)
    p1, p2 = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(bn.weights[2].value, after_fit)  # not by evaluate/predict
    np.testing.assert_array_equal(p1, p2)  # dropout off at inference


# ---- Keras 3 parity fixes from the new-user test --------------------------------------------
def test_loss_dict_must_name_every_output_of_a_list_output_model():
    # Keras 3.15: ValueError "Expected keys ['age', 'income', 'gender'] in loss dict, but found
    # loss.keys()=['age', 'income']"
    model = _multi_output()
    with pytest.raises(ValueError, match=r"Expected keys \['age', 'income', 'gender'\] in loss "
                                         r"dict, but found loss.keys\(\)=\['age', 'income'\]"):
        model.compile("rmsprop", loss={"age": "mse", "income": "categorical_crossentropy"})
    # an output without a loss: a list with None (as Keras)
    model.compile("rmsprop", loss=["mse", None, "binary_crossentropy"])
    x, y = _multi_data(8)
    assert set(model.fit(x, y, verbose=0).history) == {"loss", "age_loss", "gender_loss"}


def test_loss_dict_may_leave_out_outputs_of_a_dict_output_model():
    # Keras accepts it for dict-structured outputs (the left-out output gets no loss)
    posts = Input(shape=(12,), name="posts")
    x = layers.Dense(8)(posts)
    model = Model(posts, {"age": layers.Dense(1, name="age")(x),
                          "income": layers.Dense(4, activation="softmax", name="income")(x)})
    model.compile("sgd", loss={"age": "mse"})
    xs, y = _multi_data(8)
    h = model.fit(xs, {"age": y["age"]}, verbose=0)
    assert "loss" in h.history


def test_predict_on_zero_samples_returns_empty_float32_arrays():
    p = _mlp().predict(np.zeros((0, 6), np.float32), verbose=0)
    assert isinstance(p, np.ndarray) and p.shape == (0, 3) and p.dtype == np.float32
    outs = _multi_output().predict(np.zeros((0, 12)), verbose=0)
    assert [o.shape for o in outs] == [(0, 1), (0, 4), (0, 1)]
    posts = Input(shape=(12,), name="posts")
    dm = Model(posts, {"a": layers.Dense(2)(posts), "b": layers.Dense(5)(posts)})
    d = dm.predict(np.zeros((0, 12)), verbose=0)
    assert {k: v.shape for k, v in d.items()} == {"a": (0, 2), "b": (0, 5)}


# ---- batch_size / steps validation and no cycling (Keras 3 EpochIterator) -------------------------
def _small():
    i = Input((3,))
    m = Model(i, layers.Dense(2)(i))
    m.compile("sgd", "mse")
    x = np.arange(39, dtype=np.float32).reshape(13, 3)
    return m, x, np.zeros((13, 2), np.float32)


@pytest.mark.parametrize("bad", [-1, 0, 2.5, 13.0, True, False, "4", np.float32(4)])
def test_bad_batch_size_and_steps_rejected_everywhere(bad):
    m, x, y = _small()
    calls = [
        ("batch_size", lambda: m.predict(x, batch_size=bad, verbose=0)),
        ("batch_size", lambda: m.evaluate(x, y, batch_size=bad, verbose=0)),
        ("batch_size", lambda: m.fit(x, y, batch_size=bad, verbose=0)),
        ("validation_batch_size", lambda: m.fit(x, y, validation_split=0.3,
                                                validation_batch_size=bad, verbose=0)),
        ("steps_per_epoch", lambda: m.fit(x, y, steps_per_epoch=bad, verbose=0)),
        ("validation_steps", lambda: m.fit(x, y, validation_split=0.3, validation_steps=bad,
                                           verbose=0)),
        ("steps", lambda: m.predict(x, steps=bad, verbose=0)),
        ("steps", lambda: m.evaluate(x, y, steps=bad, verbose=0)),
    ]
    for arg, call in calls:
        with pytest.raises(ValueError, match=f"{arg} must be a positive integer.*{arg}="):
            call()


def test_numpy_int_batch_size_and_steps_accepted():
    m, x, y = _small()
    assert m.predict(x, batch_size=np.int64(4), verbose=0).shape == (13, 2)
    assert m.predict(x, batch_size=np.int32(4), steps=np.int64(2), verbose=0).shape == (8, 2)
    m.fit(x, y, batch_size=np.int64(5), steps_per_epoch=np.int64(1), verbose=0)


def test_predict_evaluate_steps_beyond_data_stop_at_the_end():
    m, x, y = _small()
    full = m.predict(x, batch_size=4, verbose=0)
    with pytest.warns(UserWarning, match="Your input ran out of data"):
        p = m.predict(x, batch_size=4, steps=10, verbose=0)
    np.testing.assert_array_equal(p, full)  # 13 rows, nothing repeated
    with pytest.warns(UserWarning, match="ran out of data"):
        p = m.predict(x, batch_size=4, steps=10 ** 9, verbose=0)  # no endless loop
    assert p.shape == (13, 2)
    ref_loss = m.evaluate(x, y, batch_size=4, verbose=0)
    with pytest.warns(UserWarning, match="ran out of data"):
        assert m.evaluate(x, y, batch_size=4, steps=7, verbose=0) == pytest.approx(ref_loss)
    assert m.predict(x, batch_size=4, steps=2, verbose=0).shape == (8, 2)


def test_fit_steps_per_epoch_beyond_data_ends_each_epoch_like_keras():
    m, x, y = _small()
    # 4 batches; Keras 3.15: every epoch stops after them with the warning (3 epochs -> 12 steps)
    with pytest.warns(UserWarning, match="ran out of data"):
        h = m.fit(x, y, batch_size=4, epochs=3, steps_per_epoch=10, verbose=0)
    assert int(m.optimizer.iterations.value) == 12
    assert len(h.history["loss"]) == 3


def test_accuracy_resolved_from_shapes_not_loss_like_keras():
    # 2 sigmoid units + binary_crossentropy + (n, 2) targets: Keras 3.15 picks CategoricalAccuracy
    from pyfapi import metrics
    rng = np.random.default_rng(1)
    x = rng.standard_normal((30, 4)).astype(np.float32)
    y = (rng.random((30, 2)) > 0.5).astype(np.float32)
    i = Input((4,))
    m = Model(i, layers.Dense(2, activation="sigmoid", kernel_initializer="ones")(i))
    m.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    logs = m.evaluate(x, y, verbose=0, return_dict=True)
    p = m.predict(x, verbose=0)
    assert logs["accuracy"] == pytest.approx((p.argmax(1) == y.argmax(1)).mean())
    assert logs["accuracy"] != pytest.approx(((p > 0.5) == y).mean())  # not BinaryAccuracy
    assert type(metrics.resolve_accuracy("accuracy", (30, 2), (30, 2), "binary_crossentropy")) \
        is metrics.CategoricalAccuracy


def test_single_target_for_the_one_output_with_a_loss():
    """compile(loss=[fn, None]) with one y array (Keras's miniature-GPT pattern): the target goes
    to the output that has a loss; same losses as training that output alone."""
    import numpy as np

    import pyfapi
    from pyfapi import layers

    def build(two):
        pyfapi.utils.set_random_seed(1)
        i = pyfapi.Input((4,))
        h = layers.Dense(3, name="h")(i)
        o = layers.Dense(2, name="o")(h)
        return pyfapi.Model(i, [o, h] if two else o)

    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    y = np.ones((8, 2), "float32")
    two, one = build(True), build(False)
    two.compile(pyfapi.optimizers.SGD(0.1), loss=["mse", None])
    one.compile(pyfapi.optimizers.SGD(0.1), loss="mse")
    a = two.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history["loss"]
    b = one.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(a, b, rtol=1e-6)
