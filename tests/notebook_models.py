"""Models of the user notebook (/work/shared/seed/functional_api_notebook.txt) built as its cells
build them, shared by the test files that check them (test_models: graph, shapes, numerics;
test_summary: Keras's summary text). Layer names depend on the global name counters, so callers
reset them (``naming.reset_names()``) first, as their fixtures do.
"""
from pyfapi import layers
from pyfapi.layers.core.input_layer import Input
from pyfapi.models import Model, Sequential


def build_mlp_twins():
    """Cell 1: ``(seq_model, model)``, the 64 -> 32 -> 32 -> 10 MLP as a Sequential model and as
    its functional twin (relu, relu, softmax)."""
    seq_model = Sequential()
    seq_model.add(layers.Dense(32, activation="relu", input_shape=(64,)))
    seq_model.add(layers.Dense(32, activation="relu"))
    seq_model.add(layers.Dense(10, activation="softmax"))
    input_tensor = Input(shape=(64,))
    x = layers.Dense(32, activation="relu")(input_tensor)
    x = layers.Dense(32, activation="relu")(x)
    output_tensor = layers.Dense(10, activation="softmax")(x)
    return seq_model, Model(input_tensor, output_tensor)


def inception_branches_as_printed(x):
    """The notebook's inception block before its concatenation, exactly as printed: four
    branches of ``x`` (``(None, 32, 32, 256)`` in the notebook) whose spatial sizes do NOT match
    (16, 15, 13 and 14), so concatenating them must fail at graph-build time, as in Keras.
    Returns ``[branch_a, branch_b, branch_c, branch_d]``."""
    branch_a = layers.Conv2D(128, 1, activation="relu", strides=2)(x)
    branch_b = layers.Conv2D(128, 1, activation="relu")(x)
    branch_b = layers.Conv2D(128, 3, activation="relu", strides=2)(branch_b)
    branch_c = layers.AveragePooling2D(3, strides=2)(x)
    branch_c = layers.Conv2D(128, 3, activation="relu")(branch_c)
    branch_d = layers.Conv2D(128, 1, activation="relu")(x)
    branch_d = layers.Conv2D(128, 3, activation="relu")(branch_d)
    branch_d = layers.Conv2D(128, 3, activation="relu", strides=2)(branch_d)
    return [branch_a, branch_b, branch_c, branch_d]
