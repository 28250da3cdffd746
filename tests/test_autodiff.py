"""GradientTape / Variable / registry behaviour (expected values computed by hand or numpy)."""
import numpy as np
import pytest

import pyfapi
from pyfapi import ops
from pyfapi.autodiff import GradientTape, Tensor, Variable
from pyfapi.autodiff.registry import REGISTRY, Op, apply, register, unbroadcast

RNG = np.random.default_rng(0)


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def test_public_exports():
    assert pyfapi.Variable is Variable and pyfapi.GradientTape is GradientTape and pyfapi.Tensor is Tensor
    for name in ("matmul", "add", "relu", "softmax", "sum", "mean", "reshape", "transpose", "concatenate"):
        assert callable(getattr(ops, name)) and name in REGISTRY


def test_matmul_relu_sum_gradient_matches_manual():
    x = f32(5, 3)
    w = Variable(f32(3, 4))
    with GradientTape() as tape:
        y = ops.sum(ops.relu(ops.matmul(x, w)))
    (g,) = tape.gradient(y, [w])
    mask = (x @ w.numpy() > 0).astype(np.float32)
    np.testing.assert_allclose(g.numpy(), x.T @ mask, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(float(y), np.maximum(x @ w.numpy(), 0).sum(), rtol=1e-5)


# ---- GradientTape semantics ----------------------------------------------------------------------
def test_shared_variable_gets_sum_of_gradients():
    w = Variable(np.array([1.5, -2.0], dtype=np.float32))
    x = np.array([3.0, 4.0], dtype=np.float32)
    with GradientTape() as tape:
        y = ops.sum(w * x + w * w)          # dy/dw = x + 2w
    g = tape.gradient(y, w)
    np.testing.assert_allclose(g.numpy(), x + 2 * w.numpy())


def test_value_used_twice_in_one_op():
    w = Variable(np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32))
    with GradientTape() as tape:
        y = ops.sum(ops.matmul(w, w))
    ones = np.ones((2, 2), np.float32)
    wv = w.numpy()
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), ones @ wv.T + wv.T @ ones)


def test_persistent_tape_used_twice_and_non_persistent_raises():
    w = Variable(np.array([2.0], np.float32))
    with GradientTape(persistent=True) as tape:
        a = w * w
        b = a * w
    np.testing.assert_allclose(tape.gradient(a, w).numpy(), [4.0])
    np.testing.assert_allclose(tape.gradient(b, w).numpy(), [12.0])
    np.testing.assert_allclose(tape.gradient(b, w).numpy(), [12.0])
    with GradientTape() as tape2:
        c = w * w
    tape2.gradient(c, w)
    with pytest.raises(RuntimeError, match="only be called once"):
        tape2.gradient(c, w)


