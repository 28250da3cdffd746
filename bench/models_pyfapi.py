"""The notebook's models written once against the Keras functional API, built with pyfapi.

pyfapi is a drop-in for ``keras``, so the builders here take the library as an argument
(``lib`` = ``pyfapi`` or ``keras``): :mod:`models_keras` calls the very same code with Keras 3,
which guarantees the two frameworks time the same graph, layer names and weight layouts.

Models (sizes come from ``cfg``, see :data:`compare_models.MODELS`):

* ``mlp`` / ``mlp_b1``: Dense(32 relu) - Dense(32 relu) - Dense(10 softmax) on 64 features,
  categorical cross-entropy (``mlp_b1`` is the same model at batch 1: per-step overhead).
* ``qa``: text ids -> Embedding(10000, 64) -> LSTM(32); question ids -> Embedding(10000, 32) ->
  LSTM(16); concatenate; Dense(500 softmax); categorical cross-entropy.
* ``posts``: Embedding(50000, 256), Conv1D(128,5 relu), MaxPooling1D(5), 2x Conv1D(256,5 relu),
  MaxPooling1D(5), 2x Conv1D(256,5 relu), GlobalMaxPooling1D, Dense(128 relu); heads ``age``
  (Dense 1, mse, weight 0.25), ``income`` (Dense 10 softmax, cce, 1.0), ``gender`` (Dense 1
  sigmoid, bce, 10.0).
* ``residual``: (size, size, 128) input, three Conv2D(128, 3, same, relu), add with the input; mse.
* ``shared_lstm``: one LSTM(32) applied to two (length, 128) sequences, concatenate,
  Dense(1 sigmoid); binary cross-entropy.
* ``xception``: ``applications.Xception(weights=None, include_top=False)``; inference only.

All trainable models use RMSprop(learning_rate=1e-3) as the notebook (``optimizer='rmsprop'``).

Runner protocol (shared with :mod:`models_keras` and :mod:`models_torch`)::

    r = make_runner(name, cfg, xs, ys, weights=None)   # xs / ys: lists of numpy arrays
    r.train_step()        # one forward + backward + optimizer update on (xs, ys)
    r.infer()             # one inference batch on xs
    r.layer_weights()     # {layer name: [numpy arrays in Keras order]} (to copy into peers)
"""
from __future__ import annotations

import os

NAME = "pyfapi"


def bench_policy() -> str:
    """The dtype policy of this benchmark run (``--policy``; env ``PYFAPI_BENCH_POLICY``)."""
    return os.environ.get("PYFAPI_BENCH_POLICY", "float32")

#: per model: (loss, loss_weights) for compile; None = inference only
LOSSES = {
    "mlp": ("categorical_crossentropy", None),
    "mlp_b1": ("categorical_crossentropy", None),
    "qa": ("categorical_crossentropy", None),
    "posts": ({"age": "mse", "income": "categorical_crossentropy",
               "gender": "binary_crossentropy"},
              {"age": 0.25, "income": 1.0, "gender": 10.0}),
    "residual": ("mse", None),
    "shared_lstm": ("binary_crossentropy", None),
    "xception": None,
}


def build_keras_api_model(lib, name, cfg):
    """Build model ``name`` with a Keras-compatible library ``lib`` (pyfapi or keras).

    Layer names are given explicitly so weights can be matched by name across frameworks.
    Returns the uncompiled model.
    """
    L = lib.layers
    Input, Model = lib.Input, lib.Model
    if name in ("mlp", "mlp_b1"):
        i = Input(shape=(64,), name="features")
        x = L.Dense(32, activation="relu", name="dense")(i)
        x = L.Dense(32, activation="relu", name="dense_1")(x)
        o = L.Dense(10, activation="softmax", name="dense_2")(x)
        return Model(i, o, name="mlp")
    if name == "qa":
        text = Input(shape=(None,), dtype="int32", name="text")
        et = L.Embedding(cfg["text_vocab"], 64, name="embedding")(text)
        enc_t = L.LSTM(32, name="lstm")(et)
        question = Input(shape=(None,), dtype="int32", name="question")
        eq = L.Embedding(cfg["question_vocab"], 32, name="embedding_1")(question)
        enc_q = L.LSTM(16, name="lstm_1")(eq)
        cat = L.concatenate([enc_t, enc_q], axis=-1, name="concatenate")
        ans = L.Dense(cfg["answers"], activation="softmax", name="dense")(cat)
        return Model([text, question], ans, name="qa")
    if name == "posts":
        posts = Input(shape=(None,), dtype="int32", name="posts")
        x = L.Embedding(cfg["vocab"], 256, name="embedding")(posts)
        x = L.Conv1D(128, 5, activation="relu", name="conv1d")(x)
        x = L.MaxPooling1D(5, name="max_pooling1d")(x)
        x = L.Conv1D(256, 5, activation="relu", name="conv1d_1")(x)
        x = L.Conv1D(256, 5, activation="relu", name="conv1d_2")(x)
        x = L.MaxPooling1D(5, name="max_pooling1d_1")(x)
        x = L.Conv1D(256, 5, activation="relu", name="conv1d_3")(x)
        x = L.Conv1D(256, 5, activation="relu", name="conv1d_4")(x)
        x = L.GlobalMaxPooling1D(name="global_max_pooling1d")(x)
        x = L.Dense(128, activation="relu", name="dense")(x)
        age = L.Dense(1, name="age")(x)
        income = L.Dense(cfg["income"], activation="softmax", name="income")(x)
        gender = L.Dense(1, activation="sigmoid", name="gender")(x)
        return Model(posts, [age, income, gender], name="posts")
    if name == "residual":
        s, c = cfg["size"], cfg["channels"]
        x = Input(shape=(s, s, c), name="image")
        y = L.Conv2D(c, 3, activation="relu", padding="same", name="conv2d")(x)
        y = L.Conv2D(c, 3, activation="relu", padding="same", name="conv2d_1")(y)
        y = L.Conv2D(c, 3, activation="relu", padding="same", name="conv2d_2")(y)
        y = L.add([y, x], name="add")
        return Model(x, y, name="residual")
    if name == "shared_lstm":
        lstm = L.LSTM(32, name="lstm")
        left = Input(shape=(None, cfg["features"]), name="left")
        right = Input(shape=(None, cfg["features"]), name="right")
        merged = L.concatenate([lstm(left), lstm(right)], axis=-1, name="concatenate")
        pred = L.Dense(1, activation="sigmoid", name="dense")(merged)
        return Model([left, right], pred, name="shared_lstm")
    if name == "xception":
        s = cfg["size"]
        return lib.applications.Xception(weights=None, include_top=False,
                                         input_shape=(s, s, 3))
    raise ValueError(f"unknown model {name!r}")


