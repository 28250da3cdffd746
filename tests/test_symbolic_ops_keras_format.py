"""Ops on KerasTensors saved as Keras 3 saves them (operation nodes: the op class with its
constructor arguments as config, the call arguments in the node), so ``.keras`` archives with
``x + y``, ``x[:, 0]`` or ``pyfapi.ops.*`` nodes move both ways between pyfapi and real Keras 3
(JAX backend), Keras's ``NotEqual`` mask nodes included."""
from __future__ import annotations

import json

import numpy as np
import pytest

import pyfapi
from pyfapi import layers, ops

RNG = np.random.default_rng(11)


def _kt(layer_name, shape, dtype="float32"):
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(shape), "dtype": dtype, "keras_history": [layer_name, 0, 0]}}


def _entry(module, class_name, config, args):
    return {"module": f"keras.src.ops.{module}", "class_name": class_name, "config": config,
            "registered_name": class_name, "name": config["name"],
            "inbound_nodes": [{"args": args, "kwargs": {}}]}


def _ops_entries(model):
    return {e["name"]: e for e in model.get_config()["layers"]
            if e["module"].startswith("keras.src.ops.")}


def test_op_nodes_are_written_as_keras_3_writes_them():
    """Expected entries copied from real Keras 3.15's ``get_config`` of the same graph."""
    inp = pyfapi.Input((5,), name="x")
    s = ops.sum(inp, axis=1, keepdims=True)
    out = [s * 2.0, inp[:, None, 1], ops.not_equal(inp, 0.0), ops.reshape(inp, (-1, 5, 1))]
    got = _ops_entries(pyfapi.Model(inp, out))
    x = _kt("x", (None, 5))
    slice_all = {"class_name": "__slice__", "config": {"start": None, "stop": None, "step": None}}
    want = [_entry("numpy", "Sum", {"name": got_name(got, "Sum"), "axis": 1, "keepdims": True},
                   [x]),
            _entry("numpy", "Multiply", {"name": got_name(got, "Multiply")},
                   [_kt(got_name(got, "Sum"), (None, 1)), 2.0]),
            _entry("numpy", "GetItem", {"name": got_name(got, "GetItem")},
                   [x, [slice_all, None, 1]]),
            _entry("numpy", "NotEqual", {"name": got_name(got, "NotEqual")}, [x, 0.0]),
            _entry("numpy", "Reshape", {"name": got_name(got, "Reshape"),
                                        "newshape": [-1, 5, 1]}, [x])]
    assert json.loads(json.dumps(got)) == {e["name"]: e for e in want}


def got_name(entries, class_name):
    (name,) = [n for n, e in entries.items() if e["class_name"] == class_name]
    return name


def test_a_keras_written_config_with_op_nodes_loads():
    """A functional config as Keras 3 writes it (GetItem with a slice key, a NotEqual mask op,
    Einsum with its subscripts in the config, a __numpy__ constant) rebuilds and computes."""
    w = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    config = {"name": "f", "trainable": True, "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
         "name": "x", "inbound_nodes": [],
         "config": {"batch_shape": [None, 4, 3], "dtype": "float32", "name": "x"}},
        _entry("numpy", "GetItem", {"name": "get_item"}, [_kt("x", (None, 4, 3)), [
            {"class_name": "__ellipsis__", "config": {}},
            {"class_name": "__slice__", "config": {"start": 1, "stop": None, "step": 2}},
            {"class_name": "__slice__", "config": {"start": None, "stop": None, "step": None}}]]),
        _entry("numpy", "Einsum", {"name": "einsum", "subscripts": "bij,jk->bik"},
               [_kt("get_item", (None, 2, 3)),
                {"class_name": "__numpy__", "config": {"value": w, "dtype": "float32"}}]),
        _entry("numpy", "NotEqual", {"name": "not_equal"}, [_kt("einsum", (None, 2, 2)), 0])],
        "input_layers": [["x", 0, 0]], "output_layers": [["einsum", 0, 0], ["not_equal", 0, 0]]}
    model = pyfapi.Model.from_config(json.loads(json.dumps(config)))
    x = RNG.standard_normal((3, 4, 3)).astype(np.float32)
    x[0] = 0.0
    prod, mask = model.predict(x, verbose=0)
    want = np.einsum("bij,jk->bik", x[:, 1::2], np.asarray(w, np.float32))
    np.testing.assert_allclose(prod, want, rtol=1e-6)
    np.testing.assert_array_equal(mask, want != 0)
    assert mask.dtype == np.bool_
    assert _ops_entries(model)["einsum"]["config"] == {"name": "einsum",
                                                       "subscripts": "bij,jk->bik"}


def test_unknown_keras_op_class_is_a_clear_error():
    entry = _entry("numpy", "Frobnicate", {"name": "frob"}, [_kt("x", (None, 2))])
    with pytest.raises(ValueError, match=r"keras.src.ops.numpy.Frobnicate.*'frob'"):
        pyfapi.models.serialization.deserialize_layer(entry)


def test_keras_only_argument_with_a_non_default_value_is_a_clear_error():
    config = {"name": "f", "trainable": True, "layers": [
        {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
         "name": "x", "inbound_nodes": [],
         "config": {"batch_shape": [None, 3], "dtype": "int32", "name": "x"}},
        _entry("nn", "OneHot", {"name": "one_hot", "num_classes": 4, "axis": -1,
                                "dtype": "float32", "sparse": True},
               [_kt("x", (None, 3), "int32")])],
        "input_layers": [["x", 0, 0]], "output_layers": ["one_hot", 0, 0]}
    with pytest.raises(ValueError, match=r"OneHot: pyfapi.ops.one_hot has no argument 'sparse'"):
        pyfapi.Model.from_config(config)
    config["layers"][1]["config"]["sparse"] = False  # Keras's default: dropped
    model = pyfapi.Model.from_config(config)
    np.testing.assert_array_equal(model.predict(np.array([[0, 3, 1]], np.int32), verbose=0),
                                  np.eye(4, dtype=np.float32)[[[0, 3, 1]]])