@pytest.mark.parametrize("fn,da,db", [
    (ops.add, lambda a, b: np.ones_like(a + b), lambda a, b: np.ones_like(a + b)),
    (ops.subtract, lambda a, b: np.ones_like(a + b), lambda a, b: -np.ones_like(a + b)),
    (ops.multiply, lambda a, b: b + 0 * a, lambda a, b: a + 0 * b),
    (ops.divide, lambda a, b: 1 / b + 0 * a, lambda a, b: -a / b ** 2),
    (ops.maximum, lambda a, b: (a >= b) * 1.0, lambda a, b: (a < b) * 1.0),
    (ops.minimum, lambda a, b: (a <= b) * 1.0, lambda a, b: (a > b) * 1.0),
    (ops.power, lambda a, b: b * a ** (b - 1), lambda a, b: a ** b * np.log(a)),
])
def test_broadcast_gradients_1x3x1_with_4x1x5(fn, da, db):
    a = np.random.default_rng(1).uniform(0.5, 2, (1, 3, 1)).astype(np.float32)
    b = np.random.default_rng(2).uniform(0.5, 2, (4, 1, 5)).astype(np.float32)
    va, vb = Variable(a), Variable(b)
    with GradientTape() as tape:
        y = fn(va, vb)
    assert y.shape == (4, 3, 5)
    ga, gb = tape.gradient(y, [va, vb])
    assert ga.shape == (1, 3, 1) and gb.shape == (4, 1, 5)
    np.testing.assert_allclose(ga.numpy(), da(a, b).sum(axis=(0, 2), keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(gb.numpy(), db(a, b).sum(axis=1, keepdims=True), rtol=1e-5)


def test_sources_single_list_tuple_dict_nested_and_none_for_unrelated():
    a = Variable(np.ones(2, np.float32), name="a")
    b = Variable(np.ones(3, np.float32), name="b")
    c = Variable(np.ones(4, np.float32), name="c")
    with GradientTape(persistent=True) as tape:
        y = ops.sum(a * 2.0) + ops.sum(b * 3.0)
    assert isinstance(tape.gradient(y, a), Tensor)
    ga, gb, gc = tape.gradient(y, [a, b, c])
    np.testing.assert_allclose(ga.numpy(), [2, 2])
    np.testing.assert_allclose(gb.numpy(), [3, 3, 3])
    assert gc is None
    d = tape.gradient(y, {"x": a, "y": [b, (c,)]})
    assert set(d) == {"x", "y"} and isinstance(d["y"], list) and isinstance(d["y"][1], tuple)
    np.testing.assert_allclose(d["y"][0].numpy(), [3, 3, 3])
    assert d["y"][1][0] is None
    t = tape.gradient(y, (a,))
    assert isinstance(t, tuple)
    z = tape.gradient(y, [c], unconnected_gradients="zero")[0]
    np.testing.assert_array_equal(z.numpy(), np.zeros(4))


def test_integer_inputs_get_none():
    x = Tensor(np.array([1, 2, 3], dtype=np.int32))
    w = Variable(np.array([0.5, 1.0, 2.0], np.float32))
    iv = Variable(np.array([1, 2, 3]), dtype="int32")
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(w * x + iv)
    gx, gw, gi = tape.gradient(y, [x, w, iv])
    assert gx is None and gi is None
    np.testing.assert_allclose(gw.numpy(), [1, 2, 3])
    assert y.dtype == np.float32


def test_watch_non_variable_tensor_and_untrainable_variable():
    x = Tensor(np.array([1.0, 2.0], np.float32))
    frozen = Variable(np.array([3.0, 4.0], np.float32), trainable=False)
    with GradientTape() as tape:
        y = ops.sum(x * frozen)
    assert tape.gradient(y, [x, frozen]) == [None, None]
    with GradientTape() as tape:
        tape.watch([x, frozen])
        y = ops.sum(x * frozen)
    gx, gf = tape.gradient(y, [x, frozen])
    np.testing.assert_allclose(gx.numpy(), [3, 4])
    np.testing.assert_allclose(gf.numpy(), [1, 2])


def test_watch_accessed_variables_false():
    w = Variable(np.ones(2, np.float32))
    with GradientTape(watch_accessed_variables=False) as tape:
        y = ops.sum(w * 2.0)
    assert tape.gradient(y, w) is None
    assert tape.watched_variables() == []


def test_non_scalar_target_is_summed_and_output_gradients():
    w = Variable(np.array([1.0, 2.0, 3.0], np.float32))
    with GradientTape(persistent=True) as tape:
        y = w * w
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), 2 * w.numpy())
    og = np.array([1.0, 0.0, -1.0], np.float32)
    np.testing.assert_allclose(tape.gradient(y, w, output_gradients=og).numpy(), 2 * w.numpy() * og)
    with pytest.raises(ValueError, match="output_gradients has shape"):
        tape.gradient(y, w, output_gradients=np.ones(2, np.float32))
    # a list of targets: gradient of their sum
    np.testing.assert_allclose(tape.gradient([y, y], w).numpy(), 4 * w.numpy())


