"""Cases for the metrics / losses of issue 18 compared with real Keras 3: the configurations and
deterministic batches (numpy PCG64 streams seeded per case, stable across numpy versions).

``python tests/references/gen_keras_api.py`` runs every case through Keras 3 (JAX backend) and
writes tests/references/keras_api.json; tests/test_metrics_more.py and tests/test_losses_more.py
compare pyfapi with that file (fast, no Keras needed) and, under ``-m slow``, with live Keras.
"""
import numpy as np

METRIC_CASES = [
    ("TruePositives", {}, "bin"), ("FalsePositives", {"thresholds": [0.2, 0.5, 0.9]}, "bin"),
    ("TrueNegatives", {}, "multi"), ("FalseNegatives", {"thresholds": 0.3}, "multi"),
    ("Precision", {}, "bin"), ("Precision", {"thresholds": [0.1, 0.6]}, "multi"),
    ("Precision", {"top_k": 2}, "cat"), ("Precision", {"class_id": 2}, "cat"),
    ("Recall", {}, "bin"), ("Recall", {"top_k": 3, "class_id": 1}, "cat"),
    ("AUC", {}, "bin"), ("AUC", {"curve": "PR"}, "bin"), ("AUC", {"num_thresholds": 7}, "multi"),
    ("AUC", {"multi_label": True}, "multi"), ("AUC", {"curve": "PR", "multi_label": True}, "multi"),
    ("AUC", {"summation_method": "minoring"}, "bin"),
    ("AUC", {"summation_method": "majoring", "curve": "PR"}, "bin"),
    ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, "bin"),
    ("AUC", {"multi_label": True, "label_weights": [1.0, 0.5, 0.0, 2.0]}, "multi"),
    ("AUC", {"label_weights": [1.0, 0.5, 0.0, 2.0]}, "multi"),
    ("AUC", {"from_logits": True}, "logits"),
    ("TopKCategoricalAccuracy", {"k": 2}, "cat"), ("TopKCategoricalAccuracy", {}, "cat"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse"),
    ("CategoricalAccuracy", {}, "cat"), ("SparseCategoricalAccuracy", {}, "sparse"),
    ("RootMeanSquaredError", {}, "reg"), ("MeanAbsolutePercentageError", {}, "reg"),
    ("R2Score", {}, "reg"), ("R2Score", {"class_aggregation": "variance_weighted_average"}, "reg"),
    ("R2Score", {"class_aggregation": None}, "reg"), ("R2Score", {"num_regressors": 2}, "reg"),
    ("F1Score", {}, "multi"), ("F1Score", {"average": "macro", "threshold": 0.4}, "multi"),
    ("F1Score", {"average": "micro"}, "cat"), ("F1Score", {"average": "weighted"}, "cat"),
    ("FBetaScore", {"beta": 2.0, "average": "macro"}, "multi"),
    ("MeanIoU", {"num_classes": 4}, "ids"),
    ("MeanIoU", {"num_classes": 6, "sparse_y_pred": False}, "sparse"),
    ("MeanIoU", {"num_classes": 4, "ignore_class": 0}, "ids"),
    ("KLDivergence", {}, "prob"), ("CosineSimilarity", {}, "reg"),
]


def case_id(i, cls):
    return f"{i:02d}-{cls}"


def batches(kind, seed, n=40, nb=3):
    """``nb`` batches ``(y_true, y_pred, sample_weight)`` of kind ``kind`` (first unweighted)."""
    rng = np.random.default_rng(seed)
    out = []
    for b in range(nb):
        sw = None if b == 0 else rng.random((n, 5) if kind == "ids" else n).astype("float32")
        if kind in ("bin", "multi", "logits"):
            c = 1 if kind in ("bin", "logits") else 4
            yt = (rng.random((n, c)) > 0.5).astype("float32")
            yp = rng.random((n, c)).astype("float32")
            if kind == "logits":
                yp = ((yp - 0.5) * 8).astype("float32")
        elif kind in ("cat", "sparse", "prob"):
            yp = rng.random((n, 6)).astype("float32")
            yp /= yp.sum(-1, keepdims=True)
            lab = rng.integers(0, 6, n).astype("int32")
            yt = lab if kind == "sparse" else np.eye(6, dtype="float32")[lab]
            if kind == "prob":
                yt = rng.random((n, 6)).astype("float32")
                yt /= yt.sum(-1, keepdims=True)
        elif kind == "ids":
            yt = rng.integers(0, 4, (n, 5)).astype("int32")
            yp = np.where(rng.random((n, 5)) > 0.3, yt,
                          rng.integers(0, 4, (n, 5))).astype("int32")
        elif kind == "reg":
            yt = rng.normal(size=(n, 3)).astype("float32")
            yp = rng.normal(size=(n, 3)).astype("float32")
        else:
            raise ValueError(kind)
        out.append((yt, yp, sw))
    return out


