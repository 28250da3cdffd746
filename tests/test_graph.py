"""Graph half of issue 5: KerasTensor, Node, Layer base class, Input, naming, graph errors.

Expected numbers are Keras 3.15.1's (see /work/shared/reference/keras_reference.md) or follow
from the Keras formulas written next to them; nothing is produced by the code under test.
"""
import numpy as np
import pytest

import pyfapi
from pyfapi import layers
from pyfapi.autodiff import GradientTape, Variable
from pyfapi.graph import ExecutionPlan, InputSpec, KerasTensor, Node, map_graph
from pyfapi.layers.base import Layer, get_layer_class, register_layer
from pyfapi.layers.core.input_layer import Input, InputLayer
from pyfapi.models import Model
from pyfapi.utils import naming


@pytest.fixture(autouse=True)
def _fresh_names():
    naming.reset_names()
    yield
    naming.reset_names()


def const_init(value):
    def init(shape, dtype="float32"):
        return np.full(shape, value, dtype=dtype)
    return init


class Scale(Layer):
    """Tiny fake layer: y = x * w (w has the last-axis size), weights 'w' then frozen 'c'."""

    def __init__(self, with_frozen=False, **kwargs):
        super().__init__(**kwargs)
        self.with_frozen = with_frozen

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer=const_init(2.0), name="w")
        if self.with_frozen:
            self.c = self.add_weight(shape=(1,), initializer="zeros", name="c", trainable=False)

    def call(self, x):
        return pyfapi.ops.multiply(x, self.w)

    def compute_output_shape(self, input_shape):
        return input_shape


class Pair(Layer):
    """Fake multi-output layer: returns [x, 2x]."""

    def call(self, x):
        return [x, pyfapi.ops.multiply(x, 2.0)]

    def compute_output_shape(self, input_shape):
        return [input_shape, input_shape]


# ---- naming ----------------------------------------------------------------------------------
def test_snake_case_names_numbered_from_second():
    assert naming.to_snake_case("GlobalMaxPooling1D") == "global_max_pooling1d"
    assert naming.to_snake_case("LSTM") == "lstm"
    assert naming.to_snake_case("BatchNormalization") == "batch_normalization"
    assert [layers.Dense(2).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert layers.Dense(2, name="head").name == "head"
    assert layers.Dense(2).name == "dense_3"  # explicit names do not consume the counter
    naming.reset_names()
    assert layers.Dense(2).name == "dense"


def test_input_layer_names_and_keras_tensor():
    x = Input(shape=(64,))
    y = Input(shape=(None,), dtype="int32", name="text")
    z = Input(shape=(3,))
    assert isinstance(x, KerasTensor)
    assert x.shape == (None, 64) and x.dtype == "float32" and x.name == "input_layer"
    assert y.shape == (None, None) and y.dtype == "int32" and y.name == "text"
    assert z.name == "input_layer_1"
    layer, node_index, tensor_index = x._keras_history
    assert isinstance(layer, InputLayer) and layer.name == "input_layer"
    assert (node_index, tensor_index) == (0, 0)
    assert Input(batch_shape=(8, 5)).shape == (8, 5)
    assert Input(shape=(5,), batch_size=4).shape == (4, 5)


def test_input_errors():
    with pytest.raises(ValueError, match="shape"):
        Input()
    with pytest.raises(ValueError, match="both"):
        Input(shape=(3,), batch_shape=(None, 3))
    with pytest.raises(ValueError):
        Input(shape=(-1,))


def test_keras_tensor_has_no_value():
    x = Input(shape=(4,))
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)
    with pytest.raises(TypeError):
        bool(x)


# ---- Layer base -----------------------------------------------------------------------------
def test_unknown_kwargs_rejected_with_names():
    with pytest.raises(TypeError, match=r"Scale.*\['bogus', 'other'\]"):
        Scale(bogus=1, other=2)
    with pytest.raises(TypeError, match="trainable"):
        Scale(trainable="yes")