def test_target_is_source():
    w = Variable(np.ones((2, 2), np.float32))
    with GradientTape() as tape:
        pass
    np.testing.assert_array_equal(tape.gradient(w, w).numpy(), np.ones((2, 2)))


def test_stop_gradient_and_stop_recording():
    w = Variable(np.array([2.0], np.float32))
    with GradientTape(persistent=True) as tape:
        y = ops.stop_gradient(w * w) * w
        with tape.stop_recording():
            z = w * 5.0
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [4.0])
    assert tape.gradient(z, w) is None


def test_intermediate_source_gradient():
    x = Tensor(np.array([1.0, 2.0], np.float32))
    with GradientTape() as tape:
        tape.watch(x)
        h = x * 3.0
        y = ops.sum(h * h)
    gh, gx = tape.gradient(y, [h, x])
    np.testing.assert_allclose(gh.numpy(), 2 * h.numpy())
    np.testing.assert_allclose(gx.numpy(), 6 * h.numpy())


def test_multi_output_op_unused_output_gets_zeros():
    w = Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    with GradientTape() as tape:
        a, b, c = ops.split(w, 3, axis=1)
        y = ops.sum(b * 2.0)
    np.testing.assert_array_equal(tape.gradient(y, w).numpy(), [[0, 2, 0], [0, 2, 0]])


def test_gradients_are_independent_writable_arrays():
    a = Variable(np.ones(3, np.float32))
    b = Variable(np.ones(3, np.float32))
    with GradientTape() as tape:
        y = ops.sum(a + b)
    ga, gb = tape.gradient(y, [a, b])
    ga.numpy()[...] = 5  # in-place update of one gradient must not change the other
    np.testing.assert_array_equal(gb.numpy(), np.ones(3))


def test_no_graph_outside_tape_and_records_freed_after_gradient():
    import gc
    import weakref
    w = Variable(np.ones((4, 4), np.float32))
    h = ops.relu(ops.matmul(w, w))
    ref = weakref.ref(h)
    del h
    gc.collect()
    assert ref() is None  # nothing kept it alive
    with GradientTape() as tape:
        h = ops.relu(ops.matmul(w, w))
        y = ops.sum(h)
    ref = weakref.ref(h)
    del h
    gc.collect()
    assert ref() is not None  # recorded on the tape
    tape.gradient(y, w)
    gc.collect()
    assert ref() is None  # freed by the non-persistent gradient()


def test_nested_tapes_both_record():
    w = Variable(np.array([3.0], np.float32))
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = w * w
        with outer.stop_recording():  # the outer tape watches w: pause it (no 2nd-order support)
            g_inner = inner.gradient(y, w)
        z = y * 2.0
    np.testing.assert_allclose(g_inner.numpy(), [6.0])
    np.testing.assert_allclose(outer.gradient(z, w).numpy(), [12.0])


def test_numpy_array_on_the_left_dispatches_to_ops():
    w = Variable(np.array([1.0, 2.0], np.float32))
    x = np.array([3.0, 4.0], np.float32)
    with GradientTape() as tape:
        y = x * w + np.exp(w)
    assert isinstance(y, Tensor)
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), x + np.exp(w.numpy()), rtol=1e-6)


# ---- Variable -----------------------------------------------------------------------------------
def test_variable_assign_in_place_and_attributes():
    v = Variable(np.zeros((2, 3)), name="kernel")
    assert v.dtype == np.float32 and v.dtype == "float32" and v.shape == (2, 3)
    assert v.name == "kernel" and v.path == "kernel" and v.trainable
    buf = v.value
    v.assign(np.ones((2, 3)))
    v.assign_add(np.full((2, 3), 2.0))
    v.assign_sub(Tensor(np.full((2, 3), 0.5)))
    assert v.value is buf
    np.testing.assert_array_equal(v.numpy(), np.full((2, 3), 2.5))
    v.assign_add(1.0)  # scalar increments broadcast
    np.testing.assert_array_equal(v.numpy(), np.full((2, 3), 3.5))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 2\)"):
        v.assign(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3,\)"):
        v.assign_add(np.ones(3))
    assert v.value is buf


