"""MultiHeadAttention, EinsumDense, Attention, AdditiveAttention against float64 numpy references
(tests/references/attention_ref.py) on odd shapes; masks (explicit, causal, carried by masked
inputs); errors at graph-build time; gradients reach every weight; saving round trips; a small
transformer encoder block trained a few steps on our own data."""
import numpy as np
import pytest

from references import attention_ref as ref
from roundtrip import assert_round_trips

import pyfapi
from pyfapi import layers, ops
from pyfapi.autodiff import GradientTape, Tensor

RNG = np.random.default_rng(11)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _mha_weights(layer, rng):
    ws = [rng.uniform(-0.7, 0.7, w.shape).astype(np.float32) for w in layer.get_weights()]
    layer.set_weights(ws)
    names = ["q_k", "q_b", "k_k", "k_b", "v_k", "v_b", "o_k", "o_b"]
    if not layer.use_bias:
        names = names[::2]
    return {n: w.astype(np.float64) for n, w in zip(names, ws)}


@pytest.mark.parametrize("b,t,s,d,dk,heads,kd,vd", [(2, 5, 7, 6, 6, 3, 2, 4), (1, 1, 1, 3, 5, 1, 1, 1),
                                                    (3, 4, 4, 5, 3, 2, 3, 3), (0, 3, 2, 4, 4, 2, 2, 2)])
@pytest.mark.parametrize("use_bias", [True, False])
def test_mha_matches_reference(b, t, s, d, dk, heads, kd, vd, use_bias):
    q, v, k = _x(b, t, d), _x(b, s, d + 1), _x(b, s, dk)
    layer = layers.MultiHeadAttention(heads, kd, value_dim=vd, use_bias=use_bias)
    layer(q, v, k)
    w = _mha_weights(layer, np.random.default_rng(1))
    mask = RNG.random((b, t, s)) > 0.4
    for kw in ({}, {"attention_mask": mask}, {"use_causal_mask": True},
               {"attention_mask": mask, "use_causal_mask": True}):
        out, scores = layer(q, v, k, return_attention_scores=True, **kw)
        want, wscores = ref.mha(q.astype(np.float64), v.astype(np.float64), k.astype(np.float64),
                                w, heads, kd, kw.get("attention_mask"),
                                kw.get("use_causal_mask", False), zero_masked=True)
        np.testing.assert_allclose(np.asarray(out), want, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.asarray(scores), wscores, rtol=1e-4, atol=1e-6)
        plain = layer(q, v, k, **kw)  # fused-path semantics: a fully masked row stays uniform
        want2, _ = ref.mha(q.astype(np.float64), v.astype(np.float64), k.astype(np.float64), w,
                           heads, kd, kw.get("attention_mask"), kw.get("use_causal_mask", False),
                           zero_masked=False)
        np.testing.assert_allclose(np.asarray(plain), want2, rtol=1e-4, atol=1e-5)


def test_mha_weights_layout_and_params_as_keras():
    layer = layers.MultiHeadAttention(num_heads=4, key_dim=16)
    layer(_x(2, 10, 64), _x(2, 10, 64))
    assert [tuple(w.shape) for w in layer.weights] == [
        (64, 4, 16), (4, 16), (64, 4, 16), (4, 16), (64, 4, 16), (4, 16), (4, 16, 64), (64,)]
    assert layer.count_params() == 3 * (64 * 64 + 64) + 64 * 64 + 64  # 16640, as Keras
    assert [s.name for s in layer._layers if s.weights] == ["query", "key", "value",
                                                             "attention_output"]
    cfg = layer.get_config()
    assert layers.MultiHeadAttention.from_config(cfg).get_config() == cfg


def test_mha_query_and_value_masks_from_masked_inputs():
    q, v = _x(2, 4, 6), _x(2, 5, 6)
    layer = layers.MultiHeadAttention(2, 3)
    layer(q, v)
    w = _mha_weights(layer, np.random.default_rng(2))
    qm = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], bool)
    vm = np.array([[1, 1, 0, 0, 1], [1, 1, 1, 1, 0]], bool)
    qt, vt = Tensor(q), Tensor(v)
    qt._keras_mask, vt._keras_mask = qm, vm
    out, _ = layer(qt, vt, return_attention_scores=True)
    want, _ = ref.mha(q.astype(np.float64), v.astype(np.float64), v.astype(np.float64), w, 2, 3,
                      qm[:, :, None] & vm[:, None, :], zero_masked=True)
    np.testing.assert_allclose(np.asarray(out), want, rtol=1e-4, atol=1e-5)
    assert np.array_equal(np.asarray(out._keras_mask), qm)  # the query mask propagates