def run_metric(module, i):
    """``{"all": result after every batch, "one": result after reset + batch 1 unweighted}``."""
    cls, kw, kind = METRIC_CASES[i]
    data = batches(kind, seed=100 + i)
    m = getattr(module, cls)(**kw)
    for yt, yp, sw in data:
        m.update_state(yt, yp, sample_weight=sw)
    res = {"all": np.asarray(m.result(), dtype=np.float64).tolist()}
    m.reset_state()
    m.update_state(data[1][0], data[1][1])
    res["one"] = np.asarray(m.result(), dtype=np.float64).tolist()
    return res


LOSS_CASES = [
    ("Huber", {}, "reg"), ("Huber", {"delta": 0.3}, "reg"), ("LogCosh", {}, "reg"),
    ("KLDivergence", {}, "pos"), ("Poisson", {}, "pos"), ("Hinge", {}, "bin01"),
    ("Hinge", {}, "pm1"), ("SquaredHinge", {}, "bin01"), ("SquaredHinge", {}, "pm1"),
    ("CategoricalHinge", {}, "cat"), ("CosineSimilarity", {}, "cos"),
    ("CosineSimilarity", {"axis": 0}, "cos"), ("MeanSquaredLogarithmicError", {}, "pos"),
    ("MeanAbsolutePercentageError", {}, "reg0"),
    ("CategoricalFocalCrossentropy", {}, "cat"),
    ("CategoricalFocalCrossentropy", {"alpha": 0.5, "gamma": 1.0, "label_smoothing": 0.2}, "cat"),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, "catlogits"),
    ("BinaryFocalCrossentropy", {}, "bin01"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.3, "gamma": 3.0,
                                 "label_smoothing": 0.1}, "bin01"),
    ("BinaryFocalCrossentropy", {"from_logits": True}, "binlogits"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "bin01"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "cat"),
]


def loss_data(kind, seed, n=12):
    """``(y_true, y_pred, sample_weight)`` with edge rows for the kind (zeros, exact 0/1 ...)."""
    rng = np.random.default_rng(seed)
    sw = rng.random(n).astype("float32")
    if kind in ("reg", "reg0"):
        yt = rng.normal(size=(n, 4)).astype("float32")
        yp = rng.normal(size=(n, 4)).astype("float32")
        yp[0] = yt[0]  # zero error row
        yp[1] = yt[1] + 5.0  # large errors (Huber's linear part)
        if kind == "reg0":
            yt[2] = 0.0  # MAPE's division by max(|t|, eps)
    elif kind == "pos":
        yt = rng.random((n, 4)).astype("float32")
        yp = rng.random((n, 4)).astype("float32")
        yt[0] = 0.0
        yp[1] = 0.0
        yt[2], yp[2] = 0.0, 0.0
    elif kind in ("bin01", "binlogits"):
        yt = (rng.random((n, 3)) > 0.5).astype("float32")
        yp = rng.random((n, 3)).astype("float32")
        if kind == "binlogits":
            yp = ((yp - 0.5) * 10).astype("float32")
        else:
            yp[0], yp[1] = 0.0, 1.0  # exact 0 / 1 predictions (clipped)
    elif kind == "pm1":
        yt = np.where(rng.random((n, 3)) > 0.5, 1.0, -1.0).astype("float32")
        yp = rng.normal(size=(n, 3)).astype("float32")
    elif kind in ("cat", "catlogits"):
        lab = rng.integers(0, 5, n)
        yt = np.eye(5, dtype="float32")[lab]
        yp = rng.random((n, 5)).astype("float32")
        if kind == "catlogits":
            yp = ((yp - 0.5) * 6).astype("float32")
        else:
            yp /= yp.sum(-1, keepdims=True)
            yp[0, lab[0]] = 0.0  # zero probability on the true class
            yt[1] = 0.0  # an all-zero target row
    elif kind == "cos":
        yt = rng.normal(size=(n, 4)).astype("float32")
        yp = rng.normal(size=(n, 4)).astype("float32")
        yp[0] = yt[0] * 3  # aligned
        yt[1] = 0.0  # zero vector
        yp[2] = 0.0
    else:
        raise ValueError(kind)
    return yt, yp, sw


