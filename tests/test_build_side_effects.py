"""``Model.build(shape)`` and the shape inference of layers without ``compute_output_shape`` run
``call`` on zeros; like Keras's symbolic build they must change no state: variables (moving
statistics, counters), seed generators, the global generator, stateful RNN states, seeded
layers' generators."""
from __future__ import annotations

import numpy as np

import pyfapi
from pyfapi import layers


class Counter(layers.Layer):
    """Counts its calls in a non-trainable weight; draws noise from a SeedGenerator and from the
    global generator (seed=None)."""

    def __init__(self, draw=True, **kwargs):
        super().__init__(**kwargs)
        self.draw = draw
        self.seed_gen = pyfapi.random.SeedGenerator(3)

    def build(self, input_shape):
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")
        self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

    def call(self, x):
        self.count.assign_add(1.0)
        if self.draw:
            x = x + 0.0 * pyfapi.random.normal((1,), seed=self.seed_gen)
            x = x + 0.0 * pyfapi.random.uniform((1,))
        return pyfapi.ops.matmul(x, self.w)


class Net(pyfapi.Model):
    def __init__(self, draw=True):
        super().__init__()
        self.dense = layers.Dense(4, bias_initializer="ones")
        self.bn = layers.BatchNormalization()
        self.counter = Counter(draw)
        self.drop = layers.GaussianNoise(0.5, seed=7)

    def call(self, x, training=None):
        h = self.bn(self.dense(x), training=True)  # updates the moving statistics when run
        return self.drop(self.counter(h), training=True)


def test_build_changes_no_variable_seed_or_generator():
    pyfapi.utils.set_random_seed(1)
    model = Net()
    model.build((None, 3))
    assert model.built and len(model.variables) > 0
    np.testing.assert_array_equal(model.bn.moving_mean.numpy(), np.zeros(4))
    np.testing.assert_array_equal(model.bn.moving_variance.numpy(), np.ones(4))
    assert float(model.counter.count.numpy()) == 0.0
    np.testing.assert_array_equal(model.counter.seed_gen.state.numpy(), [3, 0])
    after_build = pyfapi.utils.random.global_rng().random()
    first = model(np.ones((2, 3), np.float32))

    # the same model whose call draws nothing, built without running call at all: same weights,
    # same global stream afterwards, same first call (GaussianNoise's generator untouched)
    pyfapi.utils.set_random_seed(1)
    ref = Net()
    x = pyfapi.Input((3,))
    ref.dense(x)  # builds the layers in the same order without a zeros run of the model
    ref.bn.build((None, 4))
    ref.counter.build((None, 4))
    np.testing.assert_array_equal(model.dense.kernel.numpy(), ref.dense.kernel.numpy())
    np.testing.assert_array_equal(model.counter.w.numpy(), ref.counter.w.numpy())
    assert pyfapi.utils.random.global_rng().random() == after_build
    assert float(model.counter.count.numpy()) == 1.0  # the real call counts
    assert not np.array_equal(model.bn.moving_mean.numpy(), np.zeros(4))
    np.testing.assert_array_equal(model.counter.seed_gen.state.numpy(), [3, 1])
    # equal rows normalise to 0 in the training-mode BatchNormalization, so ``first`` is the
    # GaussianNoise draw alone: the first draw of a fresh layer (the build did not advance its
    # seeded generator)
    fresh = layers.GaussianNoise(0.5, seed=7)
    np.testing.assert_allclose(np.asarray(first),
                               np.asarray(fresh(np.zeros((2, 2), np.float32), training=True)),
                               atol=1e-6)


def test_symbolic_call_of_a_layer_without_compute_output_shape_keeps_its_state():
    layer = Counter()
    layer(np.ones((2, 3), np.float32))
    before = [v.numpy() for v in layer.variables] + [layer.seed_gen.state.numpy()]
    global_before = pyfapi.utils.random.global_rng().bit_generator.state
    out = layer(pyfapi.Input((3,)))  # runs call on zeros twice to infer (None, 2)
    assert out.shape == (None, 2)
    after = [v.numpy() for v in layer.variables] + [layer.seed_gen.state.numpy()]
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
    assert pyfapi.utils.random.global_rng().bit_generator.state == global_before


class Carry(layers.Layer):
    """A stateful GRU inside a layer without compute_output_shape."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.gru = layers.GRU(3, stateful=True)

    def call(self, x):
        return self.gru(x) * 2.0


def test_stateful_rnn_states_survive_shape_inference():
    layer = Carry()
    layer(np.random.default_rng(0).standard_normal((2, 5, 4)).astype(np.float32))
    states = [np.array(s, copy=True) for s in layer.gru.states]
    assert np.abs(states[0]).sum() > 0
    out = layer(pyfapi.Input((5, 4), batch_size=2))
    assert out.shape == (2, 3)
    for a, b in zip(states, layer.gru.states):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_failing_build_still_restores_the_state():
    class Fails(pyfapi.Model):
        def __init__(self):
            super().__init__()
            self.counter = Counter(draw=False)

        def call(self, x):
            h = self.counter(x)
            raise RuntimeError("boom")

    model = Fails()
    model.counter(np.ones((1, 3), np.float32))
    try:
        model.build((None, 3))
    except ValueError as e:
        assert "boom" in str(e) and "Fails" in str(e)
    else:
        raise AssertionError("build should fail")
    assert float(model.counter.count.numpy()) == 1.0