def test_variable_copies_initial_value_and_initializer_callable():
    init = np.ones(3, np.float32)
    v = Variable(init)
    v.assign(np.zeros(3))
    assert init[0] == 1.0
    w = Variable(lambda shape, dtype: np.full(shape, 7.0), shape=(2, 2), trainable=False)
    assert not w.trainable and w.numpy().sum() == 28.0
    with pytest.raises(ValueError, match="shape is required"):
        Variable(lambda shape, dtype: np.ones(shape))
    a, b = Variable(1.0), Variable(2.0)
    assert a.name != b.name


# ---- Tensor -------------------------------------------------------------------------------------
def test_tensor_dtypes_and_python_interop():
    t = Tensor([1.5, 2.5])
    assert t.dtype == np.float32 and t.shape == (2,) and t.ndim == 1 and len(t) == 2
    assert Tensor([1, 2]).dtype.kind == "i"
    assert Tensor(np.array([1.0, 2.0])).dtype == np.float64
    assert float(Tensor(3.0)) == 3.0
    assert "shape=(2,)" in repr(t) and "float32" in repr(t)
    np.testing.assert_array_equal(np.asarray(t), [1.5, 2.5])
    assert t.numpy() is t.value


def test_tensor_operators_and_comparisons():
    a = Tensor(np.array([1.0, 2.0, 3.0], np.float32))
    b = np.array([3.0, 2.0, 1.0], np.float32)
    np.testing.assert_allclose((a + b).numpy(), [4, 4, 4])
    np.testing.assert_allclose((1.0 - a).numpy(), [0, -1, -2])
    np.testing.assert_allclose((a * 2).numpy(), [2, 4, 6])
    np.testing.assert_allclose((a / 2).numpy(), [0.5, 1, 1.5])
    np.testing.assert_allclose((2 / a).numpy(), [2, 1, 2 / 3], rtol=1e-6)
    np.testing.assert_allclose((a ** 2).numpy(), [1, 4, 9])
    np.testing.assert_allclose((2 ** a).numpy(), [2, 4, 8])
    np.testing.assert_allclose((-a).numpy(), [-1, -2, -3])
    assert (a * 2).dtype == np.float32 and (a + 1).dtype == np.float32
    eq = a == b
    assert isinstance(eq, Tensor) and eq.dtype == bool
    np.testing.assert_array_equal(eq.numpy(), [False, True, False])
    np.testing.assert_array_equal((a > b).numpy(), [False, False, True])
    np.testing.assert_array_equal((a <= 2).numpy(), [True, True, False])
    m = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_array_equal((m @ m.T).numpy(), np.arange(6).reshape(2, 3) @ np.arange(6).reshape(2, 3).T)
    np.testing.assert_array_equal(m[1, 1:].numpy(), [4, 5])
    assert {a: 1}[a] == 1  # hashable by identity


# ---- registry -----------------------------------------------------------------------------------
def test_unbroadcast():
    g = np.ones((4, 3, 5))
    assert unbroadcast(g, (4, 3, 5)) is g
    np.testing.assert_array_equal(unbroadcast(g, (1, 3, 1)), np.full((1, 3, 1), 20.0))
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), np.full((3, 1), 20.0))
    np.testing.assert_array_equal(unbroadcast(g, ()), 60.0)
    np.testing.assert_array_equal(unbroadcast(g, (5,)), np.full(5, 12.0))


def test_register_rejects_duplicates_and_non_ops():
    class Dup(Op):
        name = "add"
    with pytest.raises(ValueError, match="already registered"):
        register(Dup)
    with pytest.raises(TypeError):
        register(object)
    assert REGISTRY["add"].__name__ == "Add"


