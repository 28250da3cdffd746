"""``python -m pyfapi.demo``: every model of the functional-API notebook, trained on real data.

Runs the notebook's models on the bundled UCI hand-written digits (:mod:`pyfapi.datasets.digits`,
1,797 8x8 images), printing each ``model.summary()``, Keras-style training progress and, at the end,
a table: scenario, parameters, epochs, seconds per epoch, the test metric, its threshold and
whether it was met. The exit status is 1 when a threshold is missed (0 otherwise; ``--quick``
checks only that every scenario runs).

Scenarios (test metrics on the 360 held-out digits, stratified split, seed 0):

1. MLP 64 -> 32 relu -> 32 relu -> 10 softmax as ``Sequential`` and as its functional twin
   (standardised pixels, RMSprop); the twin gets the Sequential's weights and must give the same
   predictions. Accuracy >= 0.95.
2. Multi-input (question answering): the image as a text of 64 pixel tokens (vocabulary 17)
   through Embedding + LSTM (one image row of 8 tokens per step), a question token k (0..9)
   through its own Embedding + LSTM, concatenated, a hidden Dense and the softmax answer
   (digit + k) mod 10, which needs both inputs. Fed as a list and as a
   dict (named inputs). Accuracy >= 0.90.
3. Multi-output (the posts model): pixel tokens -> Embedding -> Conv1D -> MaxPooling1D -> Conv1D ->
   GlobalMaxPooling1D -> Dense, three named heads: ``digit`` (softmax, categorical cross-entropy),
   ``parity`` (sigmoid, binary cross-entropy), ``ink`` (linear, mse), compiled with loss and
   loss-weight dicts. Digit and parity accuracy >= 0.90 each.
4. Graph-like: a residual block, an inception-style module (four branches, padding 'same',
   stride 2) and a residual block with a strided 1x1 shortcut on (8, 8, 1) images; training set
   doubled with 1-pixel shifts, Adam 2e-3 then 2e-4 for the last 4 epochs. Accuracy >= 0.97.
5. Layer weight sharing: one LSTM reads two images row by row (8 steps of 8 pixels); the model
   decides whether they show the same digit (balanced pairs). Accuracy >= 0.85.
6. Models as layers: one small convolutional base model called on two views of each digit (the
   image and a shifted, noisy copy: the notebook's two cameras). Accuracy >= 0.95.
7. The notebook's Siamese Xception at (250, 250, 3): the summary and a timed forward pass on one
   pair (no accuracy: no pretrained weights are bundled).

Options: ``--quick`` (smoke run, seconds), ``--scenario N`` (repeatable), ``--plot curves.png``
(training curves; needs matplotlib: ``pip install pyfapi[plot]``), ``--verbose {0,1,2}`` (fit
progress), ``--seed`` (weights and data order; the train/test split is fixed),
``--distributed`` (data-parallel: ``mpiexec -n 2 python -m pyfapi.demo --distributed``; every
optimizer wrapped in :func:`pyfapi.distributed.DistributedOptimizer`, the batch sizes above are
per rank, weights broadcast from rank 0 and epoch logs averaged; rank 0 prints everything and
times the Xception forward pass alone).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
import traceback

import numpy as np

import pyfapi
from pyfapi import applications, layers
from pyfapi.datasets import digits

__all__ = ["main", "SCENARIOS", "Result"]


# --------------------------------------------------------------------------------- plumbing

@dataclasses.dataclass
class Result:
    """One row of the final table."""
    number: int
    name: str
    params: int
    epochs: int | None
    seconds_per_epoch: float | None
    metric: str            # e.g. "acc 0.972" or "forward 1.9 s"
    threshold: str         # e.g. "0.97" or "-"
    met: bool | None       # None: no threshold (scenario 7) or not checked (--quick)
    history: dict = dataclasses.field(default_factory=dict)  # metric name -> per-epoch values
    error: bool = False    # the scenario raised (traceback printed); counts as missed


@dataclasses.dataclass
class Config:
    """Demo run options: quick (short runs), verbose (fit verbosity), seed."""
    quick: bool = False
    verbose: int = 1
    seed: int = 0
    distributed: bool = False

    def optimizer(self, opt):
        """``opt`` (name or instance), wrapped in DistributedOptimizer with --distributed."""
        if not self.distributed:
            return opt
        from pyfapi import distributed
        return distributed.DistributedOptimizer(opt)

    def callbacks(self):
        """fit callbacks: with --distributed, rank 0's weights everywhere and averaged logs."""
        if not self.distributed:
            return []
        from pyfapi import distributed
        return [distributed.MetricAverageCallback(),
                distributed.BroadcastGlobalVariablesCallback(0)]

    def epochs(self, full: int) -> int:
        """Number of epochs to train: 1 with --quick, else ``full``."""
        return 1 if self.quick else full

    def subset(self, n: int) -> int | None:
        """Training-set size: everything, or a few batches with --quick."""
        return 128 if self.quick else n