def test_input_shape_kwargs_recorded():
    assert Scale(input_shape=(64,))._batch_input_shape == (None, 64)
    assert Scale(input_dim=7)._batch_input_shape == (None, 7)
    assert Scale(batch_input_shape=(2, 3))._batch_input_shape == (2, 3)
    assert Scale(input_shape=(5,), batch_size=4)._batch_input_shape == (4, 5)
    assert Scale()._batch_input_shape is None


def test_eager_call_builds_once_and_computes():
    layer = Scale()
    assert not layer.built
    with pytest.raises(ValueError, match="isn't built"):
        layer.count_params()
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = layer(x)
    assert layer.built and layer.count_params() == 3
    np.testing.assert_array_equal(np.asarray(y), 2.0 * x)
    w = layer.w
    layer(x)
    assert layer.w is w and len(layer.weights) == 1
    assert w.path == "scale/w"


def test_float64_arrays_are_cast_to_float32():
    y = Scale()(np.ones((2, 3), dtype=np.float64))
    assert np.asarray(y).dtype == np.float32


def test_weights_order_trainable_flag_and_sublayers():
    class Outer(Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.inner = Scale(with_frozen=True, name="inner")

        def build(self, input_shape):
            self.own = self.add_weight(shape=(2,), initializer="zeros", name="own")
            self.inner.build(input_shape)

        def call(self, x):
            return self.inner(x)

    outer = Outer()
    outer.build((None, 3))
    # Keras 3's paths: the inner layer is built in the outer one's name scope
    assert [w.path for w in outer.weights] == ["outer/own", "outer/inner/w", "outer/inner/c"]
    assert [w.path for w in outer.trainable_weights] == ["outer/own", "outer/inner/w"]
    assert [w.path for w in outer.non_trainable_weights] == ["outer/inner/c"]
    assert outer.count_params() == 2 + 3 + 1
    outer.trainable = False
    assert outer.trainable_weights == [] and len(outer.non_trainable_weights) == 3
    assert not outer.inner.trainable and not outer.inner.w.trainable
    outer.trainable = True
    assert len(outer.trainable_weights) == 2


def test_get_set_weights_roundtrip_and_errors():
    layer = Scale(with_frozen=True)
    layer.build((None, 3))
    new = [np.array([1.0, 2.0, 3.0], np.float32), np.array([5.0], np.float32)]
    layer.set_weights(new)
    got = layer.get_weights()
    for a, b in zip(got, new):
        np.testing.assert_array_equal(a, b)
    got[0][0] = 99.0  # copies, not views of the variables
    assert layer.get_weights()[0][0] == 1.0
    with pytest.raises(ValueError, match=r"'scale'.*length 1.*expecting 2"):
        layer.set_weights([np.zeros(3)])
    with pytest.raises(ValueError, match=r"scale.*\(3,\).*\(4,\)"):
        layer.set_weights([np.zeros(4), np.zeros(1)])
    # nothing was written by the failed call
    np.testing.assert_array_equal(layer.get_weights()[0], [1.0, 2.0, 3.0])


def test_add_weight_shape_errors():
    layer = Scale()
    with pytest.raises(ValueError, match="scale"):
        layer.add_weight(shape=(None, 3), name="bad")
    v = layer.add_weight(shape=(2, 3), name="k")
    assert isinstance(v, Variable) and v.shape == (2, 3) and v.trainable
    # glorot_uniform default: limit sqrt(6 / (fan_in + fan_out)) = sqrt(6/5)
    assert np.all(np.abs(v.numpy()) <= np.sqrt(6 / 5) + 1e-6)


def test_layer_config_roundtrip():
    layer = Scale(name="sc", trainable=False)
    config = layer.get_config()
    assert config["name"] == "sc" and config["trainable"] is False
    assert config["dtype"]["config"]["name"] == "float32"
    clone = Scale.from_config(config)
    assert clone.name == "sc" and clone.trainable is False and clone.dtype == "float32"


def test_registry_and_custom_objects():
    assert get_layer_class("Dense") is layers.Dense
    assert get_layer_class("InputLayer") is InputLayer
    with pytest.raises(ValueError, match="Unknown layer class 'Scale'"):
        get_layer_class("Scale")
    assert get_layer_class("Scale", custom_objects={"Scale": Scale}) is Scale

    @register_layer(name="TestRegisteredScale")
    class Registered(Scale):
        pass
    assert get_layer_class("TestRegisteredScale") is Registered


# ---- symbolic calls, nodes -------------------------------------------------------------------
def test_symbolic_call_records_node_and_shapes():
    x = Input(shape=(5,))
    layer = Scale()
    y = layer(x)
    assert isinstance(y, KerasTensor) and y.shape == (None, 5) and y.dtype == "float32"
    assert layer.built and len(layer._inbound_nodes) == 1
    node = layer._inbound_nodes[0]
    assert isinstance(node, Node) and node.input_tensors == [x] and node.outputs == [y]
    assert y._keras_history == (layer, 0, 0)
    assert x._keras_history.operation._outbound_nodes == [node]
    assert layer.input is x and layer.output is y
    assert layer.input_shape == (None, 5) and layer.output_shape == (None, 5)


def test_shared_layer_node_indices_and_no_new_weights():
    lstm_like = Scale()
    a, b = Input(shape=(4,)), Input(shape=(4,))
    ya, yb = lstm_like(a), lstm_like(b)
    assert ya._keras_history.node_index == 0 and yb._keras_history.node_index == 1
    assert len(lstm_like.weights) == 1
    assert lstm_like.get_input_at(1) is b and lstm_like.get_output_at(1) is yb
    assert lstm_like.output is ya  # Keras 3: the first call


def test_multi_output_layer_tensor_indices():
    x = Input(shape=(3,))
    p, q = Pair()(x)
    assert p._keras_history.tensor_index == 0 and q._keras_history.tensor_index == 1
    assert p._keras_history.node_index == q._keras_history.node_index == 0


def test_shape_inference_fallback_runs_call_on_zeros():
    class NoShape(Layer):
        def call(self, x):
            return pyfapi.ops.concatenate([x, x], axis=-1)
    y = NoShape()(Input(shape=(None, 3)))
    assert y.shape == (None, None, 6)


def test_called_on_incompatible_shape_names_layer_and_shapes():
    x64 = Input(shape=(64,))
    dense = layers.Dense(8)
    dense(x64)
    with pytest.raises(ValueError, match=r"dense.*64.*\(None, 32\)"):
        dense(Input(shape=(32,)))
    with pytest.raises(ValueError, match=r"dense.*64.*\(2, 32\)"):
        dense(np.zeros((2, 32), np.float32))
    # a fake layer without input_spec: the built last axis is checked
    s = Scale()
    s(Input(shape=(4,)))
    with pytest.raises(ValueError, match=r'"scale".*value 4.*\(None, 5\)'):
        s(Input(shape=(5,)))


def test_input_spec_checks():
    class NeedsRank3(Scale):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.input_spec = InputSpec(ndim=3)
    with pytest.raises(ValueError, match=r"needs_rank3.*ndim=3.*\(None, 4\)"):
        NeedsRank3()(Input(shape=(4,)))


def test_training_flag_propagates_to_nested_layers():
    seen = []

    class Probe(Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

        def compute_output_shape(self, s):
            return s

    class Wrapper(Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.probe = Probe()

        def call(self, x):
            return self.probe(x)

    Wrapper()(np.ones((1, 2), np.float32), training=True)
    Probe()(np.ones((1, 2), np.float32))
    assert seen == [True, None]


# ---- graph mapping ---------------------------------------------------------------------------
def test_map_graph_order_matches_keras_and_plan_is_flat():
    # Keras 3 orders the QA model's layers text, question, embedding, embedding_1, lstm,
    # lstm_1, concatenate, dense (keras_reference / real Keras summary).
    text = Input(shape=(None,), dtype="int32", name="text")
    question = Input(shape=(None,), dtype="int32", name="question")
    a = layers.LSTM(4)(layers.Embedding(50, 6)(text))
    b = layers.LSTM(3)(layers.Embedding(50, 5)(question))
    out = layers.Dense(2)(layers.concatenate([a, b]))
    nodes, nodes_by_depth, ordered, _ = map_graph([text, question], [out])
    assert [l.name for l in ordered] == ["text", "question", "embedding", "embedding_1", "lstm",
                                         "lstm_1", "concatenate", "dense"]
    plan = ExecutionPlan([text, question], [out], nodes_by_depth)
    assert [step[0].name for step in plan.steps] == ["embedding", "embedding_1", "lstm", "lstm_1",
                                                     "concatenate", "dense"]
    # every intermediate slot is released after its last use; the output slot is kept
    freed = [s for step in plan.steps for s in step[4]]
    assert plan.output_slots[0] not in freed
    assert len(freed) == plan.n_slots - 1


def test_graph_disconnected_names_missing_input_and_layer():
    a = Input(shape=(3,), name="left")
    b = Input(shape=(3,), name="right")
    merged = layers.concatenate([Scale(name="sa")(a), Scale(name="sb")(b)])
    with pytest.raises(ValueError, match=r"Graph disconnected.*'right'.*'sb'"):
        Model(a, merged)


def test_duplicate_layer_names_rejected():
    x = Input(shape=(3,))
    y = layers.Dense(2, name="same")(x)
    z = layers.Dense(2, name="same")(y)
    with pytest.raises(ValueError, match='"same" is used 2 times'):
        Model(x, z)


def test_non_symbolic_model_io_rejected():
    x = Input(shape=(3,))
    with pytest.raises(ValueError, match="KerasTensor"):  # Keras 3 raises ValueError
        Model(x, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="KerasTensor"):
        Model(np.ones((2, 3)), np.ones((2, 3)))


def test_shared_layer_gradient_is_sum_over_calls():
    # y = a*w + b*w summed: d/dw = sum over batch of (a + b)
    shared = Scale()
    a, b = Input(shape=(3,)), Input(shape=(3,))
    out = layers.add([shared(a), shared(b)])
    model = Model([a, b], out)
    xa = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]], np.float32)
    xb = np.array([[4.0, 5.0, 6.0], [1.0, 1.0, 1.0]], np.float32)
    with GradientTape() as tape:
        loss = pyfapi.ops.sum(model([xa, xb]))
    (grad,) = tape.gradient(loss, [shared.w])
    np.testing.assert_allclose(np.asarray(grad), (xa + xb).sum(axis=0), rtol=1e-6)


def test_symbolic_training_kwarg_is_recorded_and_model_flag_overrides():
    seen = []

    class Probe(Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

        def compute_output_shape(self, s):
            return s

    x = Input(shape=(2,))
    probe = Probe()
    y = probe(x, training=False)
    assert probe._inbound_nodes[0].call_kwargs == {"training": False}
    model = Model(x, y)
    data = np.ones((1, 2), np.float32)
    model(data)                 # no flag: the recorded training=False is used
    model(data, training=True)  # Keras 3: the model's flag overrides the recorded one
    assert seen == [False, True]


def test_sublayer_assigned_before_super_init_is_tracked():
    class Early(Layer):
        def __init__(self):
            self.inner = Scale(name="early_inner")
            super().__init__()

        def call(self, x):
            return self.inner(x)

    layer = Early()
    layer(np.ones((1, 2), np.float32))
    assert [w.path for w in layer.weights] == ["early/early_inner/w"]  # Keras 3's path