def test_wrong_backward_shape_is_reported():
    class Bad(Op):
        name = "bad_unregistered"

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    w = Variable(np.ones(3, np.float32))
    with GradientTape() as tape:
        y = apply(Bad, w)
    with pytest.raises(RuntimeError, match="bad_unregistered.*shape \\(\\).*shape \\(3,\\)"):
        tape.gradient(y, w)


def test_gradcheck_detects_a_wrong_backward():
    from pyfapi.testing import gradcheck

    class WrongSquare(Op):
        name = "wrong_square_unregistered"

        @staticmethod
        def forward(ctx, x):
            ctx.saved = x
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g * ctx.saved  # should be 2 * x

    with pytest.raises(AssertionError, match="gradient mismatch for input 0"):
        gradcheck(lambda x: apply(WrongSquare, x), [np.array([1.0, 2.0])])


# ---- errors -------------------------------------------------------------------------------------
def test_shape_errors_name_op_and_shapes():
    with pytest.raises(ValueError, match=r"add: .*\(2, 3\).*\(4,\)"):
        ops.add(np.ones((2, 3), np.float32), np.ones(4, np.float32))
    with pytest.raises(ValueError, match=r"multiply: .*\(2, 3\).*\(2,\)"):
        Tensor(np.ones((2, 3))) * np.ones(2)
    with pytest.raises(ValueError, match=r"matmul: .*\(2, 3\).*\(4, 5\)"):
        ops.matmul(np.ones((2, 3), np.float32), np.ones((4, 5), np.float32))
    with pytest.raises(ValueError, match=r"matmul: .*\(2, 2, 3\).*\(4, 5\)"):
        ops.matmul(np.ones((2, 2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"reshape: .*\(2, 3\).*\(4, 2\)"):
        ops.reshape(np.ones((2, 3)), (4, 2))
    with pytest.raises(ValueError, match="concatenate: .*\\(2, 3\\).*\\(3, 3\\)"):
        ops.concatenate([np.ones((2, 3)), np.ones((3, 3))], axis=1)
    with pytest.raises(ValueError, match="sum: axis 2 is out of range"):
        ops.sum(np.ones((2, 3)), axis=2)
    with pytest.raises(IndexError, match="take: indices must be in"):
        ops.take(np.ones((2, 3)), np.array([5]), axis=0)


def test_composite_ops_differentiate_through_constituents():
    from pyfapi.testing import gradcheck
    x = np.random.default_rng(3).standard_normal((3, 4))
    gradcheck(lambda t: ops.var(t, axis=1), [x])
    gradcheck(lambda t: ops.std(t), [x])
    gradcheck(lambda t: list(ops.moments(t, axes=(0,))), [x])


def test_variable_value_setter_copies_in_place_and_checks_shape():
    v = Variable(np.zeros(3))
    buf = v.value
    v.value = np.array([1.0, 2.0, 3.0])
    assert v.value is buf
    np.testing.assert_array_equal(buf, [1, 2, 3])
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        v.value = np.zeros(4)


# ---- property test: broadcasting gradients equal the explicit numpy reduction ----------------------
from hypothesis import given, settings, strategies as st  # noqa: E402


@st.composite
def _broadcast_pair(draw):
    rank = draw(st.integers(0, 4))
    full = draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))

    def sub():
        r = draw(st.integers(0, rank))
        dims = full[rank - r:]
        return tuple(d if draw(st.booleans()) else 1 for d in dims)
    return sub(), sub()


