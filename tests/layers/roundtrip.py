"""Test helper: a layer inside a functional model survives ``.keras`` and ``.weights.h5`` round
trips (same config, same weights, same predictions)."""
import numpy as np

import pyfapi
from pyfapi.saving import load_model


def assert_round_trips(tmp_path, make_layer, input_shapes, inputs, randomize=True, call_kw=None):
    """Build Model(inputs -> make_layer()(...)), randomize its weights, save / load both ways."""
    shapes = input_shapes if isinstance(input_shapes, list) else [input_shapes]
    ins = [pyfapi.Input(shape=s) for s in shapes]
    layer = make_layer()
    out = layer(*ins, **(call_kw or {})) if len(ins) > 1 else layer(ins[0], **(call_kw or {}))
    model = pyfapi.Model(ins if len(ins) > 1 else ins[0], out)
    if randomize:
        rng = np.random.default_rng(0)
        model.set_weights([rng.uniform(-1, 1, w.shape).astype(np.float32)
                           for w in model.get_weights()])
    xs = inputs if len(ins) > 1 else inputs[0]
    want = model.predict(xs, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    got = loaded.predict(xs, verbose=0)
    for a, b in zip(np.atleast_1d(want) if not isinstance(want, list) else want,
                    np.atleast_1d(got) if not isinstance(got, list) else got):
        np.testing.assert_array_equal(a, b)
    assert loaded.layers[-1].get_config() == model.layers[-1].get_config()
    model.save_weights(tmp_path / "m.weights.h5")
    for w in model.weights:
        w.assign(np.zeros(w.shape, np.float32))
    model.load_weights(tmp_path / "m.weights.h5")
    got2 = model.predict(xs, verbose=0)
    for a, b in zip(want if isinstance(want, list) else [want],
                    got2 if isinstance(got2, list) else [got2]):
        np.testing.assert_array_equal(a, b)
    return model