def test_mha_gradients_reach_every_weight_and_input():
    q, v = _x(2, 3, 4), _x(2, 5, 4)
    layer = layers.MultiHeadAttention(2, 3, dropout=0.0)
    qt, vt = Tensor(q), Tensor(v)
    with GradientTape() as tape:
        tape.watch([qt, vt])
        loss = ops.sum(ops.square(layer(qt, vt, use_causal_mask=False)))
    grads = tape.gradient(loss, [qt, vt] + layer.trainable_weights)
    assert all(g is not None and np.abs(np.asarray(g)).sum() > 0 for g in grads)

    # finite differences of the whole layer w.r.t. the query (float64 reference)
    w = _mha_weights(layer, np.random.default_rng(3))
    with GradientTape() as tape:
        tape.watch(qt)
        y = layer(qt, vt)
        dy = np.random.default_rng(4).standard_normal(y.shape).astype(np.float32)
        loss = ops.sum(ops.multiply(y, dy))
    g = np.asarray(tape.gradient(loss, qt))
    num = np.zeros(q.shape)
    q64, v64 = q.astype(np.float64), v.astype(np.float64)
    for i in np.ndindex(q.shape):
        a, b = q64.copy(), q64.copy()
        a[i] += 1e-6
        b[i] -= 1e-6
        num[i] = np.sum(dy * (ref.mha(a, v64, v64, w, 2, 3)[0] - ref.mha(b, v64, v64, w, 2, 3)[0])) / 2e-6
    np.testing.assert_allclose(g, num, rtol=1e-3, atol=1e-4)


def test_mha_dropout_only_in_training_and_seeded():
    q = _x(2, 6, 4)
    layer = layers.MultiHeadAttention(2, 2, dropout=0.5, seed=3)
    a = np.asarray(layer(q, q))
    assert np.array_equal(a, np.asarray(layer(q, q, training=False)))
    _, s = layer(q, q, training=True, return_attention_scores=True)
    assert np.allclose(np.asarray(s).sum(-1), 1.0, atol=1e-5)  # scores are taken before dropout
    assert not np.allclose(np.asarray(layer(q, q, training=True)), a)


def test_mha_bad_input_raises_at_graph_build_time():
    q, v = pyfapi.Input((5, 8)), pyfapi.Input((6, 8))
    layer = layers.MultiHeadAttention(2, 3, name="mha_bad")
    with pytest.raises(ValueError, match=r"mha_bad.*value.*key.*\(None, 6, 8\).*\(None, 4, 8\)"):
        layer(q, v, pyfapi.Input((4, 8)))
    with pytest.raises(ValueError, match=r"mha_bad.*attention_mask.*\(None, 5, 6\).*\(None, 5, 5\)"):
        layers.MultiHeadAttention(2, 3, name="mha_bad")(q, v, attention_mask=pyfapi.Input((5, 5)))
    with pytest.raises(ValueError, match="same rank"):
        layers.MultiHeadAttention(2, 3)(q, pyfapi.Input((6, 2, 8)))
    built = layers.MultiHeadAttention(2, 3, name="mha_built")
    built(q, v)
    with pytest.raises(ValueError, match=r"mha_built.*built for value shape \(None, 6, 8\).*\(None, 6, 5\)"):
        built(q, pyfapi.Input((6, 5)))
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(0, 3)
    with pytest.raises(ValueError, match="attention_mask"):  # eager: wrong mask shape
        layers.MultiHeadAttention(2, 3)(_x(2, 5, 8), _x(2, 6, 8), attention_mask=np.ones((2, 6, 5)))


def test_mha_symbolic_scores_and_model_round_trip(tmp_path):
    q, v = pyfapi.Input((5, 8)), pyfapi.Input((7, 4))
    out, scores = layers.MultiHeadAttention(2, 3, output_shape=6)(q, v,
                                                                   return_attention_scores=True)
    assert tuple(out.shape) == (None, 5, 6) and tuple(scores.shape) == (None, 2, 5, 7)
    assert_round_trips(tmp_path, lambda: layers.MultiHeadAttention(2, 3, value_dim=4),
                       [(5, 8), (7, 4)], [_x(3, 5, 8), _x(3, 7, 4)])