class Data:
    """The digits, loaded once: uint8 0..16 as stored, plus float32 views scaled to [0, 1]."""

    def __init__(self):
        (self.x_train, self.y_train), (self.x_test, self.y_test) = digits.load_data(
            test_split=0.2, seed=0, layout="image")
        self.img_train = self.x_train.astype("float32") / 16.0     # (1437, 8, 8, 1)
        self.img_test = self.x_test.astype("float32") / 16.0       # (360, 8, 8, 1)
        self.flat_train = self.img_train.reshape(-1, 64)
        self.flat_test = self.img_test.reshape(-1, 64)
        self.tokens_train = self.x_train.reshape(-1, 64).astype("int32")  # pixel tokens 0..16
        self.tokens_test = self.x_test.reshape(-1, 64).astype("int32")


def one_hot(y, n=10):
    """One-hot float32 rows ``(len(y), n)`` for integer labels ``y``."""
    return np.eye(n, dtype="float32")[np.asarray(y, dtype=np.int64)]


def accuracy(pred, y) -> float:
    """Fraction of rows where ``argmax(pred, -1) == y`` (Python float)."""
    return float(np.mean(np.argmax(pred, axis=-1) == np.asarray(y)))


def binary_accuracy(pred, y) -> float:
    """Fraction where ``pred > 0.5`` equals ``y > 0.5`` (both flattened; Python float)."""
    return float(np.mean((np.asarray(pred).reshape(-1) > 0.5) == (np.asarray(y).reshape(-1) > 0.5)))


def banner(text: str) -> None:
    """Prints ``text`` between two 78-character ``=`` rules."""
    print("\n" + "=" * 78 + f"\n{text}\n" + "=" * 78, flush=True)


def timed_fit(model, x, y, cfg: Config, epochs: int, batch_size: int, initial_epoch: int = 0,
              **kwargs):
    """``model.fit`` with wall time; returns (history dict, seconds per epoch)."""
    t0 = time.perf_counter()
    hist = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=cfg.verbose,
                     initial_epoch=initial_epoch, callbacks=cfg.callbacks(), **kwargs)
    seconds = time.perf_counter() - t0
    n = max(1, epochs - initial_epoch)
    return dict(getattr(hist, "history", {}) or {}), seconds / n


def merge_histories(*hs) -> dict:
    """Concatenates the per-key value lists of several history dicts, in order."""
    out: dict = {}
    for h in hs:
        for k, v in h.items():
            out.setdefault(k, []).extend(list(v))
    return out


# --------------------------------------------------------------------------------- scenarios