def test_pyfapi_only_arguments_keep_pyfapi_form_and_round_trip():
    """``initial`` is not an argument of Keras's Amax op: the node is saved in pyfapi's own
    form (which old pyfapi archives also use) and still loads."""
    inp = pyfapi.Input((4,))
    model = pyfapi.Model(inp, ops.amax(inp, axis=1, initial=0.5) + 1.0)
    entries = {e["class_name"]: e for e in model.get_config()["layers"]}
    assert entries["SymbolicOp"]["config"]["function"] == "amax"
    assert entries["Add"]["module"] == "keras.src.ops.numpy"
    again = pyfapi.Model.from_config(json.loads(json.dumps(model.get_config())))
    x = np.array([[0.1, 0.2, 0.3, 0.0], [1.0, 2.0, -1.0, 0.0]], np.float32)
    np.testing.assert_allclose(again.predict(x, verbose=0), [1.5, 3.0])


# ---- against real Keras 3 (JAX backend) ---------------------------------------------------------
def _graph(api, ops_mod, x_in, y_in):
    """The same graph in pyfapi or Keras: operators, slicing, and ops from numpy/nn/core."""
    h = api.layers.Dense(6, name="d0")(x_in)
    t = h * 0.5 + y_in[:, ::-1] - ops_mod.mean(y_in, axis=-1, keepdims=True)
    t = t / 3.0 - (-t) ** 2 + abs(y_in) // 1.0 + t % 2.0
    t = ops_mod.where(t > 0.1, t, ops_mod.zeros_like(t))
    w = np.arange(12, dtype=np.float32).reshape(6, 2) / 10
    s = ops_mod.concatenate([t @ w, ops_mod.einsum("bi,ij->bj", t, w),
                             ops_mod.expand_dims(t[..., 1], -1), t[:, None, 2:4][:, 0]], axis=-1)
    s = ops_mod.softmax(ops_mod.reshape(s, (-1, 7, 1)), axis=1)
    s = ops_mod.transpose(s, (0, 2, 1))[:, 0]
    s = ops_mod.clip(s, 0.01, 0.9) + ops_mod.cast(ops_mod.not_equal(x_in, 0.0), "float32")[:, :1]
    return [api.layers.Dense(3, name="d1")(s), ops_mod.sum(t, axis=1)]


def _data():
    x = [RNG.standard_normal((5, 6)).astype(np.float32) for _ in range(2)]
    x[0][1, 0] = 0.0
    return x


def test_keras_loads_pyfapi_archives_with_op_nodes(tmp_path):
    keras = pytest.importorskip("keras")
    i, j = pyfapi.Input((6,), name="a"), pyfapi.Input((6,), name="b")
    model = pyfapi.Model([i, j], _graph(pyfapi, ops, i, j))
    model.save(tmp_path / "p.keras")
    k = keras.saving.load_model(str(tmp_path / "p.keras"))
    x = _data()
    for ours, theirs in zip(model.predict(x, verbose=0), k.predict(x, verbose=0)):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-5, atol=1e-6)
    # Keras writes the loaded graph's op nodes exactly as pyfapi wrote them
    mine, keras_own = _ops_entries(model), _ops_entries(k)
    assert len(mine) > 25 and json.loads(json.dumps(keras_own)) == json.loads(json.dumps(mine))


def test_pyfapi_loads_keras_archives_with_op_nodes(tmp_path):
    keras = pytest.importorskip("keras")
    i, j = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    k = keras.Model([i, j], _graph(keras, keras.ops, i, j))
    k.save(str(tmp_path / "k.keras"))
    model = pyfapi.saving.load_model(tmp_path / "k.keras")
    x = _data()
    for ours, theirs in zip(model.predict(x, verbose=0), k.predict(x, verbose=0)):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-5, atol=1e-6)


def test_mask_op_nodes_move_both_ways(tmp_path):
    """Keras saves Embedding(mask_zero=True) -> LSTM as a NotEqual op node feeding the LSTM's
    ``mask`` keyword; pyfapi loads it, predicts as Keras, and saves it back for Keras."""
    keras = pytest.importorskip("keras")
    kl, kops = keras.layers, keras.ops
    i = keras.Input((7,), dtype="int32")
    e = kl.Embedding(20, 4, mask_zero=True)(i)
    n = kops.cast(kops.not_equal(i, 0), "float32")
    out = kl.Dense(2)(kops.concatenate([kl.LSTM(3)(e), kl.GlobalAveragePooling1D()(e),
                                        kops.sum(n, axis=1, keepdims=True)], axis=-1))
    k = keras.Model(i, out)
    k.save(str(tmp_path / "k.keras"))
    model = pyfapi.saving.load_model(tmp_path / "k.keras")
    assert "NotEqual" in {e["class_name"] for e in _ops_entries(model).values()}
    x = RNG.integers(1, 20, (4, 7)).astype(np.int32)
    x[:, 5:] = 0
    x[0, 2:] = 0
    np.testing.assert_allclose(model.predict(x, verbose=0), np.asarray(k.predict(x, verbose=0)),
                               rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "p.keras")
    back = keras.saving.load_model(str(tmp_path / "p.keras"))
    np.testing.assert_allclose(np.asarray(back.predict(x, verbose=0)),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