@settings(max_examples=60, deadline=None)
@given(_broadcast_pair())
def test_broadcast_gradients_property(shapes):
    sa, sb = shapes
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 2, sa)
    b = rng.uniform(0.5, 2, sb)
    ta, tb = Tensor(a), Tensor(b)
    with GradientTape() as tape:
        tape.watch([ta, tb])
        y = ops.multiply(ops.add(ta, tb), tb)
    ga, gb = tape.gradient(y, [ta, tb])
    out_shape = np.broadcast_shapes(sa, sb)
    one = np.ones(out_shape)
    # reference: reduce d(out)/d(input) over the broadcast axes with numpy directly
    da = np.broadcast_to(b, out_shape) * one
    db = (np.broadcast_to(a, out_shape) + 2 * np.broadcast_to(b, out_shape)) * one

    def reduce(g, shape):
        lead = g.ndim - len(shape)
        g = g.sum(axis=tuple(range(lead)))
        return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True).reshape(shape)
    np.testing.assert_allclose(ga.numpy(), reduce(da, sa), rtol=1e-12)
    np.testing.assert_allclose(gb.numpy(), reduce(db, sb), rtol=1e-12)


def test_gradcheck_float32_mode():
    from pyfapi.testing import gradcheck
    x = np.random.default_rng(5).standard_normal((3, 4))
    gradcheck(lambda t: ops.tanh(t) * 2.0, [x], dtype="float32", eps=1e-2, atol=1e-2, rtol=1e-2)
    with pytest.raises(AssertionError, match="preserve the float dtype"):
        gradcheck(lambda t: ops.cast(t, "float64"), [x], dtype="float32", eps=1e-2, atol=1e-2, rtol=1e-2)


def test_variable_pickle_round_trip():
    import pickle
    v = Variable(np.arange(3.0), name="k", trainable=False)
    v.path = "dense/k"
    w = pickle.loads(pickle.dumps(v))
    assert w.path == "dense/k" and w.name == "k" and not w.trainable
    np.testing.assert_array_equal(w.numpy(), [0, 1, 2])


@pytest.mark.parametrize("fn", [
    lambda x, w, b: ops.relu(ops.matmul(x, w) + b),
    lambda x, w, b: ops.linear(x, w, b, activation="relu"),
    lambda x, w, b: ops.softmax(ops.matmul(x, w)),
    lambda x, w, b: ops.log_softmax(ops.matmul(x, w) * b),
    lambda x, w, b: ops.sigmoid(ops.concatenate([ops.matmul(x, w), ops.matmul(x, w)], axis=0)),
    lambda x, w, b: ops.sparse_categorical_crossentropy(np.zeros(0, np.int32), ops.matmul(x, w), from_logits=True),
    lambda x, w, b: ops.take(ops.matmul(x, w), np.zeros(0, np.int32), axis=0),
])
def test_empty_batch_forward_and_backward(fn):
    x = np.zeros((0, 3), np.float32)
    w = Variable(np.ones((3, 2)))
    b = Variable(np.ones(2))
    with GradientTape() as tape:
        y = ops.sum(fn(x, w, b))
    gw, gb = tape.gradient(y, [w, b], unconnected_gradients="zero")
    assert float(y) == 0.0
    np.testing.assert_array_equal(gw.numpy(), np.zeros((3, 2)))
    np.testing.assert_array_equal(gb.numpy(), np.zeros(2))


# ---- in-place writes after the forward pass (version counters) -----------------------------------
def _opt(fused):
    opt = pyfapi.optimizers.SGD(0.1)
    opt._fused = fused and opt._fused  # False: the numpy update path
    return opt


@pytest.mark.parametrize("fused", [True, False])
def test_optimizer_update_between_forward_and_gradient_raises(fused):
    w = Variable(np.array([2.0, 3.0], np.float32), name="w_upd")
    opt = _opt(fused)
    with GradientTape(persistent=True) as t:
        l1 = ops.sum(w * np.ones(2, np.float32))
        l2 = ops.sum(w * w * w)
    v0 = w._version
    opt.apply_gradients([(t.gradient(l1, w), w)])
    assert w._version > v0
    np.testing.assert_allclose(w.value, [1.9, 2.9], rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"'w_upd' was modified in place .*after being used in the forward pass"):
        t.gradient(l2, w)