def scenario_mlp(data: Data, cfg: Config) -> Result:
    """1. The notebook's MLP as Sequential and as its functional twin."""
    from pyfapi import Input, Model, Sequential

    banner("Scenario 1: MLP, Sequential and its functional twin (digits as 64 pixels)")
    seq_model = Sequential(name="seq_mlp")
    seq_model.add(Input(shape=(64,)))
    seq_model.add(layers.Dense(32, activation="relu"))
    seq_model.add(layers.Dense(32, activation="relu"))
    seq_model.add(layers.Dense(10, activation="softmax"))

    input_tensor = Input(shape=(64,))
    x = layers.Dense(32, activation="relu")(input_tensor)
    x = layers.Dense(32, activation="relu")(x)
    output_tensor = layers.Dense(10, activation="softmax")(x)
    model = Model(input_tensor, output_tensor, name="functional_mlp")
    seq_model.summary()
    model.summary()

    seq_model.compile(optimizer=cfg.optimizer("rmsprop"), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    n = cfg.subset(len(data.flat_train))
    # standardised pixels (mean / std of the training images), as one would feed an MLP
    mu, sd = data.flat_train.mean(axis=0), data.flat_train.std(axis=0) + 1e-3
    x_train = (data.flat_train[:n] - mu) / sd
    x_test = (data.flat_test - mu) / sd
    epochs = cfg.epochs(40)
    hist, spe = timed_fit(seq_model, x_train, data.y_train[:n], cfg, epochs, 32)

    # Same weights -> same predictions.
    model.set_weights(seq_model.get_weights())
    p_seq = seq_model.predict(x_test, verbose=0)
    p_fun = model.predict(x_test, verbose=0)
    diff = float(np.max(np.abs(np.asarray(p_seq) - np.asarray(p_fun))))
    print(f"Sequential vs functional twin with the same weights: max |difference| = {diff:.2e}")
    if diff > 1e-5:
        raise AssertionError(f"the functional twin's predictions differ from the Sequential's "
                             f"by {diff}")
    acc = accuracy(p_seq, data.y_test)
    return Result(1, "MLP (Sequential + functional twin)", seq_model.count_params(), epochs, spe,
                  f"acc {acc:.3f}", "0.95", acc >= 0.95, hist)


def scenario_multi_input(data: Data, cfg: Config) -> Result:
    """2. Question answering: pixel-token text + question token -> (digit + k) mod 10."""
    from pyfapi import Input, Model

    banner("Scenario 2: multi-input question answering, answer = (digit + k) mod 10")
    # The "text": the 64 pixel tokens of the image (values 0..16), embedded, then read by the LSTM
    # one image row (8 tokens) per step.
    text_input = Input(shape=(64,), dtype="int32", name="text")
    embedded_text = layers.Embedding(17, 8)(text_input)                  # (64, 8)
    embedded_rows = layers.Reshape((8, 64))(embedded_text)               # 8 steps of 8 tokens
    encoded_text = layers.LSTM(64)(embedded_rows)
    # The "question": a variable-length token sequence, here one token k = 0..9.
    question_input = Input(shape=(None,), dtype="int32", name="question")
    embedded_question = layers.Embedding(10, 8)(question_input)
    encoded_question = layers.LSTM(16)(embedded_question)
    concatenated = layers.concatenate([encoded_text, encoded_question], axis=-1)
    # (digit + k) mod 10 is not a sum of a text term and a question term: one hidden layer.
    hidden = layers.Dense(128, activation="relu")(concatenated)
    answer = layers.Dense(10, activation="softmax", name="answer")(hidden)
    model = Model([text_input, question_input], answer, name="question_answering")
    model.summary()
    model.compile(optimizer=cfg.optimizer(pyfapi.optimizers.Adam(learning_rate=3e-3)),
                  loss="categorical_crossentropy", metrics=["acc"])

    rng = np.random.default_rng(cfg.seed + 2)
    reps = 1 if cfg.quick else 4  # each training image asked with four random k per epoch
    n = cfg.subset(len(data.tokens_train))
    text = np.concatenate([data.tokens_train[:n]] * reps)
    digit = np.concatenate([data.y_train[:n]] * reps).astype(np.int64)
    k = rng.integers(0, 10, size=len(text))
    question = k.reshape(-1, 1).astype("int32")
    answers = one_hot((digit + k) % 10)
    k_test = rng.integers(0, 10, size=len(data.tokens_test))
    q_test = k_test.reshape(-1, 1).astype("int32")
    y_test = (data.y_test.astype(np.int64) + k_test) % 10

    epochs = cfg.epochs(10)
    half = max(1, epochs // 2) if not cfg.quick else 1
    print("fit with a list of arrays (input order: text, question)")
    h1, spe1 = timed_fit(model, [text, question], answers, cfg, half, 64)
    h2, spe2 = {}, spe1
    if epochs > half:
        print("fit continued with a dict of arrays keyed by input name")
        h2, spe2 = timed_fit(model, {"text": text, "question": question}, answers, cfg, epochs,
                             64, initial_epoch=half)
    elif cfg.quick:
        print("fit with a dict of arrays keyed by input name")
        h2, spe2 = timed_fit(model, {"text": text, "question": question}, answers, cfg, 1, 64)
        epochs = 2
    spe = (spe1 * half + spe2 * (epochs - half)) / epochs
    p_list = model.predict([data.tokens_test, q_test], verbose=0)
    p_dict = model.predict({"question": q_test, "text": data.tokens_test}, verbose=0)
    diff = float(np.max(np.abs(np.asarray(p_list) - np.asarray(p_dict))))
    print(f"predict(list) vs predict(dict): max |difference| = {diff:.2e}")
    if diff > 1e-5:
        raise AssertionError(f"list and dict inputs give different predictions ({diff})")
    acc = accuracy(p_list, y_test)
    return Result(2, "Multi-input QA (Embedding+LSTM x2)", model.count_params(), epochs, spe,
                  f"acc {acc:.3f}", "0.90", acc >= 0.90, merge_histories(h1, h2))


def scenario_multi_output(data: Data, cfg: Config) -> Result:
    """3. The posts model: one token input, three named heads with their own losses."""
    from pyfapi import Input, Model

    banner("Scenario 3: multi-output, heads digit / parity / ink")
    posts_input = Input(shape=(None,), dtype="int32", name="posts")
    embedded_posts = layers.Embedding(17, 32)(posts_input)
    # kernel 9 > one image row (8 tokens): each filter sees vertically adjacent pixels too
    x = layers.Conv1D(64, 9, activation="relu")(embedded_posts)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(64, 5, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(64, activation="relu")(x)
    digit_prediction = layers.Dense(10, activation="softmax", name="digit")(x)
    parity_prediction = layers.Dense(1, activation="sigmoid", name="parity")(x)
    ink_prediction = layers.Dense(1, name="ink")(x)
    model = Model(posts_input, [digit_prediction, parity_prediction, ink_prediction],
                  name="posts_like")
    model.summary()
    model.compile(optimizer=cfg.optimizer("rmsprop"),
                  loss={"digit": "categorical_crossentropy", "parity": "binary_crossentropy",
                        "ink": "mse"},
                  loss_weights={"digit": 1.0, "parity": 0.5, "ink": 0.25})

    # ink: the total amount of ink of the image, standardised (a regression target)
    ink_all = data.x_train.reshape(len(data.x_train), -1).sum(axis=1).astype("float32")
    mu, sd = float(ink_all.mean()), float(ink_all.std())

    def targets(x_uint8, y):
        ink = (x_uint8.reshape(len(x_uint8), -1).sum(axis=1).astype("float32") - mu) / sd
        return {"digit": one_hot(y), "parity": (np.asarray(y) % 2).astype("float32").reshape(-1, 1),
                "ink": ink.reshape(-1, 1)}

    n = cfg.subset(len(data.tokens_train))
    epochs = cfg.epochs(15)
    hist, spe = timed_fit(model, data.tokens_train[:n], targets(data.x_train[:n], data.y_train[:n]),
                          cfg, epochs, 32)
    p_digit, p_parity, p_ink = model.predict(data.tokens_test, verbose=0)
    acc = accuracy(p_digit, data.y_test)
    par = binary_accuracy(p_parity, data.y_test % 2)
    ink_t = targets(data.x_test, data.y_test)["ink"]
    mse = float(np.mean((np.asarray(p_ink).reshape(-1) - ink_t.reshape(-1)) ** 2))
    print(f"test: digit accuracy {acc:.3f}, parity accuracy {par:.3f}, ink mse {mse:.3f} "
          "(standardised; 1.0 = predicting the mean)")
    return Result(3, "Multi-output digit/parity/ink", model.count_params(), epochs, spe,
                  f"acc {acc:.3f}/{par:.3f}", "0.90/0.90", acc >= 0.90 and par >= 0.90, hist)


def scenario_graph(data: Data, cfg: Config) -> Result:
    """4. Inception-style module and residual connections on (8, 8, 1) images."""
    from pyfapi import Input, Model

    banner("Scenario 4: graph-like model, inception module + residual blocks on 8x8x1")
    inputs = Input(shape=(8, 8, 1), name="image")
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(inputs)
    # residual connection, same feature-map size
    y = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    y = layers.Conv2D(16, 3, activation="relu", padding="same")(y)
    x = layers.add([y, x])
    # inception module, padding 'same' so the four branches line up (8x8 -> 4x4)
    branch_a = layers.Conv2D(16, 1, activation="relu", strides=2, padding="same")(x)
    branch_b = layers.Conv2D(16, 1, activation="relu", padding="same")(x)
    branch_b = layers.Conv2D(16, 3, activation="relu", strides=2, padding="same")(branch_b)
    branch_c = layers.AveragePooling2D(3, strides=2, padding="same")(x)
    branch_c = layers.Conv2D(16, 3, activation="relu", padding="same")(branch_c)
    branch_d = layers.Conv2D(16, 1, activation="relu", padding="same")(x)
    branch_d = layers.Conv2D(16, 3, activation="relu", padding="same")(branch_d)
    branch_d = layers.Conv2D(16, 3, activation="relu", strides=2, padding="same")(branch_d)
    x = layers.concatenate([branch_a, branch_b, branch_c, branch_d], axis=-1)   # 4x4x64
    # residual connection, different sizes: strided 1x1 convolution on the shortcut
    y = layers.Conv2D(48, 3, activation="relu", padding="same")(x)
    y = layers.Conv2D(48, 3, activation="relu", padding="same")(y)
    y = layers.MaxPooling2D(2, strides=2)(y)
    residual = layers.Conv2D(48, 1, strides=2, padding="same")(x)
    x = layers.add([y, residual])                                               # 2x2x48
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = Model(inputs, outputs, name="inception_residual")
    model.summary()
    model.compile(optimizer=cfg.optimizer(pyfapi.optimizers.Adam(learning_rate=2e-3)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    n = cfg.subset(len(data.img_train))
    # augmentation: every image once more, shifted by one pixel (a 2x larger training set)
    rng = np.random.default_rng(cfg.seed + 4)
    x_train = np.concatenate([data.img_train[:n], shifted(data.img_train[:n], rng)])
    y_train = np.concatenate([data.y_train[:n], data.y_train[:n]])
    # 10 epochs at 2e-3, then 4 at 2e-4 to settle (a step decay of Adam's learning rate)
    epochs = cfg.epochs(14)
    first = cfg.epochs(10)
    h1, spe1 = timed_fit(model, x_train, y_train, cfg, first, 32)
    h2, spe2 = {}, spe1
    if epochs > first:
        model.optimizer.learning_rate = 2e-4
        print(f"learning rate -> {float(model.optimizer.learning_rate):g}")
        h2, spe2 = timed_fit(model, x_train, y_train, cfg, epochs, 32, initial_epoch=first)
    spe = (spe1 * first + spe2 * (epochs - first)) / epochs
    hist = merge_histories(h1, h2)
    acc = accuracy(model.predict(data.img_test, verbose=0), data.y_test)
    return Result(4, "Inception module + residual blocks", model.count_params(), epochs, spe,
                  f"acc {acc:.3f}", "0.97", acc >= 0.97, hist)


def make_pairs(images, labels, rng, pairs_per_image: int = 1):
    """Balanced pairs: for every image, ``pairs_per_image`` partners of the same digit and as many
    of another digit. Returns (left, right, same) with ``same`` float32 0/1."""
    labels = np.asarray(labels, dtype=np.int64)
    by_class = [np.flatnonzero(labels == c) for c in range(10)]
    left, right, same = [], [], []
    for i, c in enumerate(labels):
        for _ in range(pairs_per_image):
            left.append(i)
            right.append(rng.choice(by_class[c]))
            same.append(1.0)
            other = (c + rng.integers(1, 10)) % 10
            left.append(i)
            right.append(rng.choice(by_class[other]))
            same.append(0.0)
    left, right = np.asarray(left), np.asarray(right)
    order = rng.permutation(len(left))
    return images[left[order]], images[right[order]], np.asarray(same, "float32")[order]


def scenario_shared_lstm(data: Data, cfg: Config) -> Result:
    """5. One LSTM instance reading both images: same digit or not?"""
    from pyfapi import Input, Model

    banner("Scenario 5: layer weight sharing, one LSTM reads two images row by row")
    lstm = layers.LSTM(48)
    left_input = Input(shape=(None, 8), name="left")
    left_output = lstm(left_input)
    right_input = Input(shape=(None, 8), name="right")
    right_output = lstm(right_input)
    merged = layers.concatenate([left_output, right_output], axis=-1)
    hidden = layers.Dense(64, activation="relu")(merged)
    predictions = layers.Dense(1, activation="sigmoid")(hidden)
    model = Model([left_input, right_input], predictions, name="shared_lstm")
    model.summary()
    model.compile(optimizer=cfg.optimizer(pyfapi.optimizers.Adam(learning_rate=3e-3)),
                  loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(cfg.seed + 5)
    rows_train = data.img_train.reshape(-1, 8, 8)   # 8 time steps of 8 pixels
    rows_test = data.img_test.reshape(-1, 8, 8)
    n = cfg.subset(len(rows_train))
    left_data, right_data, targets = make_pairs(rows_train[:n], data.y_train[:n], rng,
                                                pairs_per_image=1 if cfg.quick else 2)
    lt, rt, yt = make_pairs(rows_test, data.y_test, rng)
    print(f"{len(targets)} training pairs ({int(targets.sum())} same), {len(yt)} test pairs "
          f"({int(yt.sum())} same)")
    epochs = cfg.epochs(10)
    hist, spe = timed_fit(model, [left_data, right_data], targets, cfg, epochs, 64)
    acc = binary_accuracy(model.predict([lt, rt], verbose=0), yt)
    return Result(5, "Shared LSTM on image pairs", model.count_params(), epochs, spe,
                  f"acc {acc:.3f}", "0.85", acc >= 0.85, hist)


def shifted(images, rng):
    """Each (8, 8, 1) image moved by -1, 0 or +1 pixel along each axis (zeros shifted in)."""
    out = np.empty_like(images)
    shifts = rng.integers(-1, 2, size=(len(images), 2))
    for i, (dy, dx) in enumerate(shifts):
        out[i] = np.roll(images[i], (dy, dx), axis=(0, 1))
        if dy:
            out[i, 0 if dy > 0 else -1] = 0.0
        if dx:
            out[i, :, 0 if dx > 0 else -1] = 0.0
    return out


def second_view(images, rng):
    """The second camera: the image shifted by one pixel in a random direction, plus noise."""
    out = shifted(images, rng)
    out += rng.normal(0.0, 0.1, size=out.shape).astype(out.dtype)
    return np.clip(out, 0.0, 1.0)


def scenario_models_as_layers(data: Data, cfg: Config) -> Result:
    """6. A small convolutional base model, called on two camera views (shared weights)."""
    from pyfapi import Input, Model

    banner("Scenario 6: models as layers, one conv base on two views of each digit")
    base_in = Input(shape=(8, 8, 1))
    b = layers.Conv2D(16, 3, activation="relu", padding="same")(base_in)
    b = layers.Conv2D(32, 3, activation="relu")(b)
    b = layers.MaxPooling2D(2)(b)
    b = layers.Flatten()(b)
    b = layers.Dropout(0.3)(b)
    base_out = layers.Dense(64, activation="relu")(b)
    conv_base = Model(base_in, base_out, name="conv_base")
    conv_base.summary()

    left_input = Input(shape=(8, 8, 1), name="left_camera")
    right_input = Input(shape=(8, 8, 1), name="right_camera")
    left_features = conv_base(left_input)
    right_features = conv_base(right_input)
    merged_features = layers.concatenate([left_features, right_features], axis=-1)
    outputs = layers.Dense(10, activation="softmax")(merged_features)
    model = Model([left_input, right_input], outputs, name="two_cameras")
    model.summary()
    model.compile(optimizer=cfg.optimizer("adam"), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    rng = np.random.default_rng(cfg.seed + 6)
    n = cfg.subset(len(data.img_train))
    right_train = second_view(data.img_train[:n], rng)
    right_test = second_view(data.img_test, rng)
    epochs = cfg.epochs(15)
    hist, spe = timed_fit(model, [data.img_train[:n], right_train], data.y_train[:n], cfg,
                          epochs, 32)
    acc = accuracy(model.predict([data.img_test, right_test], verbose=0), data.y_test)
    return Result(6, "Conv base model called on 2 views", model.count_params(), epochs, spe,
                  f"acc {acc:.3f}", "0.95", acc >= 0.95, hist)


def scenario_xception(data: Data, cfg: Config) -> Result:
    """7. The notebook's Siamese Xception (shared base, no top) at 250x250x3."""
    from pyfapi import Input, Model

    banner("Scenario 7: Siamese Xception (shared convolutional base) on (250, 250, 3) inputs")
    xception_base = applications.Xception(weights=None, include_top=False)
    left_input = Input(shape=(250, 250, 3))
    right_input = Input(shape=(250, 250, 3))
    left_features = xception_base(left_input)
    right_features = xception_base(right_input)
    merged_features = layers.concatenate([left_features, right_features], axis=-1)
    model = Model([left_input, right_input], merged_features, name="siamese_xception")
    model.summary()
    print(f"xception_base: {len(xception_base.layers)} layers, "
          f"{xception_base.count_params():,} parameters; left {tuple(left_features.shape)}, "
          f"right {tuple(right_features.shape)}, merged {tuple(merged_features.shape)}")

    # One pair: a test digit blown up to an RGB picture, and its shifted second view.
    size = 71 if cfg.quick else 250
    rng = np.random.default_rng(cfg.seed + 7)
    img = data.img_test[0, :, :, 0]
    reps = -(-size // 8)
    big = np.kron(img, np.ones((reps, reps), "float32"))[:size, :size]
    left = np.repeat(big[None, :, :, None], 3, axis=-1) * 2.0 - 1.0          # [-1, 1] as
    right = np.roll(left, 3, axis=2) + rng.normal(0, 0.05, left.shape).astype("float32")
    if size != 250:
        print(f"--quick: forward pass at {size}x{size} (the base accepts any size >= 71)")
        li, ri = Input(shape=(size, size, 3)), Input(shape=(size, size, 3))
        fwd_model = Model([li, ri], layers.concatenate([xception_base(li), xception_base(ri)]))
    else:
        fwd_model = model
    t0 = time.perf_counter()
    out = np.asarray(fwd_model.predict([left, right], verbose=0))
    first = time.perf_counter() - t0          # includes first-touch allocation of buffers
    t0 = time.perf_counter()
    out = np.asarray(fwd_model.predict([left, right], verbose=0))
    seconds = time.perf_counter() - t0
    print(f"forward pass on one pair: output {out.shape} in {seconds:.2f} s "
          f"(first call {first:.2f} s)")
    if not np.all(np.isfinite(out)):
        raise AssertionError("the Siamese Xception produced non-finite features")
    return Result(7, f"Siamese Xception fwd {size}x{size}", model.count_params(), None, None,
                  f"fwd {seconds:.2f} s", "-", None, {})


SCENARIO_TITLES = {1: "MLP", 2: "Multi-input QA", 3: "Multi-output", 4: "Inception + residual",
                   5: "Shared LSTM", 6: "Conv base on 2 views", 7: "Siamese Xception"}
THRESHOLDS = {1: "0.95", 2: "0.90", 3: "0.90/0.90", 4: "0.97", 5: "0.85", 6: "0.95", 7: "-"}

SCENARIOS = {
    1: scenario_mlp,
    2: scenario_multi_input,
    3: scenario_multi_output,
    4: scenario_graph,
    5: scenario_shared_lstm,
    6: scenario_models_as_layers,
    7: scenario_xception,
}


# --------------------------------------------------------------------------------- report

def format_table(results: list[Result], quick: bool) -> str:
    """The results table as plain text (one row per scenario; "met?" column per threshold/quick)."""
    header = ["#", "scenario", "params", "epochs", "s/epoch", "test metric", "threshold", "met?"]
    rows = []
    for r in results:
        if r.error:
            met = "ERROR"
        elif r.met is None:
            met = "n/a" if r.threshold == "-" else "-"
        elif quick:
            met = "(quick)"
        else:
            met = "yes" if r.met else "NO"
        rows.append([str(r.number), r.name, f"{r.params:,}",
                     "-" if r.epochs is None else str(r.epochs),
                     "-" if r.seconds_per_epoch is None else f"{r.seconds_per_epoch:.2f}",
                     r.metric, r.threshold, met])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    line = "  ".join("-" * w for w in widths)
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([fmt(header), line, *(fmt(r) for r in rows)])


def write_plot(results: list[Result], path: str) -> None:
    """Saves per-scenario training curves (non-``val_`` keys) to ``path`` with matplotlib (Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trained = [r for r in results if r.history]
    if not trained:
        print(f"--plot: no training curves to draw; {path} not written")
        return
    cols = min(3, len(trained))
    rows = -(-len(trained) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.6 * rows), squeeze=False)
    for ax, r in zip(axes.ravel(), trained):
        for key, values in sorted(r.history.items()):
            if key.startswith("val_"):
                continue
            ax.plot(range(1, len(values) + 1), values, marker=".", label=key)
        ax.set_title(f"{r.number}. {r.name}", fontsize=9)
        ax.set_xlabel("epoch")
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(trained):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"training curves written to {path}")


def parse_args(argv):
    """Parses the demo's command-line arguments (``argv`` list) into an argparse Namespace."""
    p = argparse.ArgumentParser(
        prog="python -m pyfapi.demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train every model of the functional-API notebook on the bundled digits "
                    "data and report test metrics against fixed thresholds.",
        epilog="scenarios (threshold on the test set):\n"
               "  1  MLP, Sequential + functional twin            accuracy >= 0.95\n"
               "  2  multi-input question answering (list, dict)  accuracy >= 0.90\n"
               "  3  multi-output digit / parity / ink            accuracies >= 0.90 / 0.90\n"
               "  4  inception module + residual blocks           accuracy >= 0.97\n"
               "  5  shared LSTM: same digit or not?              accuracy >= 0.85\n"
               "  6  conv base model called on two views          accuracy >= 0.95\n"
               "  7  Siamese Xception at 250x250: summary + timed forward pass\n"
               "exit status: 0 all thresholds met, 1 a threshold missed, 2 usage error")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 epoch on 128 images per scenario; thresholds not enforced")
    p.add_argument("--scenario", type=int, action="append", choices=sorted(SCENARIOS),
                   metavar="N", help="run only scenario N (1-7); repeatable")
    p.add_argument("--plot", metavar="PNG", help="write training curves (needs matplotlib)")
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=2,
                   help="fit progress: 0 silent, 1 progress bar, 2 one line per epoch (default)")
    p.add_argument("--seed", type=int, default=0, help="seed of weights and data order")
    p.add_argument("--policy", default="float32", choices=("float32", "mixed_bfloat16"),
                   help="dtype policy of every model (pyfapi.mixed_precision.set_global_policy); "
                        "mixed_bfloat16: float32 weights, bfloat16 GEMMs / convolutions")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over MPI: mpiexec -n 2 python -m pyfapi.demo --distributed "
                        "(needs pip install 'pyfapi[mpi]'); rank 0 prints")
    return p.parse_args(argv)


def main(argv=None) -> int:
    """Entry point of ``python -m pyfapi.demo`` and the ``pyfapi-demo`` script.

    Returns:
        0 when every run scenario met its threshold (or with ``--quick``, when all ran), 1 when a
        threshold was missed, 2 for a usage error (e.g. ``--plot`` without matplotlib).
    """
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            print("--plot needs matplotlib: pip install 'pyfapi[plot]' (or pip install matplotlib)",
                  file=sys.stderr)
            return 2
    cfg = Config(quick=args.quick, verbose=args.verbose, seed=args.seed,
                 distributed=args.distributed)
    selected = sorted(set(args.scenario)) if args.scenario else sorted(SCENARIOS)
    pyfapi.mixed_precision.set_global_policy(args.policy)
    rank = 0
    if cfg.distributed:
        from pyfapi import distributed
        distributed.init()
        rank = distributed.rank()
        if rank != 0:  # rank 0 prints; the others train silently
            sys.stdout = open(os.devnull, "w")
            selected = [n for n in selected if n != 7]  # no training: rank 0 times it alone
    print(f"pyfapi {pyfapi.__version__} demo: scenarios {selected}"
          f"{' (--quick smoke run)' if cfg.quick else ''}; policy {args.policy} "
          f"({pyfapi.config()['simd_active']}); data: UCI hand-written digits "
          "(bundled, CC BY 4.0), 1,437 train / 360 test images")
    if cfg.distributed:
        from pyfapi import distributed
        print(f"data-parallel over MPI: {distributed.size()} ranks x "
              f"{pyfapi.get_num_threads()} thread(s); batch sizes are per rank (global batch = "
              f"batch size x {distributed.size()})")
    data = Data()
    results = []
    t_start = time.perf_counter()
    for n in selected:
        pyfapi.utils.set_random_seed(cfg.seed + n)
        try:
            results.append(SCENARIOS[n](data, cfg))
        except Exception as e:  # noqa: BLE001 - report it in the table, run the other scenarios
            if cfg.distributed:  # the other ranks may wait for this one: end the job
                from pyfapi import distributed
                distributed.abort_on_error(e)
            traceback.print_exc()
            results.append(Result(n, f"{SCENARIO_TITLES.get(n, '?')}: FAILED", 0, None, None,
                                  f"error: {type(e).__name__}", THRESHOLDS.get(n, "-"), False))
            results[-1].error = True
    total = time.perf_counter() - t_start
    banner(f"Summary ({total:.1f} s in all)")
    print(format_table(results, cfg.quick))
    if args.plot:
        write_plot(results, args.plot)
    missed = [r.number for r in results if r.met is False]
    failed = [r.number for r in results if r.error]
    if failed:
        print(f"scenario(s) {failed} raised an error (traceback above)")
        return 1
    if cfg.quick:
        print("--quick: smoke run, thresholds not enforced; every scenario ran")
        return 0
    if missed:
        print(f"threshold missed in scenario(s) {missed}")
        return 1
    print("every threshold met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
