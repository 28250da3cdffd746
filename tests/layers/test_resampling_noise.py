"""UpSampling, ZeroPadding, Cropping, Permute, Identity, GroupNormalization, UnitNormalization
and the noise / regularization layers: numpy references, training-only seeded randomness,
errors at graph-build time, saving round trips, and a U-Net-like model trained on our own data.
Cross-checked against real Keras in test_i16_vs_keras.py."""
import numpy as np
import pytest

from roundtrip import assert_round_trips

import pyfapi
from pyfapi import layers, ops
from pyfapi.autodiff import GradientTape, Tensor

RNG = np.random.default_rng(21)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def test_bilinear_upsampling_gradient_and_values():
    x = _x(1, 3, 2, 2)
    y = np.asarray(layers.UpSampling2D(2, interpolation="bilinear")(x))
    # half-pixel centers: output row 1 samples input row 0.25 -> 0.75 x0 + 0.25 x1
    np.testing.assert_allclose(y[0, 1, 0], 0.75 * x[0, 0, 0] + 0.25 * x[0, 1, 0], rtol=1e-6)
    np.testing.assert_allclose(y[0, 0, 0], x[0, 0, 0], rtol=1e-6)  # clamped at the edge
    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        s = ops.sum(layers.UpSampling2D(2, interpolation="bilinear")(xt))
    # every input pixel's weights sum to the upsampling area
    np.testing.assert_allclose(np.asarray(tape.gradient(s, xt)), 4.0, rtol=1e-5)


def test_cropping_and_padding_errors_at_graph_build_time():
    with pytest.raises(ValueError, match=r"crop_bad.*removes 5 of the 4.*\(None, 4, 6, 3\)"):
        layers.Cropping2D(((2, 3), (0, 0)), name="crop_bad")(pyfapi.Input((4, 6, 3)))
    with pytest.raises(ValueError, match=r"crop1.*removes 3 of the 3"):
        layers.Cropping1D((1, 2), name="crop1")(pyfapi.Input((3, 2)))
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding2D(((1, 2, 3), (0, 0)))
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping2D(-1)
    with pytest.raises(ValueError, match="dims"):
        layers.Permute((1, 3))
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match="groups.*multiple"):
        layers.GroupNormalization(groups=4)(pyfapi.Input((5, 6)))


def test_noise_layers_training_only_and_seeded():
    x = np.ones((4000, 8), np.float32)
    for make in (lambda: layers.GaussianNoise(0.5, seed=3), lambda: layers.GaussianDropout(0.5, seed=3),
                 lambda: layers.AlphaDropout(0.2, seed=3), lambda: layers.Dropout(0.5, seed=3)):
        layer = make()
        assert np.array_equal(np.asarray(layer(x)), x)  # inference: identity
        a = np.asarray(make()(x, training=True))
        b = np.asarray(make()(x, training=True))
        assert np.array_equal(a, b) and not np.array_equal(a, x)  # seeded, and noisy
    gn = np.asarray(layers.GaussianNoise(0.5, seed=1)(x, training=True)) - 1
    assert abs(gn.std() - 0.5) < 0.01 and abs(gn.mean()) < 0.01
    gd = np.asarray(layers.GaussianDropout(0.5, seed=1)(x, training=True))
    assert abs(gd.mean() - 1) < 0.01 and abs(gd.std() - 1.0) < 0.02  # sqrt(0.5 / 0.5)
    # AlphaDropout keeps zero mean / unit variance of SELU-normalized inputs
    z = RNG.standard_normal((20000, 8)).astype(np.float32)
    ad = np.asarray(layers.AlphaDropout(0.3, seed=2)(z, training=True))
    assert abs(ad.mean()) < 0.02 and abs(ad.std() - 1) < 0.02


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((6, 5, 4, 8), np.float32)
    y = np.asarray(layers.SpatialDropout2D(0.5, seed=4)(x, training=True))
    per_map = y.reshape(6, 20, 8)
    assert np.all(per_map.min(1) == per_map.max(1))  # a map is kept or dropped as a whole
    assert set(np.unique(y)) <= {0.0, 2.0}
    y1 = np.asarray(layers.SpatialDropout1D(0.5, seed=4)(x[:, 0], training=True))
    assert np.all(y1.min(1) == y1.max(1))


