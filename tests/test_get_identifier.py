"""One ``get(identifier)`` (pyfapi.utils.serialization.get_object) behind every family's ``get``:
the same results and error types as Keras 3's, registered custom objects found by name."""
import numpy as np
import pytest

import pyfapi
from pyfapi import activations, constraints, initializers, losses, metrics, optimizers, regularizers

FAMILIES = {"losses": losses, "metrics": metrics, "optimizers": optimizers,
            "activations": activations, "initializers": initializers,
            "regularizers": regularizers, "constraints": constraints}
KIND = {"losses": "loss", "metrics": "metric", "optimizers": "optimizer",
        "activations": "activation function", "initializers": "initializer",
        "regularizers": "regularizer", "constraints": "constraint"}
# a name of each family and the class (or function name) Keras 3 gives for it
NAMES = {"losses": ("mse", "mean_squared_error"), "metrics": ("accuracy", "Accuracy"),
         "optimizers": ("Adam", "Adam"), "activations": ("relu", "relu"),
         "initializers": ("glorot_uniform", "GlorotUniform"), "regularizers": ("l2", "L2"),
         "constraints": ("non_neg", "NonNeg")}


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _name(obj):
    return getattr(obj, "__name__", None) or type(obj).__name__


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_names_resolve_as_keras(family, keras):
    ident, expected = NAMES[family]
    ours = FAMILIES[family].get(ident)
    theirs = getattr(keras, family).get(ident)
    assert _name(ours) == _name(theirs) == expected


@pytest.mark.parametrize("bad", [3, "nosuchname", 2.5])
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_bad_identifiers_raise_valueerror_as_keras(family, bad, keras):
    with pytest.raises(ValueError, match=f"Could not interpret {KIND[family]} identifier"):
        getattr(keras, family).get(bad)
    with pytest.raises(ValueError, match=f"Could not interpret {KIND[family]} identifier"):
        FAMILIES[family].get(bad)


def test_registered_custom_objects_found_by_name():
    @pyfapi.saving.register_keras_serializable(package="getid")
    def twice_abs(y_true, y_pred):
        return pyfapi.ops.abs(y_pred - y_true) * 2.0

    name = pyfapi.saving.get_registered_name(twice_abs)
    assert losses.get(name) is twice_abs
    m = metrics.get(name)  # a function is wrapped in a mean metric
    assert isinstance(m, metrics.MeanMetricWrapper)
    m.update_state(np.zeros((2, 1), np.float32), np.ones((2, 1), np.float32))
    assert m.result() == pytest.approx(2.0)
    with pyfapi.saving.custom_object_scope({"shifted": lambda x: x + 1.0}):
        assert float(activations.get("shifted")(np.float32(1.0))) == 2.0
    with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
        activations.get("shifted")


def test_instances_classes_and_none():
    adam = optimizers.Adam()
    assert optimizers.get(adam) is adam
    assert isinstance(optimizers.get(optimizers.SGD), optimizers.SGD)
    acc = metrics.Accuracy()
    assert metrics.get(acc) is acc
    assert losses.get(None) is None and activations.get(None) is activations.linear
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(lambda grads: grads)  # a function is not an optimizer


def test_classes_of_another_family_and_class_name_configs():
    with pytest.raises(ValueError, match="not a subclass of Optimizer"):
        optimizers.get(losses.MeanSquaredError)
    with pytest.raises(ValueError, match="not a subclass of Metric"):
        metrics.get(dict)
    # a Keras config without a "name" entry names the activation by its class_name
    assert activations.deserialize({"class_name": "relu", "config": {}}) is activations.relu