def test_einsum_dense_matches_numpy():
    x = _x(3, 4, 5)
    for eq, oshape, bias, want_k, want_b in [
            ("abc,cd->abd", (None, 7), "d", (5, 7), (7,)),
            ("abc,cde->abde", (None, 2, 3), "de", (5, 2, 3), (2, 3)),
            ("...b,bc->...c", 6, "c", (5, 6), (6,)),
            ("abc,bcd->ad", 2, None, (4, 5, 2), None),
            ("abc,ce->abe", (4, 3), "b", (5, 3), (4, 1))]:
        layer = layers.EinsumDense(eq, oshape, bias_axes=bias)
        y = np.asarray(layer(x))
        assert tuple(layer.kernel.shape) == want_k
        assert (layer.bias is None) == (want_b is None)
        expected = np.einsum(eq, x.astype(np.float64), np.asarray(layer.kernel, np.float64))
        if layer.bias is not None:
            assert tuple(layer.bias.shape) == want_b
            layer.bias.assign(RNG.standard_normal(want_b).astype(np.float32))
            y = np.asarray(layer(x))
            expected = expected + np.asarray(layer.bias, np.float64)
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)
        assert tuple(layer.compute_output_shape((None, 4, 5)))[1:] == y.shape[1:]
    with pytest.raises(ValueError, match="ed_bad.*invalid einsum equation"):
        layers.EinsumDense("ab->b", 3, name="ed_bad")(x)
    with pytest.raises(ValueError, match="ed_bad2.*shared dimension"):
        layers.EinsumDense("abc,cd->abd", (9, 7), name="ed_bad2")(x)


def test_attention_layers_match_reference():
    q, v, k = _x(2, 4, 3), _x(2, 5, 6), _x(2, 5, 3)
    qm, vm = RNG.random((2, 4)) > 0.3, RNG.random((2, 5)) > 0.3
    vm[:, 0] = True
    att = layers.Attention(use_scale=True)
    att([q, v, k])
    att.set_weights([np.array(0.7, np.float32)])
    out, p = att([q, v, k], mask=[qm, vm], return_attention_scores=True)
    want, wp = ref.dot_attention(q, v, k, 0.7, qm, vm)
    np.testing.assert_allclose(np.asarray(out), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(p), wp, rtol=1e-5, atol=1e-7)
    s = _x(2, 4, 3)
    causal = np.asarray(layers.Attention()([s, s], use_causal_mask=True))
    np.testing.assert_allclose(causal, ref.dot_attention(s, s, s, causal=True)[0], rtol=1e-5,
                               atol=1e-6)
    add = layers.AdditiveAttention()
    add([q, v, k])
    scale = RNG.standard_normal(3).astype(np.float32)
    add.set_weights([scale])
    np.testing.assert_allclose(np.asarray(add([q, v, k], mask=[qm, vm])),
                               ref.additive_attention(q, v, k, scale, qm, vm), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(q)
    with pytest.raises(ValueError, match=r"att_bad.*same last dimension.*\(None, 4, 3\).*\(None, 5, 2\)"):
        layers.Attention(name="att_bad")([pyfapi.Input((4, 3)), pyfapi.Input((5, 6)),
                                          pyfapi.Input((5, 2))])


def test_transformer_encoder_block_trains():
    """MHA + LayerNormalization + Dense + residual adds, trained a few steps on our own data:
    the loss goes down and a .keras round trip predicts identically."""
    pyfapi.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 10, 16)).astype(np.float32)
    y = (x[:, ::-1, :4].cumsum(1) > 0).astype(np.float32)  # depends on other positions
    inp = pyfapi.Input((10, 16))
    a = layers.MultiHeadAttention(4, 8, dropout=0.1)(inp, inp)
    h = layers.LayerNormalization()(layers.Add()([inp, a]))
    f = layers.Dense(16)(layers.Dense(32, activation="relu")(h))
    h = layers.LayerNormalization()(layers.Add()([h, f]))
    model = pyfapi.Model(inp, layers.Dense(4, activation="sigmoid")(h))
    model.compile(optimizer=pyfapi.optimizers.Adam(3e-3), loss="binary_crossentropy")
    hist = model.fit(x, y, batch_size=16, epochs=6, verbose=0).history["loss"]
    assert np.isfinite(hist).all() and hist[-1] < hist[0] * 0.9, hist


def test_mha_takes_query_and_value_masks_from_masked_inputs_in_a_model():
    """Embedding(mask_zero=True) -> MHA: padded keys get no attention, padded queries zeros
    (explicit-softmax path), the output carries the query mask, no mask warnings."""
    import warnings
    ids = np.array([[3, 4, 5, 0, 0], [1, 2, 0, 0, 0]], np.int32)
    inp = pyfapi.Input((5,), dtype="int32")
    e = layers.Embedding(10, 8, mask_zero=True)(inp)
    out, sc = layers.MultiHeadAttention(2, 4)(e, e, return_attention_scores=True)
    model = pyfapi.Model(inp, [out, sc])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, s = model.predict(ids, verbose=0)
    valid = ids != 0
    want = (valid[:, None, :, None] & valid[:, None, None, :])
    assert np.all((s > 0) == want)
    np.testing.assert_allclose(s.sum(-1), np.broadcast_to(want.any(-1), s.shape[:-1]), rtol=1e-5)