class KerasAPIRunner:
    """Train step = ``model.train_on_batch``; inference = ``model.predict_on_batch``.

    Both are the library's own one-batch entry points (Keras compiles them into tf.functions on
    first use; pyfapi runs them eagerly on its tape).
    """

    def __init__(self, lib, name, cfg, xs, ys, weights=None):
        self.lib = lib
        self.model = build_keras_api_model(lib, name, cfg)
        spec = LOSSES[name]
        if spec is not None:
            loss, loss_weights = spec
            self.model.compile(optimizer=lib.optimizers.RMSprop(learning_rate=1e-3), loss=loss,
                               loss_weights=loss_weights)
        if weights:
            copy_weights_by_name(self.model, weights)
        self.x = xs[0] if len(xs) == 1 else list(xs)
        if ys is None:
            self.y = None
        else:
            self.y = ys[0] if len(ys) == 1 else list(ys)

    def train_step(self):
        return self.model.train_on_batch(self.x, self.y)

    def infer(self):
        return self.model.predict_on_batch(self.x)

    def layer_weights(self):
        return {layer.name: layer.get_weights() for layer in self.model.layers if layer.weights}


def copy_weights_by_name(model, weights):
    """``layer.set_weights(weights[layer.name])`` for every layer holding weights.

    Raises ValueError if a layer is missing from ``weights`` or a shape differs.
    """
    for layer in model.layers:
        if not layer.weights:
            continue
        if layer.name not in weights:
            raise ValueError(f"no source weights for layer {layer.name!r}")
        src = weights[layer.name]
        dst = layer.get_weights()
        if [tuple(a.shape) for a in src] != [tuple(a.shape) for a in dst]:
            raise ValueError(f"layer {layer.name!r}: weight shapes differ: "
                             f"{[a.shape for a in src]} vs {[a.shape for a in dst]}")
        layer.set_weights(src)


def setup(threads):
    """Import pyfapi and pin its OpenMP pool to ``threads``; returns the module."""
    import pyfapi
    pyfapi.set_num_threads(int(threads))
    return pyfapi


def version():
    import io
    from contextlib import redirect_stdout

    import pyfapi
    buf = io.StringIO()
    with redirect_stdout(buf):
        pyfapi.show_config()
    cfg = {}
    for line in buf.getvalue().splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            cfg[k.strip()] = v.strip()
    return f"pyfapi {pyfapi.__version__} (simd {cfg.get('simd_active', '?')}, " \
           f"threads {pyfapi.get_num_threads()}, policy {bench_policy()})"


def available(name):
    """(ok, reason) for model ``name`` in pyfapi."""
    if name == "xception":
        try:
            from pyfapi.applications import Xception  # noqa: F401
        except Exception as e:  # noqa: BLE001 - report any import failure as a skip
            return False, f"pyfapi.applications.Xception missing ({type(e).__name__}: {e})"
    return True, ""


def make_runner(name, cfg, xs, ys, weights=None, policy=None):
    """The runner of model ``name``, built under ``policy`` (default :func:`bench_policy`)."""
    import pyfapi
    pyfapi.mixed_precision.set_global_policy(policy or bench_policy())
    try:
        return KerasAPIRunner(pyfapi, name, cfg, xs, ys, weights)
    finally:
        pyfapi.mixed_precision.set_global_policy("float32")