@pytest.mark.parametrize("write", [
    lambda w: w.assign([10.0, 10.0]),
    lambda w: w.assign_add([1.0, 1.0]),
    lambda w: w.assign_sub(np.float32(1.0)),
    lambda w: setattr(w, "value", np.zeros(2, np.float32)),
])
def test_assign_inside_tape_after_use_raises(write):
    w = Variable(np.array([2.0, 3.0], np.float32))
    with GradientTape() as t:
        y = ops.sum(ops.exp(w) * w)
        write(w)
    with pytest.raises(RuntimeError, match="modified in place"):
        t.gradient(y, w)


def test_modified_constant_variable_input_also_raises():
    # the gradient of w in w * c needs c's forward value: a non-trainable Variable counts too
    w = Variable(np.array([2.0], np.float32))
    c = Variable(np.array([5.0], np.float32), trainable=False)
    with GradientTape() as t:
        y = ops.sum(w * c)
    c.assign([7.0])
    with pytest.raises(RuntimeError, match="modified in place"):
        t.gradient(y, w)


def test_assign_before_use_and_unmodified_persistent_tape_are_fine():
    w = Variable(np.array([2.0, 3.0], np.float32))
    with GradientTape(persistent=True) as t:
        w.assign([1.0, 4.0])           # before the forward use: recorded version is the new one
        y = ops.sum(w * w * w)
    for _ in range(2):                 # twice, nothing modified in between
        np.testing.assert_allclose(t.gradient(y, w).numpy(), [3.0, 48.0])


@pytest.mark.parametrize("fused", [True, False])
def test_normal_train_loop_forward_gradient_update(fused):
    # w -> argmin sum((w - target)^2) with SGD; each step records anew after the previous update
    target = np.array([1.0, -2.0, 0.5], np.float32)
    w = Variable(np.zeros(3, np.float32))
    opt = _opt(fused)
    for _ in range(60):
        with GradientTape() as t:
            loss = ops.sum(ops.square(w - target))
        opt.apply_gradients([(t.gradient(loss, w), w)])
    np.testing.assert_allclose(w.value, target, atol=1e-4)


def test_fit_still_works_with_version_checks():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-1.0], [2.0]], np.float32)
    model = pyfapi.Sequential([pyfapi.Input((3,)), pyfapi.layers.Dense(1)])
    model.compile(optimizer=pyfapi.optimizers.SGD(0.1), loss="mse")
    hist = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0] * 0.2


# ---- Variable.numpy() is a snapshot ----------------------------------------------------------
def test_variable_numpy_is_a_copy_tensor_numpy_is_not():
    v = Variable(np.zeros(2, np.float32))
    snap = v.numpy()
    v.assign_add([1.0, 1.0])
    np.testing.assert_array_equal(snap, [0.0, 0.0])      # Keras / TF: a snapshot
    snap[0] = 7.0
    np.testing.assert_array_equal(v.value, [1.0, 1.0])   # and writing it does not touch v
    t = ops.add(v, 1.0)
    assert t.numpy() is t.value                          # op results: zero-copy


