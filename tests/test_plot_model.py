"""utils.model_to_dot / plot_model: nodes and edges of the model's graph, Keras's options, files
written atomically, and clear errors naming pydot / Graphviz when they are missing."""
import builtins
import os
import shutil

import pytest

import pyfapi
from pyfapi import layers

pydot = pytest.importorskip("pydot")


def _model():
    a = pyfapi.Input((4,), name="a")
    b = pyfapi.Input((3,), name="b")
    x = layers.Dense(5, activation="relu", name="da")(a)
    y = layers.Dense(5, name="db")(b)
    out = layers.Dense(1, name="out")(layers.Concatenate(name="cat")([x, y]))
    return pyfapi.Model([a, b], out)


def test_model_to_dot_nodes_edges_and_labels():
    m = _model()
    dot = pyfapi.utils.model_to_dot(m, show_shapes=True, show_layer_activations=True,
                                    show_trainable=True, rankdir="LR")
    labels = {n.get_name(): n.get("label") for n in dot.get_nodes() if n.get("label")}
    by_layer = {lay.name: labels[str(id(lay))] for lay in m.layers}
    assert "da (Dense)" in by_layer["da"] and "activation: relu" in by_layer["da"]
    assert "(None, 5)" in by_layer["da"] and "trainable: T" in by_layer["da"]
    ids = {str(id(lay)): lay.name for lay in m.layers}
    edges = sorted((ids[e.get_source()], ids[e.get_destination()]) for e in dot.get_edges())
    assert edges == [("a", "da"), ("b", "db"), ("cat", "out"), ("da", "cat"), ("db", "cat")]
    assert dot.get("rankdir") == "LR"
    with pytest.raises(ValueError, match="rankdir"):
        pyfapi.utils.model_to_dot(m, rankdir="UP")


def test_plot_model_writes_files(tmp_path):
    m = _model()
    pyfapi.utils.plot_model(m, to_file=tmp_path / "m.dot")
    assert "da (Dense)" in (tmp_path / "m.dot").read_text()
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot program is not installed")
    pyfapi.utils.plot_model(m, to_file=tmp_path / "sub" / "m.png", show_shapes=True)
    data = (tmp_path / "sub" / "m.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path / "sub") == ["m.png"]


def test_missing_pydot_and_graphviz_are_named(tmp_path, monkeypatch):
    real = builtins.__import__

    def no_pydot(name, *a, **k):
        if name == "pydot":
            raise ImportError("No module named 'pydot'")
        return real(name, *a, **k)
    monkeypatch.setattr(builtins, "__import__", no_pydot)
    with pytest.raises(ImportError, match="install pydot"):
        pyfapi.utils.plot_model(_model(), to_file=tmp_path / "x.png")
    monkeypatch.undo()
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on the PATH
    with pytest.raises(ImportError, match="Graphviz"):
        pyfapi.utils.plot_model(_model(), to_file=tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