def test_activity_regularization_adds_the_penalty():
    x = _x(4, 3)
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    assert np.array_equal(np.asarray(layer(x)), x)
    (loss,) = layer.losses
    want = (0.1 * np.abs(x).sum() + 0.01 * (x.astype(np.float64) ** 2).sum()) / 4
    np.testing.assert_allclose(float(np.asarray(loss)), want, rtol=1e-5)


def test_group_norm_gradient_through_layer():
    x = _x(2, 3, 4)
    layer = layers.GroupNormalization(groups=2)
    xt = Tensor(x)
    with GradientTape() as tape:
        tape.watch(xt)
        loss = ops.sum(ops.square(ops.multiply(layer(xt), np.arange(4, dtype=np.float32))))
    g = tape.gradient(loss, [xt, layer.gamma, layer.beta])
    assert all(gg is not None and np.isfinite(np.asarray(gg)).all() for gg in g)


@pytest.mark.parametrize("make,shape", [
    (lambda: layers.UpSampling2D((2, 3), interpolation="bilinear"), (3, 4, 2)),
    (lambda: layers.ZeroPadding2D(((1, 0), (2, 1))), (3, 4, 2)),
    (lambda: layers.Cropping2D(((1, 0), (1, 2))), (3, 4, 2)),
    (lambda: layers.Permute((2, 3, 1)), (3, 4, 2)),
    (lambda: layers.GroupNormalization(groups=2), (3, 4, 2)),
    (lambda: layers.UnitNormalization(), (3, 4, 2)),
    (lambda: layers.SpatialDropout2D(0.3), (3, 4, 2)),
])
def test_round_trips(tmp_path, make, shape):
    assert_round_trips(tmp_path, make, shape, [_x(2, *shape)])


def test_unet_like_model_trains():
    """Encoder (Conv2D + MaxPooling2D), decoder (UpSampling2D), a skip connection cropped with
    Cropping2D and concatenated: per-pixel segmentation of our own shapes; the loss falls."""
    pyfapi.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    yy, xx = np.mgrid[0:14, 0:14]
    xs, ys = [], []
    for _ in range(64):
        cy, cx, r = rng.uniform(4, 10), rng.uniform(4, 10), rng.uniform(2, 4)
        m = ((yy - cy) ** 2 + (xx - cx) ** 2 < r * r).astype(np.float32)
        xs.append(m + rng.normal(0, 0.3, m.shape))
        ys.append(m)
    x = np.stack(xs)[..., None].astype(np.float32)
    y = np.stack(ys)[..., None]
    inp = pyfapi.Input((14, 14, 1))
    c1 = layers.Conv2D(8, 3, padding="same", activation="relu")(inp)     # 14x14
    p1 = layers.MaxPooling2D(2)(c1)                                       # 7x7
    c2 = layers.Conv2D(16, 3, activation="relu")(p1)                      # 5x5
    u1 = layers.UpSampling2D(2, interpolation="bilinear")(c2)            # 10x10
    skip = layers.Cropping2D(2)(c1)                                       # 14x14 -> 10x10
    m = layers.Concatenate()([u1, skip])
    m = layers.Conv2D(8, 3, padding="same", activation="relu")(m)
    m = layers.ZeroPadding2D(2)(m)                                        # back to 14x14
    out = layers.Conv2D(1, 1, activation="sigmoid")(m)
    model = pyfapi.Model(inp, out)
    model.compile(optimizer=pyfapi.optimizers.Adam(1e-2), loss="binary_crossentropy")
    hist = model.fit(x, y, batch_size=16, epochs=6, verbose=0).history["loss"]
    assert np.isfinite(hist).all() and hist[-1] < hist[0] * 0.8, hist
    crop = layers.Cropping2D(((1, 1), (2, 0)))
    assert tuple(crop(pyfapi.Input((12, 12, 8))).shape) == (None, 10, 10, 8)