def test_variable_numpy_snapshot_survives_fit():
    model = pyfapi.Sequential([pyfapi.Input((2,)), pyfapi.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    snap = model.weights[0].numpy()
    before = snap.copy()
    model.fit(np.ones((8, 2), np.float32), np.full((8, 1), 5.0, np.float32), epochs=1, verbose=0)
    np.testing.assert_array_equal(snap, before)
    assert not np.array_equal(model.weights[0].value, before)


# ---- higher-order gradients are refused, not silently None ----------------------------------
def test_gradient_of_gradient_raises():
    w = Variable(np.ones(3, np.float32))
    with GradientTape() as t1:
        with GradientTape() as t2:
            y = ops.sum(w * w * w)
        with pytest.raises(NotImplementedError, match="[Hh]igher-order gradients"):
            t2.gradient(y, w)


def test_gradient_inside_own_tape_block_and_with_paused_outer_tape_work():
    w = Variable(np.array([2.0], np.float32))
    with GradientTape() as t:
        y = ops.sum(w ** 3)
        np.testing.assert_allclose(t.gradient(y, w).numpy(), [12.0])
    with GradientTape() as outer:
        with GradientTape() as inner:
            y = ops.sum(w ** 3)
        with outer.stop_recording():
            np.testing.assert_allclose(inner.gradient(y, w).numpy(), [12.0])
        z = y * 2.0
    np.testing.assert_allclose(outer.gradient(z, w).numpy(), [24.0])


def test_outer_tape_not_watching_the_source_does_not_block():
    w = Variable(np.array([2.0], np.float32))
    u = Variable(np.array([1.0], np.float32))
    with GradientTape() as outer:
        _ = ops.sum(u * u)           # outer watches u only (w is used after this point)
        with outer.stop_recording():
            with GradientTape() as inner:
                y = ops.sum(w * w)
        np.testing.assert_allclose(inner.gradient(y, w).numpy(), [4.0])


# ---- gradient buffers: handed out without copies only when nothing else can reach them ----------
def test_gradient_never_aliases_output_gradients_or_another_gradient():
    """The tape skips defensive copies of gradients only it holds (tape._exclusive); these are
    the cases where a copy is required: the user's seed passing through an identity-like op, one
    upstream gradient shared by two inputs, and the same gradient accumulated in place."""
    from pyfapi.autodiff import GradientTape
    x = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    y = Tensor(np.ones((2, 3), np.float32))
    seed = np.full((2, 3), 2.0, np.float32)
    with GradientTape() as tape:
        tape.watch([x, y])
        out = ops.reshape(ops.add(x, y), (3, 2))
    gx, gy = tape.gradient(out, [x, y], output_gradients=seed.reshape(3, 2))
    gx.value += 100.0  # optimizers update gradients in place: nothing else may change
    np.testing.assert_array_equal(gy.value, seed)
    np.testing.assert_array_equal(seed, np.full((2, 3), 2.0, np.float32))
    assert not np.shares_memory(gx.value, gy.value)


def test_gradient_in_place_accumulation_keeps_other_gradients():
    """x feeds add(x, y) twice over (x + y, then (x + y) + x): its gradient is summed; the sum
    may run in place only on a buffer no other gradient shares (y's gradient is the same upstream
    array as x's first contribution)."""
    from pyfapi.autodiff import GradientTape
    x = Tensor(np.arange(4, dtype=np.float64))
    y = Tensor(np.ones(4, np.float64))
    with GradientTape(persistent=True) as tape:
        tape.watch([x, y])
        s = ops.add(x, y)
        out = ops.multiply(ops.add(s, x), 3.0)
    gx, gy = tape.gradient(out, [x, y])
    np.testing.assert_array_equal(gx.value, np.full(4, 6.0))
    np.testing.assert_array_equal(gy.value, np.full(4, 3.0))
    gx2, gy2 = tape.gradient(out, [x, y])  # a persistent tape: same values again, new buffers
    np.testing.assert_array_equal(gx2.value, np.full(4, 6.0))
    np.testing.assert_array_equal(gy2.value, np.full(4, 3.0))
    assert not np.shares_memory(gx.value, gx2.value)


def test_gradient_of_repeated_source_and_square():
    """multiply(x, x): both inputs receive views of different products; the same source listed
    twice gets two independent arrays."""
    from pyfapi.autodiff import GradientTape
    x = Tensor(np.array([1.0, -2.0, 3.0]))
    with GradientTape() as tape:
        tape.watch(x)
        out = ops.multiply(x, x)
    g1, g2 = tape.gradient(out, [x, x])
    np.testing.assert_array_equal(g1.value, 2 * x.value)
    g1.value[:] = 0
    np.testing.assert_array_equal(g2.value, 2 * x.value)
