"""Conv1DTranspose / Conv2DTranspose layers: weights as Keras (kernel (k..., filters, in)),
parameter counts, output shapes by Keras's rule, errors at graph-build time, config and saving
round trips, and a convolutional autoencoder trained on our own data. Numerics against numpy in
tests/test_conv_transpose_kernels.py and against Keras in test_i16_vs_keras.py."""
import numpy as np
import pytest

from roundtrip import assert_round_trips

import pyfapi
from pyfapi import layers


def test_weights_params_and_shapes_as_keras():
    layer = layers.Conv2DTranspose(32, 3, strides=2, padding="same")
    y = layer(pyfapi.Input((16, 16, 64)))
    assert tuple(y.shape) == (None, 32, 32, 32)
    assert [tuple(w.shape) for w in layer.weights] == [(3, 3, 32, 64), (32,)]
    assert layer.count_params() == 3 * 3 * 32 * 64 + 32
    l1 = layers.Conv1DTranspose(4, 5, strides=3, output_padding=2, use_bias=False)
    assert tuple(l1(pyfapi.Input((7, 2))).shape) == (None, 25, 4)  # (7-1)*3 + 5 + 2
    assert [w.name for w in l1.weights] == ["kernel"]
    cfg = layer.get_config()
    assert cfg["output_padding"] is None and cfg["kernel_size"] == (3, 3)
    assert layers.Conv2DTranspose.from_config(cfg).get_config() == cfg


def test_errors_name_layer_and_shapes():
    with pytest.raises(ValueError, match=r"ct_zero.*would be 0.*\(None, 1, 4, 3\)"):
        layers.Conv2DTranspose(2, 4, strides=2, padding="same", output_padding=0,
                               name="ct_zero")(pyfapi.Input((1, 4, 3)))
    with pytest.raises(ValueError, match="greater than output padding"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="ct_rank.*ndim=4"):
        layers.Conv2DTranspose(2, 3, name="ct_rank")(pyfapi.Input((5, 3)))
    with pytest.raises(ValueError, match="padding"):
        layers.Conv1DTranspose(2, 3, padding="causal")


def test_round_trips(tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 5, 4, 3)).astype(np.float32)
    assert_round_trips(tmp_path, lambda: layers.Conv2DTranspose(2, 3, strides=2, padding="same",
                                                                activation="relu"),
                       (5, 4, 3), [x])


def test_conv_autoencoder_trains():
    """Conv2D encoder + Conv2DTranspose decoder on our own images: the reconstruction loss
    falls."""
    pyfapi.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:12, 0:12]
    imgs = []
    for _ in range(96):
        cy, cx, r = rng.uniform(3, 9), rng.uniform(3, 9), rng.uniform(1.5, 3.5)
        imgs.append(((yy - cy) ** 2 + (xx - cx) ** 2 < r * r).astype(np.float32))
    x = np.stack(imgs)[..., None]
    inp = pyfapi.Input((12, 12, 1))
    h = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inp)
    h = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(h)
    h = layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(h)
    out = layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(h)
    model = pyfapi.Model(inp, out)
    model.compile(optimizer=pyfapi.optimizers.Adam(1e-2), loss="binary_crossentropy")
    hist = model.fit(x, x, batch_size=16, epochs=8, verbose=0).history["loss"]
    assert np.isfinite(hist).all() and hist[-1] < hist[0] * 0.8, hist