def run_loss(module, i):
    """Per-sample values (reduction "none"), weighted default reduction, "sum"."""
    cls, kw, kind = LOSS_CASES[i]
    yt, yp, sw = loss_data(kind, seed=500 + i)
    if kw.get("axis", -1) != -1:
        sw = None  # per-sample weights do not broadcast against values along the batch

    def val(x):
        return np.asarray(getattr(x, "value", x), dtype=np.float64).tolist()

    C = getattr(module, cls)
    return {"none": val(C(reduction="none", **kw)(yt, yp)),
            "weighted": val(C(**kw)(yt, yp, sample_weight=sw)),
            "sum": val(C(reduction="sum", **kw)(yt, yp, sample_weight=sw))}


SCHEDULE_CASES = [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5)),
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5,
                              staircase=True)),
    ("PiecewiseConstantDecay", dict(boundaries=[3, 10], values=[1.0, 0.5, 0.1])),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=10)),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=10, end_learning_rate=0.01,
                             power=2.0, cycle=True)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=4, decay_rate=0.5)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=4, decay_rate=0.5,
                              staircase=True)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=10)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=10, alpha=0.1)),
    ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=10, warmup_target=0.2,
                         warmup_steps=5)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=4)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=3, t_mul=1.0,
                                 m_mul=0.5, alpha=0.05)),
]
SCHEDULE_STEPS = [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 13, 16, 25, 40]


def run_schedule(module, i):
    cls, kw = SCHEDULE_CASES[i]
    s = getattr(module, cls)(**kw)
    return [float(np.asarray(s(k))) for k in SCHEDULE_STEPS]


OPT_CASES = [
    ("Adamax", {"learning_rate": 0.01}), ("Adamax", {"beta_1": 0.8, "weight_decay": 0.1}),
    ("Nadam", {"learning_rate": 0.01}), ("Nadam", {"beta_2": 0.9, "clipnorm": 0.5}),
    ("Adadelta", {"learning_rate": 1.0}), ("Adadelta", {"rho": 0.8, "clipvalue": 0.3}),
    ("Lion", {"learning_rate": 0.01}), ("Lion", {"beta_1": 0.5, "weight_decay": 0.05}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.01,
              "l2_regularization_strength": 0.02, "l2_shrinkage_regularization_strength": 0.03,
              "beta": 0.5, "learning_rate_power": -0.7}),
    ("Adam", {"global_clipnorm": 1.0, "weight_decay": 0.01}),
    ("SGD", {"learning_rate": "exp", "momentum": 0.9}),
    ("RMSprop", {"learning_rate": "cos"}),
]


def run_optimizer(lib, i, steps=5):
    """Variables after ``steps`` updates with fixed gradients (``lib`` = keras or pyfapi)."""
    cls, kw = OPT_CASES[i]
    kw = dict(kw)
    if kw.get("learning_rate") == "exp":
        kw["learning_rate"] = lib.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)
    elif kw.get("learning_rate") == "cos":
        kw["learning_rate"] = lib.optimizers.schedules.CosineDecay(0.0, 3, warmup_target=0.05,
                                                                   warmup_steps=2)
    rng = np.random.default_rng(900 + i)
    w0 = [rng.normal(size=(7, 3)).astype("float32"), rng.normal(size=(5,)).astype("float32")]
    grads = [[rng.normal(size=w.shape).astype("float32") for w in w0] for _ in range(steps)]
    opt = getattr(lib.optimizers, cls)(**kw)
    vs = [lib.Variable(w) for w in w0]
    for g in grads:
        opt.apply(g, vs)
    return [np.asarray(v.numpy(), dtype=np.float64).tolist() for v in vs]

OPT_CASES += [
    ("Adam", {"use_ema": True, "ema_momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.5,
             "ema_overwrite_frequency": 2}),
]


def metric_state(module, i):
    """Every case of METRIC_CASES: its state variables after all batches (``[name, shape, dtype,
    values]`` each, Keras 3's names / shapes / dtypes) and the values after ``reset_state``."""
    cls, kw, kind = METRIC_CASES[i]
    m = getattr(module, cls)(**kw)
    for yt, yp, sw in batches(kind, seed=100 + i):
        m.update_state(yt, yp, sample_weight=sw)

    def dump(v):
        a = np.asarray(v.numpy() if hasattr(v, "numpy") else v)
        return [v.name, list(a.shape), str(a.dtype), a.astype(np.float64).reshape(-1).tolist()]

    state = [dump(v) for v in m.variables]
    m.reset_state()
    return {"vars": state, "reset": [dump(v) for v in m.variables]}
