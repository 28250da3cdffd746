"""Variable and layer paths follow Keras 3's name scopes (pyfapi/utils/name_scope.py): the same
model code gives the same ``w.path`` list in pyfapi and in real Keras."""
import numpy as np
import pytest

import pyfapi
from pyfapi.utils.name_scope import current_path, name_scope


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _models(K):
    """name -> a built model, written once for both libraries."""
    out = {}
    inner = K.Sequential([K.layers.Dense(4, name="d1"), K.layers.Dense(2, name="d2")],
                         name="inner")
    i = K.Input((3,), name="x")
    out["nested_sequential"] = K.Model(i, K.layers.Dense(1, name="head")(inner(i)), name="outer")

    class Block(K.layers.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.a = K.layers.Dense(3, name="a")
            self.ln = K.layers.LayerNormalization(name="ln")

        def call(self, x):
            return self.ln(self.a(x))

    class Net(K.Model):
        def __init__(self):
            super().__init__(name="net")
            self.blk = Block(name="blk")
            self.rnn = K.layers.LSTM(2, name="rnn")
            self.out = K.layers.Dense(1, name="out")

        def call(self, x):
            return self.out(self.rnn(self.blk(x)))

    net = Net()
    net(np.zeros((2, 4, 5), np.float32))
    out["subclassed"] = net
    mha = K.layers.MultiHeadAttention(2, 4, name="mha")
    q = np.zeros((1, 3, 8), np.float32)
    mha(q, q)
    out["mha"] = mha
    seq = K.Sequential([K.layers.Dense(2, name="late"), K.layers.Dense(1, name="top")])
    seq.compile("adam", "mse")
    seq.fit(np.ones((4, 3), np.float32), np.ones((4, 1), np.float32), verbose=0)
    out["sequential_built_by_fit"] = seq
    return out


def test_paths_equal_keras(keras):
    ours, theirs = _models(pyfapi), _models(keras)
    for name in ours:
        assert [w.path for w in ours[name].weights] == [w.path for w in theirs[name].weights], \
            name
    seq_ours, seq_theirs = ours["sequential_built_by_fit"], theirs["sequential_built_by_fit"]
    # Keras numbers its optimizers per session ("adam_1" after another test's "adam"): the
    # paths are compared below the optimizer's own scope
    assert [v.path.split("/", 1)[1] for v in seq_ours.optimizer.variables] == \
        [v.path.split("/", 1)[1] for v in seq_theirs.optimizer.variables]
    assert seq_ours.optimizer.variables[2].path == "adam/sequential_late_kernel_momentum"


def test_sublayers_built_in_a_later_call_get_the_outer_scope(keras):
    def make(K):
        class Outer(K.layers.Layer):
            def __init__(self, **kw):
                super().__init__(**kw)
                self.d = K.layers.Dense(3, name="d")

            def build(self, shape):
                self.w = self.add_weight(shape=(3,), name="w")

            def call(self, x):
                return self.d(x) + self.w

        o = Outer(name="outer_a")
        o.build((None, 4))  # built explicitly: the Dense is built in the first call
        o(np.zeros((2, 4), np.float32))
        return [w.path for w in o.weights]

    assert make(pyfapi) == make(keras) == ["outer_a/w", "outer_a/d/kernel", "outer_a/d/bias"]


def test_layer_paths_of_weightless_and_built_layers(keras):
    def make(K):
        class Blk(K.layers.Layer):  # no build of its own
            def __init__(self, **kw):
                super().__init__(**kw)
                self.d = K.layers.Dense(2, name="d")

            def call(self, x):
                return self.d(x)

        class M(K.Model):
            def __init__(self, **kw):
                super().__init__(**kw)
                self.b = Blk(name="blk")

            def call(self, x):
                return self.b(x)

        m = M(name="m")
        m(np.zeros((1, 3), np.float32))
        return m.b.path, m.b.d.path, [w.path for w in m.weights]

    assert make(pyfapi) == make(keras) == ("m/blk", "m/blk/d", ["m/blk/d/kernel", "m/blk/d/bias"])


def test_scopes_stack_dedupe_and_reopen_at_the_first_parent():
    class Caller:
        _parent_path = None

    c = Caller()
    assert current_path() == ""
    with name_scope("a"):
        with name_scope("b", caller=c):
            with name_scope("b", caller=c):  # the same caller and name: not stacked again
                assert current_path() == "a/b"
        c._parent_path = "a"
        with name_scope("z"):
            with name_scope("b", caller=c):  # reopened under its first parent
                assert current_path() == "a/b"
    assert current_path() == ""
    with pytest.raises(ValueError, match="cannot contain"):
        name_scope("a/b")
